// Command sailgraph is a GraphQL gateway in front of SailPoint Identity
// Security Cloud.
//
//	sailgraph            run the gateway (configured by SAILGRAPH_* variables;
//	                     with no SAILGRAPH_TENANT_URL it runs on an embedded
//	                     simulated tenant)
//	sailgraph simulate   run the simulated tenant alone (-addr, -identities, -seed)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"github.com/sailgraph/sailgraph/access"
	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/graph"
	"github.com/sailgraph/sailgraph/graph/resolvers"
	"github.com/sailgraph/sailgraph/graphiql"
	"github.com/sailgraph/sailgraph/httpapi"
	"github.com/sailgraph/sailgraph/ops"
	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "sailgraph:", err)
		os.Exit(1)
	}
}

// run is the whole program, testable: it returns when ctx is done (after a
// graceful shutdown) or on a start-up error.
func run(ctx context.Context, args []string, getenv func(string) string, logOut io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "simulate":
			return runSimulate(ctx, args[1:], logOut)
		case "hash-key":
			return runHashKey(args[1:], os.Stdin, os.Stdout, logOut)
		}
		return fmt.Errorf("unknown command %q (commands: simulate, hash-key)", args[0])
	}
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		return err
	}
	log := newLogger(logOut, cfg.LogLevel)
	var keys *access.Keyring
	if cfg.APIKeysFile != "" {
		if keys, err = access.LoadKeys(cfg.APIKeysFile); err != nil {
			return fmt.Errorf("SAILGRAPH_API_KEYS_FILE: %w", err)
		}
	}
	// The simulated tenant holds no one's data or credentials, so `go run .`
	// may serve it anonymously on :8080; a real tenant needs keys unless
	// the gateway listens on loopback or anonymity is asked for.
	warn, err := access.CheckAnonymous(cfg.Addr, cfg.AllowAnonymous || cfg.Simulated(), keys.Len())
	if err != nil {
		return err
	}
	if warn != "" {
		log.Warn(warn)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	return serveGateway(ctx, cfg, keys, getenv, ln, log)
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lv}))
}

// serveGateway wires the gateway and serves it on ln until ctx is done.
func serveGateway(ctx context.Context, cfg config.Config, keys *access.Keyring, getenv func(string) string, ln net.Listener, log *slog.Logger) error {
	creds := credentials{tenantURL: cfg.TenantURL, clientID: cfg.ClientID, clientSecret: cfg.ClientSecret}
	if cfg.Simulated() {
		sim, stopSim, err := startSimulatedTenant(cfg, log)
		if err != nil {
			return err
		}
		defer stopSim()
		creds = credentials{tenantURL: sim, clientID: simtenant.DefaultClientID, clientSecret: simtenant.DefaultClientSecret}
	}
	var rdb redis.UniversalClient
	if cfg.RedisURL != "" {
		var err error
		if rdb, err = newRedis(cfg.RedisURL); err != nil {
			return fmt.Errorf("SAILGRAPH_REDIS_URL: %w", err)
		}
		defer rdb.Close()
	}
	metrics := ops.NewMetrics(ops.MetricsOptions{})
	// Tracing is on only when the standard OTEL_ variables ask for it.
	tracing, err := ops.SetupTracing(ctx, getenv, ops.TracingOptions{ServiceName: "sailgraph"})
	if err != nil {
		return fmt.Errorf("tracing: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tracing.Shutdown(sctx)
	}()
	up, err := newUpstreams(cfg, creds, rdb, metrics, tracing, log)
	if err != nil {
		return err
	}

	fair, err := access.NewFairShare(access.FairShareOptions{Rate: cfg.KeyRate, Cost: cfg.KeyCost, Redis: rdb, Logger: log})
	if err != nil {
		return err
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// A request id first (so even a 401 is logged with one), then the
	// server span, metrics and the one log line per request.
	e.Use(ops.RequestID(), tracing.Middleware(), metrics.Middleware(), ops.AccessLog(log))
	e.Use(withPrincipal(up.principal))
	// Who is calling, and their fair share: on everything that reaches the
	// tenant. A pass-through caller's own token replaces the principal.
	guard := []echo.MiddlewareFunc{
		access.Authenticate(access.AuthOptions{Keys: keys, PassThrough: cfg.PassThrough, Tenant: up.principal.Tenant, Logger: log}),
		fair.Middleware(),
	}
	res := &resolvers.Resolver{
		Tenant: tenantName(cfg), Simulated: cfg.Simulated(),
		History: up.history, TaskStatus: up.tasks, Reports: up.reports, RoleMining: up.rolemin,
	}
	var apq graphql.Cache[string] // default: in memory, per replica
	if rdb != nil {
		apq = graph.NewStoreAPQCache(up.store, 24*time.Hour) // shared by every replica
	}
	gql := graph.NewHandler(res, graph.Options{
		Logger:        log,
		APQCache:      apq,
		Introspection: cfg.Introspection,
		MaxCost:       cfg.MaxCost,
		MaxDepth:      cfg.MaxDepth,
		Scope:         access.Directive,
		Extensions:    []graphql.HandlerExtension{fair.Extension(), metrics.GraphQL()},
	})
	gqlRoute := echo.WrapHandler(gql)
	graphqlMW := append(slices.Clone(guard), httpapi.Deadline(cfg.UpstreamTimeout))
	e.GET("/graphql", gqlRoute, graphqlMW...)
	e.POST("/graphql", gqlRoute, graphqlMW...)
	(&httpapi.Downloads{Reports: up.reports, Exports: up.rolemin, Log: log}).Register(e, guard...)
	// The SailPoint-compatible REST side: the 23 operations at their own
	// paths, through the same cache, budget and authorization.
	restMW := append(slices.Clone(guard), httpapi.RequireOperationScope, httpapi.BoundUnlessDownload(cfg.UpstreamTimeout))
	(&httpapi.REST{Client: up.http, Tenant: creds.tenantURL, Log: log}).Register(e, restMW...)
	// GraphiQL, served from the binary (no CDN), with example queries. It is
	// public: callers put their API key in its Headers tab.
	page, err := graphiql.New(graphiql.Options{Endpoint: "/graphql", Examples: graphiql.DefaultExamples()})
	if err != nil {
		return err
	}
	pageRoute := echo.WrapHandler(page)
	e.GET("/", pageRoute)
	e.GET(graphiql.AssetsPath+"*", pageRoute)
	// The operator's endpoints are not behind API keys.
	e.GET("/healthz", echo.WrapHandler(ops.Healthz()))
	var checks []ops.Check
	if creds.clientID != "" { // a pass-through gateway may have no credentials of its own
		checks = append(checks, ops.TokenCheck(up.tokenConfig, ops.TokenCheckOptions{}))
	}
	if rdb != nil {
		rc := ops.RedisCheck(rdb)
		rc.Optional = !cfg.ReadyRequireRedis
		checks = append(checks, rc)
	}
	e.GET("/readyz", echo.WrapHandler(ops.Readyz(checks, ops.ReadyOptions{Logger: log})))
	e.GET("/metrics", echo.WrapHandler(metrics.Handler()))

	srv := &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	log.Info("sailgraph listening",
		"addr", ln.Addr().String(),
		"graphql", "http://"+displayAddr(ln)+"/graphql",
		"graphiql", "http://"+displayAddr(ln)+"/",
		"tenant", tenantName(cfg),
		"rate_limit", cfg.RateLimit.String(),
		"redis", cfg.RedisURL != "")
	serveErr := serveUntilDone(ctx, srv, ln, cfg.ShutdownTimeout, log)
	cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(serveErr, up.close(cctx))
}

// withPrincipal runs every request as the gateway's own client: the cache,
// in-flight de-duplication and the budget are partitioned by it.
func withPrincipal(p principal.Principal) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			c.SetRequest(r.WithContext(principal.With(r.Context(), p)))
			return next(c)
		}
	}
}

// serveUntilDone serves until ctx is done, then stops accepting and lets
// in-flight requests finish within timeout.
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener, timeout time.Duration, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", timeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func tenantName(cfg config.Config) string {
	if cfg.Simulated() {
		return "simulated"
	}
	return cfg.TenantURL
}

func displayAddr(ln net.Listener) string {
	host, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil || host == "::" || host == "0.0.0.0" || host == "" {
		return "localhost:" + port
	}
	return net.JoinHostPort(host, port)
}

// startSimulatedTenant serves the embedded tenant on a loopback port and
// returns its root URL.
func startSimulatedTenant(cfg config.Config, log *slog.Logger) (string, func(), error) {
	tn := simtenant.New(simtenant.Options{Seed: cfg.SimSeed, Identities: cfg.SimIdentities, RateLimit: cfg.RateLimit.N, RateWindow: cfg.RateLimit.Per})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("simulated tenant: %w", err)
	}
	srv := &http.Server{Handler: tn.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	url := "http://" + ln.Addr().String()
	log.Warn("SIMULATED TENANT: no SAILGRAPH_TENANT_URL is set, so sailgraph serves data from an embedded simulated ISC tenant, not a real one",
		"tenant_url", url, "identities", cfg.SimIdentities, "seed", cfg.SimSeed)
	return url, func() { _ = srv.Close() }, nil
}

// runSimulate is `sailgraph simulate`: the simulated tenant alone.
func runSimulate(ctx context.Context, args []string, logOut io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(logOut)
	addr := fs.String("addr", "127.0.0.1:8081", "listen address")
	identities := fs.Int("identities", 2000, "number of identities")
	seed := fs.Uint64("seed", 1, "data seed")
	rate := fs.String("rate-limit", "100/10s", "rate limit per client id and API version")
	tokenTTL := fs.Duration("token-ttl", 749*time.Second, "access token lifetime")
	latency := fs.Duration("latency", 0, "latency added to every API request")
	failureRate := fs.Float64("failure-rate", 0, "fraction of API requests answered with 500")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r, err := ratelimit.ParseRate(*rate)
	if err != nil {
		return fmt.Errorf("-rate-limit: %w", err)
	}
	if *identities < 1 || *failureRate < 0 || *failureRate > 1 {
		return errors.New("-identities must be positive and -failure-rate within [0,1]")
	}
	log := newLogger(logOut, "info")
	tn := simtenant.New(simtenant.Options{
		Seed: *seed, Identities: *identities, RateLimit: r.N, RateWindow: r.Per,
		TokenTTL: *tokenTTL, Latency: *latency, FailureRate: *failureRate,
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	id, _ := tn.ClientID()
	log.Warn("SIMULATED TENANT: serving a simulated SailPoint ISC tenant, not a real one",
		"url", "http://"+displayAddr(ln), "client_id", id,
		"identities", *identities, "seed", *seed, "rate_limit", r.String())
	srv := &http.Server{Handler: tn.Handler(), ReadHeaderTimeout: 10 * time.Second}
	return serveUntilDone(ctx, srv, ln, 10*time.Second, log)
}

// runHashKey is `sailgraph hash-key -name NAME -scopes a,b [-new]`: it
// prints one line for SAILGRAPH_API_KEYS_FILE holding the key's hash and
// scopes, never the key. The key is read from stdin, or made with -new
// and shown once on stderr.
func runHashKey(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hash-key", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "the key's name, shown in logs")
	scopes := fs.String("scopes", "", "comma-separated scopes, e.g. idn:identity-history:read,sp:report:read")
	generate := fs.Bool("new", false, "generate a new key instead of reading one from stdin")
	if err := fs.Parse(args); err != nil {
		return err
	}
	key := access.GenerateKey()
	if !*generate {
		b, err := io.ReadAll(io.LimitReader(stdin, 4096))
		if err != nil {
			return err
		}
		key = strings.TrimSpace(string(b))
	}
	var list []string
	if *scopes != "" {
		list = strings.Split(*scopes, ",")
	}
	line, err := access.EntryFor(*name, key, list...)
	if err != nil {
		return err
	}
	if *generate {
		fmt.Fprintln(stderr, "new key (shown once; give it to the caller):", key)
	}
	_, err = fmt.Fprintln(stdout, string(line))
	return err
}

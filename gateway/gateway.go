// Package gateway assembles sailgraph: from a config.Config it builds the
// upstream clients and their transport chain, the cache, the budget, the
// access rules, the GraphQL endpoint, the REST side, downloads, GraphiQL
// and the operator's endpoints, and returns one http.Handler. It is the
// one place that wiring lives: the sailgraph command serves it, and every
// test that needs the whole stack builds it with New and Options.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sailgraph/sailgraph/access"
	"github.com/sailgraph/sailgraph/cache"
	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/graph"
	"github.com/sailgraph/sailgraph/graph/resolvers"
	"github.com/sailgraph/sailgraph/graphiql"
	"github.com/sailgraph/sailgraph/httpapi"
	"github.com/sailgraph/sailgraph/jobs"
	"github.com/sailgraph/sailgraph/ops"
	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/generation"
	"github.com/sailgraph/sailgraph/upstream/history"
	"github.com/sailgraph/sailgraph/upstream/httpcache"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
	"github.com/sailgraph/sailgraph/upstream/principal"
	"github.com/sailgraph/sailgraph/upstream/reports"
	"github.com/sailgraph/sailgraph/upstream/rolemining"
	"github.com/sailgraph/sailgraph/upstream/tasks"
	"github.com/sailgraph/sailgraph/upstream/transport"
)

// Option adjusts how New builds a Gateway beyond its configuration:
// what tests need to observe or replace (the network below the chain, the
// clock, a Redis client) and what the command passes in (its logger, its
// environment).
type Option func(*options)

type options struct {
	log       *slog.Logger
	getenv    func(string) string
	rdb       redis.UniversalClient
	keys      *access.Keyring
	keysSet   bool
	base      func(http.RoundTripper) http.RoundTripper
	now       func() time.Time
	graphOpts func(*graph.Options)
	simOpts   func(*simtenant.Options)
	tracing   *ops.Tracing
}

// WithLogger sets the logger (default: JSON lines on stderr at the
// configured level).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithEnv sets where the OpenTelemetry variables are read from (default
// os.Getenv).
func WithEnv(getenv func(string) string) Option { return func(o *options) { o.getenv = getenv } }

// WithRedis uses rdb for everything shared between replicas, instead of a
// client made from cfg.RedisURL. The caller closes it.
func WithRedis(rdb redis.UniversalClient) Option { return func(o *options) { o.rdb = rdb } }

// WithKeys uses keys as the API keys, instead of cfg.APIKeysFile (nil:
// no keys).
func WithKeys(keys *access.Keyring) Option {
	return func(o *options) { o.keys, o.keysSet = keys, true }
}

// WithUpstreamBase wraps the network transport at the bottom of the
// upstream chain (below the budget, retries and metrics): tests validate
// and count every exchange with the tenant there, or inject faults.
func WithUpstreamBase(wrap func(http.RoundTripper) http.RoundTripper) Option {
	return func(o *options) { o.base = wrap }
}

// WithClock sets the clock the cache dates its entries by and pass-through
// tokens' expiry and recheck are judged by (default time.Now).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithGraphOptions adjusts the GraphQL endpoint's options after the
// configuration has set them.
func WithGraphOptions(adjust func(*graph.Options)) Option {
	return func(o *options) { o.graphOpts = adjust }
}

// WithTracing uses tr for tracing instead of what the OTEL_ variables ask
// for; the caller shuts it down.
func WithTracing(tr *ops.Tracing) Option { return func(o *options) { o.tracing = tr } }

// WithSimulatedTenant adjusts the embedded simulated tenant's options
// (used when cfg has no TenantURL).
func WithSimulatedTenant(adjust func(*simtenant.Options)) Option {
	return func(o *options) { o.simOpts = adjust }
}

// Gateway is one assembled gateway.
type Gateway struct {
	handler   http.Handler
	log       *slog.Logger
	cfg       config.Config
	tenantURL string
	sim       *simtenant.Tenant
	metrics   *ops.Metrics
	cache     *cache.Cache
	limiter   ratelimit.Limiter
	hub       *jobs.Hub
	streams   *graph.Streams
	closers   []func(context.Context) error
}

// New builds the gateway cfg describes. With no cfg.TenantURL it starts
// the embedded simulated tenant on a loopback port. Close releases what
// it started.
func New(ctx context.Context, cfg config.Config, opts ...Option) (_ *Gateway, err error) {
	o := options{getenv: os.Getenv}
	for _, opt := range opts {
		opt(&o)
	}
	if o.log == nil {
		o.log = NewLogger(os.Stderr, cfg.LogLevel)
	}
	g := &Gateway{log: o.log, cfg: cfg}
	defer func() {
		if err != nil {
			_ = g.Close(context.WithoutCancel(ctx))
		}
	}()

	keys := o.keys
	if !o.keysSet && cfg.APIKeysFile != "" {
		if keys, err = access.LoadKeys(cfg.APIKeysFile); err != nil {
			return nil, fmt.Errorf("SAILGRAPH_API_KEYS_FILE: %w", err)
		}
	}
	creds := credentials{tenantURL: cfg.TenantURL, clientID: cfg.ClientID, clientSecret: cfg.ClientSecret}
	if cfg.Simulated() {
		if creds, err = g.startSimulatedTenant(o.simOpts); err != nil {
			return nil, err
		}
	}
	g.tenantURL = creds.tenantURL
	// The simulated tenant holds no one's data or credentials, so the
	// embedded default may serve it anonymously; a real tenant needs keys
	// unless the gateway listens on loopback or anonymity is asked for.
	notice, err := access.CheckAnonymous(access.Exposure{
		Addr: cfg.Addr, Keys: keys.Len(), PassThrough: cfg.PassThrough,
		Simulated: cfg.Simulated(), AllowAnonymous: cfg.AllowAnonymous,
	})
	if err != nil {
		return nil, err
	}
	if notice.Message != "" {
		g.log.Log(ctx, notice.Level, notice.Message)
	}

	rdb := o.rdb
	if rdb == nil && cfg.RedisURL != "" {
		if rdb, err = newRedis(ctx, cfg.RedisURL); err != nil {
			return nil, err
		}
		g.closers = append(g.closers, func(context.Context) error { return rdb.Close() })
	}
	g.metrics = ops.NewMetrics(ops.MetricsOptions{})
	tracing := o.tracing
	if tracing == nil {
		if tracing, err = ops.SetupTracing(ctx, o.getenv, ops.TracingOptions{ServiceName: "sailgraph"}); err != nil {
			return nil, fmt.Errorf("tracing: %w", err)
		}
		g.closers = append(g.closers, tracing.Shutdown)
	}

	// What the tenant last said of pass-through tokens, shared by every
	// replica when Redis is configured.
	var tokens access.TokenState = access.NewMemoryTokens(access.TokenOptions{Recheck: cfg.TokenRecheck, Now: o.now})
	if rdb != nil {
		tokens = access.NewRedisTokens(rdb, access.TokenOptions{Recheck: cfg.TokenRecheck, Now: o.now, Timeout: cfg.RedisTimeout})
	}
	up, err := g.upstreams(cfg, creds, rdb, tracing, tokens, o)
	if err != nil {
		return nil, err
	}
	replicas := func() int { return 1 }
	if rl, ok := g.limiter.(interface{ Replicas() int }); ok {
		replicas = rl.Replicas
	}
	fair, err := access.NewFairShare(access.FairShareOptions{
		Rate: cfg.KeyRate, Cost: cfg.KeyCost, Redis: rdb, Replicas: replicas, Logger: g.log,
		MaxSubscriptions: cfg.MaxSubscriptionsPerKey,
	})
	if err != nil {
		return nil, err
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// A request id first (so even a 401 is logged with one), then the
	// server span, metrics and the one log line per request.
	e.Use(ops.RequestID(), tracing.Middleware(), g.metrics.Middleware(), ops.AccessLog(g.log))
	// Browsers on other origins (SAILGRAPH_CORS_ORIGINS): preflights are
	// answered here, before authentication, and every answer below
	// carries the headers a browser needs to read it.
	corsMW, err := cors(cfg.CORSOrigins, keys.Len() == 0 && !cfg.PassThrough)
	if err != nil {
		return nil, err
	}
	if corsMW != nil {
		e.Use(corsMW)
	}
	// Every body is read whole, bounded in size and time, before anything
	// else runs.
	e.Use(httpapi.ReadBody(httpapi.MaxRequestBody, cfg.ReadTimeout))
	e.Use(withPrincipal(up.principal))
	// Who is calling, and their fair share: on everything that reaches the
	// tenant. A pass-through caller's own token replaces the principal.
	authOpts := access.AuthOptions{Keys: keys, PassThrough: cfg.PassThrough, Tenant: up.principal.Tenant, Tokens: tokens, Now: o.now, Logger: g.log}
	guard := []echo.MiddlewareFunc{access.Authenticate(authOpts), fair.Middleware()}
	headroom := headroomOf(g.limiter, up.gens)
	res := &resolvers.Resolver{
		LookAhead: lookAhead(headroom, up.principal),
		Tenant:    g.TenantName(), Simulated: cfg.Simulated(),
		History: up.history, TaskStatus: up.tasks, Reports: up.reports, RoleMining: up.rolemin,
		Generations: up.gens,
	}
	var apq graphql.Cache[string] // default: in memory, per replica
	if rdb != nil {
		apq = graph.NewStoreAPQCache(up.store, 24*time.Hour) // shared by every replica
	}
	gopts := graph.Options{
		Logger:                g.log,
		APQCache:              apq,
		Introspection:         cfg.Introspection,
		MaxCost:               cfg.MaxCost,
		MaxDepth:              cfg.MaxDepth,
		MaxTokens:             cfg.MaxTokens,
		MaxAliases:            cfg.MaxAliases,
		MaxRootFields:         cfg.MaxRootFields,
		MaxSelectionFields:    cfg.MaxSelectionFields,
		MaxComplexity:         cfg.MaxComplexity,
		MaxIntrospectionDepth: cfg.MaxIntrospectionDepth,
		Scope:                 access.Directive,
		Extensions:            []graphql.HandlerExtension{fair.Extension(), g.metrics.GraphQL()},
	}
	if cfg.ResultCacheBytes > 0 {
		var shared cache.Store
		if rdb != nil {
			shared = up.store
		}
		gopts.Results = cache.NewResults(g.cache, cache.ResultsOptions{MaxBytes: cfg.ResultCacheBytes, Shared: shared, Now: o.now, Observer: g.metrics})
		gopts.Partition = resultPartition
		gopts.Answerable = confirmedTokens(tokens)
	}
	// ---- Live progress (subscriptions) --------------------------------
	// One jobs.Hub per replica watches the jobs subscribers ask for, one
	// poller per job across replicas (a lease in Redis; without Redis one
	// per process), its polls through the upstream chain above (cache,
	// budget, cooldown) and slowed while the budget is busy. Subscriptions
	// are served over WebSocket and SSE at /graphql: a WebSocket may bring
	// its key in connection_init, and streams are not cut by the request
	// deadline (their queries are bounded one by one). Opening one is
	// admitted by the fair share; at most MaxSubscriptionsPerKey per key.
	var jobStore jobs.Store // nil: in memory
	if rdb != nil {
		jobStore = jobs.NewRedisStore(rdb, jobs.RedisStoreOptions{})
	}
	g.hub, err = jobs.NewHub(jobs.Options{
		Store: jobStore, Sources: jobs.Sources(up.reports, up.tasks, up.rolemin),
		PollTimeout: cfg.UpstreamTimeout, Headroom: headroom, Logger: g.log,
	})
	if err != nil {
		return nil, fmt.Errorf("job watchers: %w", err)
	}
	g.streams = graph.NewStreams()
	g.closers = append(g.closers, func(context.Context) error { return fair.Close() }, g.Drain)
	res.Jobs = g.hub
	gopts.Streams = &graph.StreamOptions{
		Init: access.WebSocketInit(authOpts), OperationTimeout: cfg.UpstreamTimeout, Streams: g.streams,
	}
	gopts.Extensions = append(gopts.Extensions, fair.Streams())
	wsAuthOpts := authOpts
	wsAuthOpts.DeferWebSocket = true
	graphqlMW := []echo.MiddlewareFunc{access.Authenticate(wsAuthOpts), fair.Middleware(), unlessStream(httpapi.Deadline(cfg.UpstreamTimeout))}
	// ---- end of live progress -----------------------------------------
	if o.graphOpts != nil {
		o.graphOpts(&gopts)
	}
	gqlRoute := echo.WrapHandler(graph.NewHandler(res, gopts))
	e.GET("/graphql", gqlRoute, graphqlMW...)
	e.POST("/graphql", gqlRoute, graphqlMW...)
	plainMW := append(slices.Clone(guard), fair.Admit())
	(&httpapi.Downloads{Reports: up.reports, Exports: up.rolemin, Log: g.log}).Register(e, plainMW...)
	// The SailPoint-compatible REST side: the operations at their own
	// paths, in both generations, through the same cache, budget and
	// authorization.
	(&httpapi.REST{Client: up.http, Tenant: creds.tenantURL, Timeout: cfg.UpstreamTimeout, Log: g.log}).Register(e, plainMW...)
	// GraphiQL, served from the binary (no CDN), with example queries. It
	// is public: callers put their API key in its Headers tab.
	page, err := graphiql.New(graphiql.Options{Endpoint: "/graphql", Examples: graphiql.DefaultExamples()})
	if err != nil {
		return nil, err
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
	e.GET("/readyz", echo.WrapHandler(ops.Readyz(checks, ops.ReadyOptions{Logger: g.log})))
	// Metrics: on their own address when one is configured; otherwise
	// here, behind an API key when there are keys.
	switch {
	case cfg.MetricsAddr != "":
	case keys.Len() > 0:
		e.GET("/metrics", echo.WrapHandler(g.metrics.Handler()), guard[0])
	default:
		e.GET("/metrics", echo.WrapHandler(g.metrics.Handler()))
	}
	g.handler = e
	return g, nil
}

// Handler is the gateway's HTTP handler: /graphql, the REST side,
// downloads, GraphiQL at /, /healthz, /readyz and /metrics.
func (g *Gateway) Handler() http.Handler { return g.handler }

// MetricsHandler serves the Prometheus metrics, for an address of their
// own (config.Config.MetricsAddr).
func (g *Gateway) MetricsHandler() http.Handler { return g.metrics.Handler() }

// TenantURL is the tenant's root: the configured one, or the embedded
// simulated tenant's loopback URL.
func (g *Gateway) TenantURL() string { return g.tenantURL }

// TenantName names the tenant in answers and logs: "simulated" for the
// embedded one, else the configured URL.
func (g *Gateway) TenantName() string {
	if g.cfg.Simulated() {
		return "simulated"
	}
	return g.cfg.TenantURL
}

// SimulatedTenant is the embedded simulated tenant, nil in front of a
// real one.
func (g *Gateway) SimulatedTenant() *simtenant.Tenant { return g.sim }

// Jobs says what this replica's job watchers do: how many jobs its
// subscribers watch, how many of them it polls (holds the lease of), how
// many leases it has taken.
func (g *Gateway) Jobs() jobs.Stats { return g.hub.Stats() }

// CacheStats is the upstream cache's counters.
func (g *Gateway) CacheStats() cache.Stats { return g.cache.Stats() }

// Drain ends every subscription, for a shutdown: WebSockets are closed
// with 1001 (going away; clients reconnect, to another replica), SSE
// streams end with their `complete` event, and this replica's job leases
// are given up so that another replica polls at once. Call it when the
// server starts shutting down (http.Server.RegisterOnShutdown):
// http.Server.Shutdown neither closes hijacked connections nor ends SSE
// streams, which it would wait for until its timeout. Close drains too.
func (g *Gateway) Drain(ctx context.Context) error {
	if g.streams == nil || g.hub == nil {
		return nil
	}
	// WebSockets first: their clients must see 1001, not a `complete`
	// for each subscription as the Hub ends them.
	err := g.streams.Shutdown(ctx)
	return errors.Join(err, g.hub.Close(ctx))
}

// Close stops background work (cache refreshes, the limiter's heartbeat,
// tracing, the simulated tenant) after the HTTP server has shut down.
func (g *Gateway) Close(ctx context.Context) error {
	var errs []error
	for i := len(g.closers) - 1; i >= 0; i-- {
		if err := g.closers[i](ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			// DeadlineExceeded: fills still in flight were cancelled;
			// nothing is lost.
			errs = append(errs, err)
		}
	}
	g.closers = nil
	return errors.Join(errs...)
}

// NewLogger returns the gateway's logger: JSON lines on w at level
// (debug, info, warn, error).
func NewLogger(w io.Writer, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lv}))
}

// credentials are the tenant's client credentials: the configured ones,
// or the simulated tenant's defaults.
type credentials struct {
	tenantURL, clientID, clientSecret string
}

// startSimulatedTenant serves the embedded tenant on a loopback port.
func (g *Gateway) startSimulatedTenant(adjust func(*simtenant.Options)) (credentials, error) {
	cfg := g.cfg
	so := simtenant.Options{Seed: cfg.SimSeed, Identities: cfg.SimIdentities, RateLimit: cfg.RateLimit.N, RateWindow: cfg.RateLimit.Per}
	if adjust != nil {
		adjust(&so)
	}
	tn := simtenant.New(so)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return credentials{}, fmt.Errorf("simulated tenant: %w", err)
	}
	srv := &http.Server{Handler: tn.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	g.closers = append(g.closers, func(context.Context) error { return srv.Close() })
	g.sim = tn
	u := "http://" + ln.Addr().String()
	g.log.Warn("SIMULATED TENANT: no SAILGRAPH_TENANT_URL is set, so sailgraph serves data from an embedded simulated ISC tenant, not a real one",
		"tenant_url", u, "identities", so.Identities, "seed", so.Seed)
	id, secret := tn.ClientID()
	return credentials{tenantURL: u, clientID: id, clientSecret: secret}, nil
}

// limiterByAPI is the tenant budget: SAILGRAPH_RATE_LIMIT for every API,
// except those SAILGRAPH_RATE_LIMITS gives a budget of their own.
func limiterByAPI(cfg config.Config, newLimiter func(ratelimit.Rate) ratelimit.Limiter) ratelimit.Limiter {
	def := newLimiter(cfg.RateLimit)
	if len(cfg.RateLimits) == 0 {
		return def
	}
	byAPI := map[string]ratelimit.Limiter{}
	for api, r := range cfg.RateLimits {
		byAPI[api] = newLimiter(r)
	}
	return ratelimit.NewByAPI(def, byAPI)
}

// unlessStream applies mw except to a streaming request (a WebSocket
// upgrade, or Server-Sent Events), which lasts as long as its
// subscriptions do.
func unlessStream(mw echo.MiddlewareFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		bounded := mw(next)
		return func(c echo.Context) error {
			r := c.Request()
			if r.Header.Get("Upgrade") != "" || strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
				return next(c)
			}
			return bounded(c)
		}
	}
}

// lookAhead turns the resolvers' look-ahead off while the budget of
// identity history (the API the identity page's calls spend) has under
// 20% headroom: then the calls go in order, and an unknown id costs one.
func lookAhead(headroom func(context.Context, principal.Principal, *op.Operation) (float64, bool), def principal.Principal) func(context.Context) bool {
	if headroom == nil {
		return nil
	}
	return func(ctx context.Context) bool {
		p, ok := principal.From(ctx)
		if !ok {
			p = def
		}
		h, ok := headroom(ctx, p, op.GetHistoricalIdentity)
		return !ok || h >= 0.2
	}
}

// headroomOf reads the headroom of the budget a call of an operation
// spends (the API of the generation its family uses now), when the limiter
// can say (see ratelimit.Headroomer).
func headroomOf(l ratelimit.Limiter, gens isc.Generations) func(context.Context, principal.Principal, *op.Operation) (float64, bool) {
	hr, ok := l.(ratelimit.Headroomer)
	if !ok {
		return nil
	}
	return func(ctx context.Context, p principal.Principal, o *op.Operation) (float64, bool) {
		h, err := hr.Headroom(ctx, ratelimit.Key{ClientID: p.Key(), API: string(o.Path(gens.Generation(o.Family)).API)})
		return h, err == nil
	}
}

// resultPartition names whose whole answers a request may share: the
// principal (tenant and client id, or a pass-through token's hash) and the
// caller's scopes.
func resultPartition(ctx context.Context) (string, bool) {
	p, ok := principal.From(ctx)
	if !ok {
		return "", false
	}
	c, ok := access.CallerFrom(ctx)
	if !ok {
		return "", false
	}
	return p.Key() + "\x00" + c.Partition(), true
}

// confirmedTokens keeps the result cache from answering a pass-through
// token the tenant has not accepted lately (the upstream cache then asks
// the tenant, which confirms or refuses it).
func confirmedTokens(tokens access.TokenState) func(context.Context) bool {
	return func(ctx context.Context) bool {
		p, ok := principal.From(ctx)
		return ok && (p.Bearer() == "" || tokens.Confirmed(ctx, p.ClientID))
	}
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

// upstreams is everything that talks to the tenant, built once.
type upstreams struct {
	principal principal.Principal
	history   *history.Client
	tasks     *tasks.Client
	reports   *reports.Client
	rolemin   *rolemining.Client
	// gens chooses each family's API generation (SAILGRAPH_UPSTREAM_API).
	gens *generation.Chooser
	// store is where the cache keeps entries (Redis or memory); persisted
	// queries live there too when it is Redis.
	store cache.Store
	// tokenConfig is the gateway's client credentials, for the readiness
	// check.
	tokenConfig *clientcredentials.Config
	// http is the whole chain, cache outermost: the REST side forwards
	// through it.
	http *http.Client
}

// upstreams builds the chain every upstream call goes through, outermost
// first: cache (httpcache) → retry → OAuth2 → budget and 429 cooldown →
// metrics → tracing and the request's record → the network.
func (g *Gateway) upstreams(cfg config.Config, creds credentials, rdb redis.UniversalClient, tr *ops.Tracing, tokens access.TokenState, o options) (*upstreams, error) {
	u := &upstreams{}
	tenantHost := "simulated"
	if !cfg.Simulated() {
		pu, err := url.Parse(creds.tenantURL)
		if err != nil {
			return nil, err
		}
		tenantHost = pu.Host
	}
	u.principal = principal.ForClient(tenantHost, creds.clientID)

	compress := 0 // the cache's default threshold
	var circuits ratelimit.Circuits = ratelimit.NewMemoryCircuits(nil)
	if rdb != nil {
		circuits = ratelimit.NewRedisCircuits(rdb, "", cfg.RedisTimeout)
		// One limiter per distinct budget, all under one replica id so
		// the heartbeats count this replica once.
		replica := ratelimit.NewReplicaID()
		newLimiter := func(r ratelimit.Rate) ratelimit.Limiter {
			rl := ratelimit.NewRedis(rdb, r, ratelimit.RedisOptions{Logger: g.log, OnFallback: g.metrics.ObserveFallback, Timeout: 2 * cfg.RedisTimeout, ReplicaID: replica})
			g.closers = append(g.closers, func(context.Context) error { return rl.Close() })
			return rl
		}
		g.limiter = limiterByAPI(cfg, newLimiter)
		u.store = cache.NewRedis(rdb, cache.RedisOptions{Logger: g.log, Timeout: cfg.RedisTimeout})
	} else {
		g.limiter = limiterByAPI(cfg, func(r ratelimit.Rate) ratelimit.Limiter { return ratelimit.NewMemory(r) })
		u.store = cache.NewMemory(cache.MemoryOptions{MaxBytes: cfg.CacheMemoryBytes, Observer: g.metrics})
		// In memory, inflating a deflated 250-item page costs ~100 µs a
		// hit against ~0.5 µs for the plain bytes (bench/run.sh); the
		// store is bounded by bytes either way, so keep entries plain.
		compress = -1
	}

	netBase := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: cfg.UpstreamTimeout,
		ForceAttemptHTTP2:     true,
	}
	g.closers = append(g.closers, func(context.Context) error { netBase.CloseIdleConnections(); return nil })
	var base http.RoundTripper = netBase
	if o.base != nil {
		base = o.base(base)
	}
	u.tokenConfig = &clientcredentials.Config{
		ClientID:     creds.clientID,
		ClientSecret: creds.clientSecret,
		TokenURL:     creds.tenantURL + "/oauth/token",
		AuthStyle:    oauth2.AuthStyleInHeader,
	}
	tc := transport.Config{
		// Below the chain: a client span per call, and the call counted
		// on the request's record with its X-Request-Id sent upstream.
		Base:      transport.Chain(base, tr.Layer(), ops.Upstream()),
		Principal: u.principal,
		// Also in pass-through mode: the OAuth2 layer sends a pass-through
		// principal's own token.
		Credentials: u.tokenConfig,
		Limiter:     g.limiter,
		Observer:    g.metrics,
	}
	if cfg.BreakerFailures > 0 {
		tc.Circuits = circuits
		tc.Breaker = transport.BreakerOptions{Failures: cfg.BreakerFailures, CoolOff: cfg.BreakerCoolOff}
	}
	rt := transport.New(tc)
	c, err := cache.New(u.store, cache.Options{Policy: cfg.CachePolicy, CompressAbove: compress, Observer: g.metrics, Now: o.now})
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	g.cache = c
	g.closers = append(g.closers, c.Close)

	// --- Upstream API generations (SAILGRAPH_UPSTREAM_API) ---
	// Each family is fixed on legacy or v1, or detected: the probes go
	// through the chain (token, budget, retries) but not the cache, so
	// that they always reach the tenant. Below the cache, the chooser's
	// layer watches for calls whose whole path is gone, to ask again.
	// With credentials of its own the gateway asks at once; in
	// pass-through mode without them, each family's first caller's token
	// asks, and that call waits for the answer.
	fixed := map[op.Family]op.Generation{}
	for _, f := range op.Families() {
		if gen, ok := cfg.UpstreamAPI.Mode(f).Fixed(); ok {
			fixed[f] = gen
		}
	}
	now := o.now
	if now == nil {
		now = time.Now
	}
	u.gens = generation.New(generation.Options{
		Fixed:   fixed,
		Prober:  generation.NewProber(creds.tenantURL, &http.Client{Transport: rt}),
		Logger:  g.log,
		Now:     now,
		Timeout: min(cfg.UpstreamTimeout, 10*time.Second),
	})
	g.closers = append(g.closers, u.gens.Close)
	if creds.clientID != "" && creds.clientSecret != "" {
		u.gens.Start(principal.With(context.Background(), u.principal))
	}
	hc := &http.Client{Transport: httpcache.New(c, u.gens.Layer(rt), httpcache.Options{Logger: g.log, Now: o.now, Tokens: tokens})}
	u.http = hc
	gens := isc.WithGenerations(u.gens)
	// --- end of upstream API generations ---

	// Typed values decoded from stored answers are kept once, for every
	// client: a query that shares upstream calls with an earlier one does
	// not decode the same JSON again.
	decoded := isc.WithDecodedCache(isc.NewDecodedCache(16 << 20))
	if u.history, err = history.New(creds.tenantURL, hc, decoded, gens); err != nil {
		return nil, err
	}
	if u.tasks, err = tasks.New(creds.tenantURL, hc, decoded, gens); err != nil {
		return nil, err
	}
	if u.reports, err = reports.New(creds.tenantURL, hc, decoded, gens); err != nil {
		return nil, err
	}
	if u.rolemin, err = rolemining.New(creds.tenantURL, hc, decoded, gens); err != nil {
		return nil, err
	}
	return u, nil
}

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
	"strings"
	"syscall"
	"time"

	"github.com/sailgraph/sailgraph/access"
	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/gateway"
	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/simtenant"
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
	log := gateway.NewLogger(logOut, cfg.LogLevel)
	gw, err := gateway.New(ctx, cfg, gateway.WithLogger(log), gateway.WithEnv(getenv))
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if cerr := gw.Close(cctx); cerr != nil {
			log.Warn("closing the gateway", "error", cerr.Error())
		}
	}()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           gw.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	// Shutdown neither closes hijacked connections (WebSockets) nor ends
	// SSE streams, which it would wait for until its timeout: end the
	// subscriptions as it starts.
	srv.RegisterOnShutdown(func() {
		dctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		if err := gw.Drain(dctx); err != nil {
			log.Warn("ending subscriptions", "error", err.Error())
		}
	})
	log.Info("sailgraph listening",
		"addr", ln.Addr().String(),
		"graphql", "http://"+displayAddr(ln)+"/graphql",
		"graphiql", "http://"+displayAddr(ln)+"/",
		"tenant", tenantName(cfg),
		"rate_limit", cfg.RateLimit.String(),
		"redis", cfg.RedisURL != "")
	return serveUntilDone(ctx, srv, ln, cfg.ShutdownTimeout, log)
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
	log := gateway.NewLogger(logOut, "info")
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

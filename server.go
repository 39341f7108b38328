// Command sailgraph is a GraphQL gateway in front of SailPoint Identity
// Security Cloud.
//
//	sailgraph              run the gateway (configured by SAILGRAPH_* variables;
//	                       with no SAILGRAPH_TENANT_URL it runs on an embedded
//	                       simulated tenant)
//	sailgraph simulate     run the simulated tenant alone (-addr, -identities, -seed)
//	sailgraph hash-key     make a line for SAILGRAPH_API_KEYS_FILE
//	sailgraph check        build the gateway from the variables and exit
//	sailgraph healthcheck  ask a running gateway's /readyz
//	sailgraph help         list the commands and the variables
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
	"text/tabwriter"
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
// graceful shutdown) or on a start-up error. Help and hash-key write to
// the process's stdout; the log goes to logOut.
func run(ctx context.Context, args []string, getenv func(string) string, logOut io.Writer) error {
	return runCommand(ctx, args, getenv, stdio{in: os.Stdin, out: os.Stdout, err: logOut})
}

// stdio is where a command reads its input and writes its output and its
// log or errors.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// runCommand runs the command args name (none: the gateway).
func runCommand(ctx context.Context, args []string, getenv func(string) string, std stdio) error {
	if len(args) > 0 {
		switch args[0] {
		case "simulate":
			return runSimulate(ctx, args[1:], std)
		case "hash-key":
			return runHashKey(args[1:], std)
		case "check":
			return runCheck(ctx, args[1:], getenv, std)
		case "healthcheck":
			return runHealthcheck(ctx, args[1:], getenv, std)
		case "help", "-h", "-help", "--help":
			if len(args) > 1 && args[1] != "help" && !strings.HasPrefix(args[1], "-") {
				return runCommand(ctx, []string{args[1], "-h"}, getenv, std)
			}
			return printHelp(std.out)
		}
		if strings.HasPrefix(args[0], "-") {
			return fmt.Errorf("unknown flag %s: the gateway is configured by environment variables (see sailgraph help)", args[0])
		}
		return fmt.Errorf("unknown command %q (see sailgraph help)", args[0])
	}
	return runGateway(ctx, getenv, std.err)
}

// runGateway is `sailgraph`: the gateway, until ctx is done.
func runGateway(ctx context.Context, getenv func(string) string, logOut io.Writer) error {
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
		ReadHeaderTimeout: cfg.ReadTimeout,
		IdleTimeout:       2 * time.Minute,
	}
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("listen on SAILGRAPH_METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
		}
		msrv := &http.Server{Handler: metricsOnly(gw.MetricsHandler()), ReadHeaderTimeout: cfg.ReadTimeout}
		go func() { _ = msrv.Serve(mln) }()
		defer msrv.Close()
		log.Info("metrics listening", "addr", mln.Addr().String())
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
		"tenant", gw.TenantName(),
		"rate_limit", cfg.RateLimit.String(),
		"redis", cfg.RedisURL != "")
	return serveUntilDone(ctx, srv, ln, cfg.ShutdownTimeout, log)
}

// metricsOnly serves h at /metrics and nothing else.
func metricsOnly(h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	return mux
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

func displayAddr(ln net.Listener) string {
	host, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil || host == "::" || host == "0.0.0.0" || host == "" {
		return "localhost:" + port
	}
	return net.JoinHostPort(host, port)
}

// runSimulate is `sailgraph simulate`: the simulated tenant alone.
func runSimulate(ctx context.Context, args []string, std stdio) error {
	fs := newFlagSet("simulate", "Serves the simulated SailPoint ISC tenant alone, on its own address (no gateway).")
	addr := fs.String("addr", "127.0.0.1:8081", "listen address")
	identities := fs.Int("identities", 2000, "number of identities")
	seed := fs.Uint64("seed", 1, "data seed")
	rate := fs.String("rate-limit", "100/10s", "rate limit per client id and API version")
	tokenTTL := fs.Duration("token-ttl", 749*time.Second, "access token lifetime")
	latency := fs.Duration("latency", 0, "latency added to every API request")
	failureRate := fs.Float64("failure-rate", 0, "fraction of API requests answered with 500")
	gens := simtenant.GenAll
	fs.Var(&gens, "generations", "API generations served: legacy (/beta, /v2024), v1 (per-resource APIs), or legacy,v1")
	if err := parseFlags(fs, args, std); err != nil {
		return ignoreHelp(err)
	}
	r, err := ratelimit.ParseRate(*rate)
	if err != nil {
		return fmt.Errorf("-rate-limit: %w", err)
	}
	if *identities < 1 || *failureRate < 0 || *failureRate > 1 {
		return errors.New("-identities must be positive and -failure-rate within [0,1]")
	}
	log := gateway.NewLogger(std.err, "info")
	tn := simtenant.New(simtenant.Options{
		Seed: *seed, Identities: *identities, RateLimit: r.N, RateWindow: r.Per,
		TokenTTL: *tokenTTL, Latency: *latency, FailureRate: *failureRate, Generations: gens,
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	id, _ := tn.ClientID()
	log.Warn("SIMULATED TENANT: serving a simulated SailPoint ISC tenant, not a real one",
		"url", "http://"+displayAddr(ln), "client_id", id,
		"identities", *identities, "seed", *seed, "rate_limit", r.String(), "generations", gens.String())
	srv := &http.Server{Handler: tn.Handler(), ReadHeaderTimeout: 10 * time.Second}
	return serveUntilDone(ctx, srv, ln, 10*time.Second, log)
}

// runCheck is `sailgraph check`: it builds the gateway from the
// variables exactly as `sailgraph` does (configuration, keys file,
// anonymous access, Redis, tracing), closes it without listening, and
// returns what would have stopped the start. A container platform runs it
// once before the gateway, so that a configuration that cannot start
// stops there with its message instead of restarting in a loop.
func runCheck(ctx context.Context, args []string, getenv func(string) string, std stdio) error {
	fs := newFlagSet("check", "Builds the gateway from the environment variables, as sailgraph would, without serving;\n"+
		"exits 0 when it would start, 1 with the reason when it would not.")
	if err := parseFlags(fs, args, std); err != nil {
		return ignoreHelp(err)
	}
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		return err
	}
	gw, err := gateway.New(ctx, cfg, gateway.WithLogger(gateway.NewLogger(std.err, cfg.LogLevel)), gateway.WithEnv(getenv))
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := gw.Close(cctx); err != nil {
		return err
	}
	_, err = fmt.Fprintf(std.out, "configuration ok: sailgraph would start on %s in front of %s\n", cfg.Addr, gw.TenantName())
	return err
}

// runHealthcheck is `sailgraph healthcheck`: GET /readyz of the gateway
// SAILGRAPH_ADDR names (on loopback when it listens on every interface),
// for container health checks in images that have no curl.
func runHealthcheck(ctx context.Context, args []string, getenv func(string) string, std stdio) error {
	fs := newFlagSet("healthcheck", "Asks a running gateway whether it is ready (GET /readyz); exits 0 when it answers 200.\n"+
		"By default it asks the gateway on SAILGRAPH_ADDR, on loopback when that is every interface.")
	target := fs.String("url", "", "the URL to ask instead, e.g. http://127.0.0.1:8080/healthz")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := parseFlags(fs, args, std); err != nil {
		return ignoreHelp(err)
	}
	if *target == "" {
		cfg, err := config.FromEnv(getenv)
		if err != nil {
			return err
		}
		*target = "http://" + localAddr(cfg.Addr) + "/readyz"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *target, nil)
	if err != nil {
		return fmt.Errorf("-url: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("not ready: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: %s answered %d: %s", *target, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	_, err = fmt.Fprintf(std.out, "ready: %s\n", strings.TrimSpace(string(body)))
	return err
}

// localAddr is where a process on the same host reaches a listener on
// addr: loopback for the unspecified address.
func localAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}

// runHashKey is `sailgraph hash-key -name NAME -scopes a,b [-new]`: it
// prints one line for SAILGRAPH_API_KEYS_FILE holding the key's hash and
// scopes, never the key. The key is read from stdin, or made with -new
// and shown once on stderr. Its errors name the flag to change.
func runHashKey(args []string, std stdio) error {
	fs := newFlagSet("hash-key", "Prints a line for SAILGRAPH_API_KEYS_FILE: the key's name, its SHA-256 and its scopes, never the key.\n"+
		"The key is read from stdin, or made with -new and shown once on stderr.")
	name := fs.String("name", "", "the key's name, shown in logs (required)")
	scopes := fs.String("scopes", "", "comma-separated scopes (required), from: "+scopeNames())
	generate := fs.Bool("new", false, "make a new key instead of reading one from stdin")
	if err := parseFlags(fs, args, std); err != nil {
		return ignoreHelp(err)
	}
	if *name == "" || strings.ContainsAny(*name, " \t") || *name == access.AnonymousName {
		return fmt.Errorf("-name %q: want a name without spaces, other than %q, e.g. -name portal", *name, access.AnonymousName)
	}
	var list []string
	for s := range strings.SplitSeq(*scopes, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if _, err := access.ParseScope(s); err != nil {
			return fmt.Errorf("-scopes: %w", err)
		}
		list = append(list, s)
	}
	if len(list) == 0 {
		return fmt.Errorf("-scopes: want at least one, from: %s", scopeNames())
	}
	key := access.GenerateKey()
	if !*generate {
		b, err := io.ReadAll(io.LimitReader(std.in, 4096))
		if err != nil {
			return err
		}
		if key = strings.TrimSpace(string(b)); key == "" {
			return errors.New("no key on stdin: pipe one in, or pass -new to make one")
		}
	}
	line, err := access.EntryFor(*name, key, list...)
	if err != nil {
		if !*generate {
			return fmt.Errorf("the key on stdin: %w; pass -new to make one", err)
		}
		return err
	}
	if *generate {
		fmt.Fprintln(std.err, "new key (shown once; give it to the caller):", key)
	}
	_, err = fmt.Fprintln(std.out, string(line))
	return err
}

func scopeNames() string {
	var names []string
	for _, s := range access.AllScopes() {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}

// newFlagSet returns the flag set of `sailgraph name`, whose usage says
// what the command does, then its flags.
func newFlagSet(name, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: sailgraph %s [flags]\n\n%s\n\nFlags:\n", name, about)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args into fs. Asked for help (-h, -help), it prints
// the usage on stdout and returns flag.ErrHelp; a bad flag or a stray
// argument is an error, with the usage on stderr.
func parseFlags(fs *flag.FlagSet, args []string, std stdio) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(std.out)
		fs.Usage()
		return err
	case err != nil:
		fs.SetOutput(std.err)
		fs.Usage()
		return fmt.Errorf("%s: %w", fs.Name(), err)
	}
	return nil
}

// ignoreHelp makes asking for help a success.
func ignoreHelp(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// printHelp is `sailgraph help`: the commands, and the variables that
// configure the gateway.
func printHelp(w io.Writer) error {
	var b strings.Builder
	b.WriteString(`sailgraph is a GraphQL gateway in front of SailPoint Identity Security Cloud.

Usage:
  sailgraph                   run the gateway, configured by the variables below
                              (no SAILGRAPH_TENANT_URL: on an embedded simulated tenant)
  sailgraph simulate [flags]  run the simulated tenant alone
  sailgraph hash-key [flags]  make an API key's line for SAILGRAPH_API_KEYS_FILE
  sailgraph check             build the gateway from the variables, as sailgraph
                              would, and exit: 0 when it would start
  sailgraph healthcheck       ask a running gateway's /readyz: 0 when it is ready
                              (the container health check)
  sailgraph help [command]    this help, or a command's flags

Environment variables (README.md, "Configuration", says more):
`)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, v := range config.Variables() {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", v.Name, v.Default, v.Meaning)
	}
	fmt.Fprintf(tw, "  OTEL_EXPORTER_OTLP_ENDPOINT, ...\tunset\tOpenTelemetry tracing, off unless asked for\n")
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}

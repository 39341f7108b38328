package ops_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/logtest"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	gqltransport "github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sailgraph/sailgraph/cache"
	"github.com/sailgraph/sailgraph/graph/generated"
	"github.com/sailgraph/sailgraph/graph/loaders"
	"github.com/sailgraph/sailgraph/graph/resolvers"
	"github.com/sailgraph/sailgraph/internal/redistest"
	"github.com/sailgraph/sailgraph/internal/spectest"
	"github.com/sailgraph/sailgraph/ops"
	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/history"
	"github.com/sailgraph/sailgraph/upstream/httpcache"
	"github.com/sailgraph/sailgraph/upstream/principal"
	"github.com/sailgraph/sailgraph/upstream/reports"
	"github.com/sailgraph/sailgraph/upstream/rolemining"
	"github.com/sailgraph/sailgraph/upstream/tasks"
	"github.com/sailgraph/sailgraph/upstream/transport"
)

// The stack tests run the gateway's real pieces, wired as server.go wires
// them plus this package: the simulated tenant over loopback (every
// exchange validated against the spec), a real redis-server for the budget
// and the cache, the transport chain, the caching layer, the typed
// clients, the real schema and resolvers, and echo with the ops
// middlewares.

// lines decodes the JSON log lines with the given message.
// stack is one gateway over one simulated tenant.
type stack struct {
	t       *testing.T
	tn      *simtenant.Tenant
	tenant  *httptest.Server
	gateway *httptest.Server
	metrics *ops.Metrics
	logs    *logtest.Buffer
	seen    *headerRecorder
	rdb     *redis.Client
}

type stackOptions struct {
	tracing *ops.Tracing // default: off
	checks  func(s *stack) []ops.Check
}

// headerRecorder keeps the request ids, trace parents and bearers the
// tenant's API was sent (token fetches aside).
type headerRecorder struct {
	mu      sync.Mutex
	ids     []string
	parents []string
	auth    []string
}

func (h *headerRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			next.ServeHTTP(w, r)
			return
		}
		h.mu.Lock()
		h.ids = append(h.ids, r.Header.Get(ops.HeaderRequestID))
		h.parents = append(h.parents, r.Header.Get("Traceparent"))
		h.auth = append(h.auth, r.Header.Get("Authorization"))
		h.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (h *headerRecorder) snapshot() (ids, parents, auth []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.ids...), append([]string(nil), h.parents...), append([]string(nil), h.auth...)
}

func newStack(t *testing.T, so stackOptions) *stack {
	t.Helper()
	tr := so.tracing
	if tr == nil {
		tr = &ops.Tracing{}
	}
	tn := simtenant.New(simtenant.Options{Seed: 3, Identities: 40, RateLimit: -1})
	seen := &headerRecorder{}
	tenant := httptest.NewServer(seen.wrap(tn.Handler()))
	t.Cleanup(tenant.Close)
	id, secret := tn.ClientID()

	rs := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr(), ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rdb.Close() })

	logs := &logtest.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m := ops.NewMetrics(ops.MetricsOptions{})

	p := principal.ForClient("sim", id)
	lim := ratelimit.NewRedis(rdb, ratelimit.Rate{N: 1000, Per: 10 * time.Second},
		ratelimit.RedisOptions{Logger: log, OnFallback: m.ObserveFallback, Timeout: 5 * time.Second})
	t.Cleanup(func() { _ = lim.Close() })
	creds := &clientcredentials.Config{
		ClientID: id, ClientSecret: secret, TokenURL: tenant.URL + "/oauth/token",
		AuthStyle: oauth2.AuthStyleInHeader,
	}
	base := transport.Chain(spectest.NewTransport(t, http.DefaultTransport), tr.Layer(), ops.Upstream())
	rt := transport.New(transport.Config{Base: base, Principal: p, Credentials: creds, Limiter: lim, Observer: m})
	c, err := cache.New(cache.NewRedis(rdb, cache.RedisOptions{Logger: log, Timeout: 5 * time.Second}), cache.Options{Observer: m})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = c.Close(ctx)
	})
	hc := &http.Client{Transport: transport.Chain(httpcache.New(c, rt, httpcache.Options{Logger: log}), ops.CacheCounter())}

	res := &resolvers.Resolver{Tenant: "simulated", Simulated: true}
	res.History = must(history.New(tenant.URL, hc))
	res.TaskStatus = must(tasks.New(tenant.URL, hc))
	res.Reports = must(reports.New(tenant.URL, hc))
	res.RoleMining = must(rolemining.New(tenant.URL, hc))

	s := &stack{t: t, tn: tn, tenant: tenant, metrics: m, logs: logs, seen: seen, rdb: rdb}
	var checks []ops.Check
	if so.checks != nil {
		checks = so.checks(s)
	} else {
		checks = []ops.Check{ops.TokenCheck(creds, ops.TokenCheckOptions{}), ops.RedisCheck(rdb)}
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(ops.RequestID(), tr.Middleware(), m.Middleware(), ops.AccessLog(log))
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc { // server.go's withPrincipal
		return func(c echo.Context) error {
			c.SetRequest(c.Request().WithContext(principal.With(c.Request().Context(), p)))
			return next(c)
		}
	})
	gql := echo.WrapHandler(graphqlHandler(res, m.GraphQL()))
	e.POST("/graphql", gql)
	e.GET("/graphql", gql)
	e.GET("/metrics", echo.WrapHandler(m.Handler()))
	e.GET("/healthz", echo.WrapHandler(ops.Healthz()))
	e.GET("/readyz", echo.WrapHandler(ops.Readyz(checks, ops.ReadyOptions{Logger: log, Timeout: 20 * time.Second})))
	s.gateway = httptest.NewServer(e)
	t.Cleanup(s.gateway.Close)
	return s
}

// graphqlHandler is graph.NewHandler reduced to what these tests need, with
// the metrics extension added as graph.Options.Extensions would add it.
func graphqlHandler(res *resolvers.Resolver, ext graphql.HandlerExtension) http.Handler {
	cfg := generated.Config{Resolvers: res}
	cfg.Directives.Scope = func(ctx context.Context, _ any, next graphql.Resolver, _ []string) (any, error) {
		return next(ctx)
	}
	srv := handler.New(generated.NewExecutableSchema(cfg))
	srv.AddTransport(gqltransport.POST{})
	srv.AddTransport(gqltransport.GET{})
	srv.Use(ext)
	fetch := res.LoaderFetch()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := loaders.With(r.Context(), loaders.New(fetch, loaders.Options{}))
		srv.ServeHTTP(w, r.WithContext(ctx))
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// answer is one HTTP answer from the gateway.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request to the gateway with the given headers.
func (s *stack) do(method, path, body string, header map[string]string) answer {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.gateway.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// graphql posts a document, optionally with an operation name.
func (s *stack) graphql(doc, operationName string, header map[string]string) answer {
	s.t.Helper()
	b, err := json.Marshal(map[string]any{"query": doc, "operationName": operationName})
	if err != nil {
		s.t.Fatal(err)
	}
	return s.do(http.MethodPost, "/graphql", string(b), header)
}

// firstIdentityID asks the tenant directly (not through the gateway) for an identity id.
func (s *stack) firstIdentityID() string {
	s.t.Helper()
	a := s.graphql(`query Ids { identities(first: 1) { nodes { id } } }`, "Ids", nil)
	var out struct {
		Data struct {
			Identities struct {
				Nodes []struct{ ID string }
			}
		}
	}
	if err := json.Unmarshal(a.body, &out); err != nil || len(out.Data.Identities.Nodes) == 0 {
		s.t.Fatalf("no identity: %d %s", a.status, a.body)
	}
	return out.Data.Identities.Nodes[0].ID
}

// logLines decodes the JSON log lines in b whose msg is msg.
func logLines(t *testing.T, b *logtest.Buffer, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(b.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

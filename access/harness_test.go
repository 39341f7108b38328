package access_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/logtest"

	"github.com/99designs/gqlgen/graphql"
	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sailgraph/sailgraph/access"
	"github.com/sailgraph/sailgraph/cache"
	"github.com/sailgraph/sailgraph/graph"
	"github.com/sailgraph/sailgraph/graph/resolvers"
	"github.com/sailgraph/sailgraph/internal/redistest"
	"github.com/sailgraph/sailgraph/internal/spectest"
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

// The tests run the gateway as server.go wires it, on real parts: echo on
// loopback, the access middleware, graph.NewHandler with access.Directive,
// the upstream clients over the real transport chain and read-through
// cache, a simulated tenant on loopback (every exchange validated against
// SailPoint's spec) and, where asked, a real redis-server.

// The simulated tenant's clients: the gateway's own and two callers'.
var simClients = map[string]string{
	simtenant.DefaultClientID: simtenant.DefaultClientSecret,
	"alpha":                   "alpha-secret",
	"beta":                    "beta-secret",
}

type setup struct {
	keys        string // keys file; empty: anonymous
	passThrough bool
	fair        *access.FairShareOptions
	redis       bool           // Redis for the cache and the fair share
	budget      ratelimit.Rate // the tenant budget per principal; zero: 1000/1s
}

type gateway struct {
	t     testing.TB
	tn    *simtenant.Tenant
	sim   string
	url   string
	logs  *logtest.Buffer
	rdb   *redis.Client
	fair  *access.FairShare
	calls func() int // upstream API calls so far
}

func newGateway(t testing.TB, s setup) *gateway {
	t.Helper()
	tn := simtenant.New(simtenant.Options{Seed: 7, Identities: 40, RateLimit: -1, Clients: simClients})
	up := httptest.NewServer(tn.Handler())
	t.Cleanup(up.Close)

	g := &gateway{t: t, tn: tn, sim: up.URL, logs: &logtest.Buffer{}}
	log := slog.New(slog.NewJSONHandler(g.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var store cache.Store = cache.NewMemory(cache.MemoryOptions{MaxBytes: 16 << 20})
	if s.redis {
		g.rdb = redistest.Start(t).Client()
		store = cache.NewRedis(g.rdb, cache.RedisOptions{Logger: log, Timeout: 2 * time.Second})
	}
	if s.budget.N == 0 {
		s.budget = ratelimit.Rate{N: 1000, Per: time.Second}
	}
	rt := transport.New(transport.Config{
		Base:      spectest.NewTransport(t, http.DefaultTransport),
		Principal: principal.ForClient("simulated", simtenant.DefaultClientID),
		Credentials: &clientcredentials.Config{
			ClientID: simtenant.DefaultClientID, ClientSecret: simtenant.DefaultClientSecret,
			TokenURL: up.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader,
		},
		Limiter: ratelimit.NewMemory(s.budget),
	})
	c, err := cache.New(store, cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Close(ctx)
	})
	hc := &http.Client{Transport: httpcache.New(c, rt, httpcache.Options{Logger: log})}
	res := &resolvers.Resolver{Tenant: "simulated", Simulated: true}
	res.History = must(history.New(up.URL, hc))
	res.TaskStatus = must(tasks.New(up.URL, hc))
	res.Reports = must(reports.New(up.URL, hc))
	res.RoleMining = must(rolemining.New(up.URL, hc))
	g.calls = func() int { st := tn.Stats(); return st.Accepted("beta") + st.Accepted("v2024") }

	var ring *access.Keyring
	if s.keys != "" {
		ring = must(access.ParseKeys(strings.NewReader(s.keys)))
	}
	mws := []echo.MiddlewareFunc{access.Authenticate(access.AuthOptions{
		Keys: ring, PassThrough: s.passThrough, Tenant: "simulated", Logger: log,
	})}
	gopts := graph.Options{Logger: log, Scope: access.Directive}
	if s.fair != nil {
		fo := *s.fair
		fo.Logger = log
		if g.rdb != nil {
			fo.Redis = g.rdb
		}
		g.fair = must(access.NewFairShare(fo))
		mws = append(mws, g.fair.Middleware())
		gopts.Extensions = []graphql.HandlerExtension{g.fair.Extension()}
	}
	e := echo.New()
	e.Use(ownPrincipal(principal.ForClient("simulated", simtenant.DefaultClientID)))
	e.POST("/graphql", echo.WrapHandler(graph.NewHandler(res, gopts)), mws...)
	gw := httptest.NewServer(e)
	t.Cleanup(gw.Close)
	g.url = gw.URL
	return g
}

// ownPrincipal is server.go's withPrincipal, with a generous deadline
// (its withTimeout) so that a wait for the budget fails at once.
func ownPrincipal(p principal.Principal) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx, cancel := context.WithTimeout(principal.With(c.Request().Context(), p), 30*time.Second)
			defer cancel()
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	}
}

// gqlError is one entry of a response's errors.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type answer struct {
	status int
	header http.Header
	Data   map[string]json.RawMessage `json:"data"`
	Errors []gqlError                 `json:"errors"`
}

// code returns the extensions.code of the error at path (a top-level
// field name), or "".
func (a answer) code(field string) string {
	for _, e := range a.Errors {
		if len(e.Path) > 0 && e.Path[0] == field {
			s, _ := e.Extensions["code"].(string)
			return s
		}
	}
	return ""
}

// post sends query with headers (name, value pairs).
func (g *gateway) post(query string, headers ...string) answer {
	g.t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	req, err := http.NewRequest(http.MethodPost, g.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		g.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(raw, &a); err != nil {
		g.t.Fatalf("status %d, body not JSON: %s", resp.StatusCode, raw)
	}
	return a
}

// token asks the simulated tenant for an access token of client id.
func (g *gateway) token(id string) string {
	g.t.Helper()
	cc := &clientcredentials.Config{ClientID: id, ClientSecret: simClients[id], TokenURL: g.sim + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
	tok, err := cc.Token(context.Background())
	if err != nil {
		g.t.Fatal(err)
	}
	return tok.AccessToken
}

// identityIDs reads ids of the tenant's identities directly, not through
// the gateway.
func (g *gateway) identityIDs(n int) []string {
	g.t.Helper()
	cc := &clientcredentials.Config{ClientID: simtenant.DefaultClientID, ClientSecret: simtenant.DefaultClientSecret, TokenURL: g.sim + "/oauth/token"}
	resp, err := cc.Client(context.Background()).Get(g.sim + "/beta/historical-identities?limit=" + strconv.Itoa(n))
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list) < n {
		g.t.Fatalf("identities: %v (%d)", err, len(list))
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = list[i].ID
	}
	return ids
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Package gatewaytest runs whole gateways for tests, built by gateway.New
// exactly as the sailgraph command builds them, in front of a simulated
// tenant served over real HTTP, with every exchange between them
// validated against SailPoint's spec and, where asked, a real
// redis-server. Tests of every package that need the whole stack use it;
// none wires the stack by hand.
package gatewaytest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sailgraph/sailgraph/access"
	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/gateway"
	"github.com/sailgraph/sailgraph/graph"
	"github.com/sailgraph/sailgraph/internal/logtest"
	"github.com/sailgraph/sailgraph/internal/redistest"
	"github.com/sailgraph/sailgraph/internal/spectest"
	"github.com/sailgraph/sailgraph/ops"
	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/generation"
	"github.com/sailgraph/sailgraph/upstream/op"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Options describe a test's gateway. The zero value is a gateway with
// default configuration (in-memory cache and budget, no keys) in front of
// a simulated tenant of 120 identities, seed 7, without a rate limit.
type Options struct {
	// Tenant configures the simulated tenant. Identities 0 means 120,
	// Seed 0 means 7, RateLimit 0 means none (-1).
	Tenant simtenant.Options
	// Config adjusts the gateway's configuration after the defaults and
	// the tenant's address are set. The defaults differ from the
	// command's for tests: the gateway listens on loopback and logs at
	// debug level, and its tenant budget is Budget.
	Config func(*config.Config)
	// Budget is the gateway's tenant budget (SAILGRAPH_RATE_LIMIT). Zero:
	// the tenant's rate limit when New starts a limited tenant, else
	// 1000/1s.
	Budget ratelimit.Rate
	// Redis starts a redis-server for the gateway (the cache, budget, fair
	// share and persisted queries in Redis). Server, when set, is used
	// instead (several gateways on one Redis).
	Redis  bool
	Server *redistest.Server
	// Keys is the API keys file's content; empty: no keys.
	Keys string
	// Graph adjusts the GraphQL endpoint's options.
	Graph func(*graph.Options)
	// Base wraps the network transport below the upstream chain, inside
	// the spec validation and the call counter.
	Base func(http.RoundTripper) http.RoundTripper
	// Clock is the cache's clock (default time.Now).
	Clock func() time.Time
	// Env is where the gateway reads its OTEL_ variables (default: none).
	Env map[string]string
	// Tracing, when set, is the gateway's tracing instead.
	Tracing *ops.Tracing
	// TenantHandler wraps the simulated tenant's handler (to see what
	// reaches it).
	TenantHandler func(http.Handler) http.Handler
	// NoSpec leaves the spec validation out, for tests that stream more
	// than a validator should hold (a 500 MB report).
	NoSpec bool
	// UpstreamAPI is SAILGRAPH_UPSTREAM_API ("v1", "auto",
	// "history=v1,reports=legacy", ...). Empty means legacy everywhere,
	// unlike the command's default (auto): a test's upstream calls are
	// then its own, with no detection probes among them.
	UpstreamAPI string
}

// Gateway is a running gateway and its tenant.
type Gateway struct {
	t      testing.TB
	GW     *gateway.Gateway
	Tenant *simtenant.Tenant
	// TenantURL is the simulated tenant's root.
	TenantURL string
	// URL is the gateway's root (an httptest server).
	URL string
	// Calls counts the gateway's exchanges with the tenant.
	Calls *Calls
	// Spec validated every exchange.
	Spec *spectest.Transport
	// Logs holds the gateway's log lines (JSON, debug level).
	Logs *logtest.Buffer
	// Redis is the Redis the gateway uses, nil without.
	Redis  *redistest.Server
	Client redis.UniversalClient
}

// New starts a simulated tenant and a gateway in front of it, stopped when
// the test ends.
func New(t testing.TB, o Options) *Gateway {
	t.Helper()
	topts := o.Tenant
	if topts.Identities == 0 {
		topts.Identities = 120
	}
	if topts.Seed == 0 {
		topts.Seed = 7
	}
	if topts.RateLimit == 0 {
		topts.RateLimit = -1
	}
	if o.Budget.N == 0 && topts.RateLimit > 0 {
		o.Budget = ratelimit.Rate{N: topts.RateLimit, Per: topts.RateWindow}
		if o.Budget.Per == 0 {
			o.Budget.Per = 10 * time.Second
		}
	}
	tn := simtenant.New(topts)
	var h http.Handler = tn.Handler()
	if o.TenantHandler != nil {
		h = o.TenantHandler(h)
	}
	up := httptest.NewServer(h)
	t.Cleanup(up.Close)
	g := NewFor(t, tn, up.URL, o)
	return g
}

// NewFor starts a gateway in front of the simulated tenant tn served at
// tenantURL (several gateways in front of one tenant, as replicas).
func NewFor(t testing.TB, tn *simtenant.Tenant, tenantURL string, o Options) *Gateway {
	t.Helper()
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	id, secret := tn.ClientID()
	cfg.TenantURL, cfg.ClientID, cfg.ClientSecret = tenantURL, id, secret
	cfg.Addr = "127.0.0.1:0"
	cfg.LogLevel = "debug"
	cfg.RateLimit = ratelimit.Rate{N: 1000, Per: time.Second}
	if o.Budget.N > 0 {
		cfg.RateLimit = o.Budget
	}
	cfg.UpstreamAPI = config.AllAPIs(config.APILegacy)
	if o.UpstreamAPI != "" {
		u, err := config.ParseUpstreamAPI(o.UpstreamAPI)
		if err != nil {
			t.Fatalf("UpstreamAPI: %v", err)
		}
		cfg.UpstreamAPI = u
	}
	g := &Gateway{t: t, Tenant: tn, TenantURL: tenantURL, Calls: newCalls(), Logs: &logtest.Buffer{}}
	opts := []gateway.Option{
		gateway.WithLogger(gateway.NewLogger(g.Logs, "debug")),
		gateway.WithEnv(func(k string) string { return o.Env[k] }),
	}
	if o.Redis || o.Server != nil {
		g.Redis = o.Server
		if g.Redis == nil {
			g.Redis = redistest.Start(t)
		}
		cfg.RedisURL = "redis://" + g.Redis.Addr() + "/0"
		cfg.RedisTimeout = 2 * time.Second
		// Generous timeouts: a loaded test machine must not read as
		// Redis being down.
		rdb := redis.NewClient(&redis.Options{Addr: g.Redis.Addr(), ContextTimeoutEnabled: true,
			DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
		t.Cleanup(func() { _ = rdb.Close() })
		g.Client = rdb
		opts = append(opts, gateway.WithRedis(rdb))
	}
	if o.Keys != "" {
		ring, err := access.ParseKeys(strings.NewReader(o.Keys))
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, gateway.WithKeys(ring))
	}
	if o.Graph != nil {
		opts = append(opts, gateway.WithGraphOptions(o.Graph))
	}
	if o.Clock != nil {
		opts = append(opts, gateway.WithClock(o.Clock))
	}
	if o.Tracing != nil {
		opts = append(opts, gateway.WithTracing(o.Tracing))
	}
	opts = append(opts, gateway.WithUpstreamBase(func(base http.RoundTripper) http.RoundTripper {
		if o.Base != nil {
			base = o.Base(base)
		}
		g.Calls.base = base
		if o.NoSpec {
			return g.Calls
		}
		g.Spec = spectest.NewTransport(t, g.Calls)
		// The detection probes of reports and role mining ask, on
		// purpose, a method the spec does not list (package generation);
		// they are counted but not held to the spec.
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if generation.IsProbe(r) {
				return g.Calls.RoundTrip(r)
			}
			return g.Spec.RoundTrip(r)
		})
	}))
	if o.Config != nil {
		o.Config(&cfg)
	}
	gw, err := gateway.New(context.Background(), cfg, opts...)
	if err != nil {
		t.Fatalf("gateway.New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = gw.Close(ctx)
	})
	srv := httptest.NewServer(gw.Handler())
	t.Cleanup(srv.Close)
	g.GW, g.URL = gw, srv.URL
	return g
}

// Response is a GraphQL answer.
type Response struct {
	Status     int
	Header     http.Header
	Data       json.RawMessage `json:"data"`
	Errors     []Error         `json:"errors"`
	Extensions map[string]any  `json:"extensions"`
}

// Error is one entry of a response's errors.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code is the error's extensions.code.
func (e Error) Code() string { s, _ := e.Extensions["code"].(string); return s }

// PathString is the error's path, dotted.
func (e Error) PathString() string {
	parts := make([]string, len(e.Path))
	for i, p := range e.Path {
		b, _ := json.Marshal(p)
		parts[i] = strings.Trim(string(b), `"`)
	}
	return strings.Join(parts, ".")
}

// Query posts a GraphQL document with variables to /graphql, with headers
// (name, value pairs), asking for application/graphql-response+json.
func (g *Gateway) Query(doc string, vars map[string]any, headers ...string) Response {
	g.t.Helper()
	body, err := json.Marshal(map[string]any{"query": doc, "variables": vars})
	if err != nil {
		g.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, g.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		g.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return g.Do(req)
}

// Do sends a request to the gateway and decodes a GraphQL answer.
func (g *Gateway) Do(req *http.Request) Response {
	g.t.Helper()
	resp, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		g.t.Fatal(err)
	}
	r := Response{Status: resp.StatusCode, Header: resp.Header}
	if err := json.Unmarshal(b, &r); err != nil {
		g.t.Fatalf("answer is not JSON (status %d): %v\n%s", resp.StatusCode, err, b)
	}
	return r
}

// Token asks the simulated tenant for an access token of the client id
// with secret.
func (g *Gateway) Token(id, secret string) string {
	g.t.Helper()
	tok, err := g.credentials(id, secret).Token(context.Background())
	if err != nil {
		g.t.Fatal(err)
	}
	return tok.AccessToken
}

// Direct is an HTTP client to the tenant with the gateway's own client
// credentials, bypassing the gateway: for reading the tenant's data to
// compare with.
func (g *Gateway) Direct() *http.Client {
	return g.credentials(g.Tenant.ClientID()).Client(context.Background())
}

// credentials are a client's credentials at the tenant's token endpoint.
func (g *Gateway) credentials(id, secret string) *clientcredentials.Config {
	return &clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: g.TenantURL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
}

// IdentityIDs reads the ids of the tenant's first n identities directly.
func (g *Gateway) IdentityIDs(n int) []string {
	g.t.Helper()
	resp, err := g.Direct().Get(g.TenantURL + "/beta/historical-identities?limit=" + strconv.Itoa(n))
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

// Calls counts the exchanges with the tenant by operation name (the
// op.Call the request carries), remembers each "path?query", and the
// most in flight at once. With a gate set, requests whose path contains
// the gate's marker wait until that many of them are in flight together
// (or a generous timeout passes): concurrent calls meet there, while
// sequential ones would each time out alone and leave the maximum at 1.
type Calls struct {
	base http.RoundTripper

	mu          sync.Mutex
	byOp        map[string]int
	queries     []string
	inFlight    int
	maxInFlight int
	gate        *gate
}

type gate struct {
	marker  string
	want    int
	arrived int
	open    chan struct{}
}

func newCalls() *Calls { return &Calls{byOp: map[string]int{}} }

// Reset forgets what was counted.
func (c *Calls) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byOp, c.queries, c.maxInFlight = map[string]int{}, nil, 0
}

// SetGate makes requests whose path contains marker wait for each other
// until want of them are in flight.
func (c *Calls) SetGate(marker string, want int) {
	c.mu.Lock()
	c.gate = &gate{marker: marker, want: want, open: make(chan struct{})}
	c.mu.Unlock()
}

// RoundTrip implements http.RoundTripper.
func (c *Calls) RoundTrip(req *http.Request) (*http.Response, error) {
	name := req.Method + " " + req.URL.Path
	if call, ok := op.FromRequest(req); ok {
		name = call.Op.Name
	}
	c.mu.Lock()
	c.byOp[name]++
	c.queries = append(c.queries, req.URL.Path+"?"+req.URL.RawQuery)
	c.inFlight++
	c.maxInFlight = max(c.maxInFlight, c.inFlight)
	g := c.gate
	var wait chan struct{}
	if g != nil && strings.Contains(req.URL.Path, g.marker) {
		g.arrived++
		if g.arrived >= g.want {
			select {
			case <-g.open:
			default:
				close(g.open)
			}
		}
		wait = g.open
	}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.inFlight--
		c.mu.Unlock()
	}()
	if wait != nil {
		timer := time.NewTimer(20 * time.Second)
		select {
		case <-wait:
		case <-timer.C:
		case <-req.Context().Done():
		}
		timer.Stop()
	}
	return c.base.RoundTrip(req)
}

// Count is how many requests went to the operation named name.
func (c *Calls) Count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byOp[name]
}

// Total is how many requests went to the tenant.
func (c *Calls) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.byOp {
		n += v
	}
	return n
}

// Snapshot returns the counts by operation, the "path?query" of every
// request in order, and the most that were in flight at once.
func (c *Calls) Snapshot() (byOp map[string]int, queries []string, maxInFlight int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	byOp = make(map[string]int, len(c.byOp))
	for k, v := range c.byOp {
		byOp[k] = v
	}
	return byOp, append([]string(nil), c.queries...), c.maxInFlight
}

// Operations lists the operations called, sorted.
func (c *Calls) Operations() []string {
	byOp, _, _ := c.Snapshot()
	out := make([]string, 0, len(byOp))
	for k := range byOp {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

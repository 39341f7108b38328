package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sailgraph/sailgraph/graph"
	"github.com/sailgraph/sailgraph/graph/resolvers"
	"github.com/sailgraph/sailgraph/internal/spectest"
	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/history"
	"github.com/sailgraph/sailgraph/upstream/reports"
	"github.com/sailgraph/sailgraph/upstream/rolemining"
	"github.com/sailgraph/sailgraph/upstream/route"
	"github.com/sailgraph/sailgraph/upstream/tasks"
)

// The end-to-end tests send GraphQL documents over HTTP to the gateway's
// handler, whose resolvers use the real upstream clients over real HTTP
// against a simulated tenant. Every upstream exchange is validated against
// SailPoint's spec (spectest) and counted (callCounter).

// env is one gateway in front of one simulated tenant.
type env struct {
	t       testing.TB
	tn      *simtenant.Tenant
	gateway *httptest.Server
	calls   *callCounter
	history *history.Client // for reading the tenant directly, uncounted
	tasks   *tasks.Client
}

func newEnv(t testing.TB, topts simtenant.Options, gopts graph.Options) *env {
	t.Helper()
	if topts.Identities == 0 {
		topts.Identities = 120
	}
	if topts.Seed == 0 {
		topts.Seed = 7
	}
	topts.RateLimit = -1 // the tests count calls; the limit is forced where it is tested
	tn := simtenant.New(topts)
	up := httptest.NewServer(tn.Handler())
	t.Cleanup(up.Close)

	id, secret := tn.ClientID()
	tokens := (&clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: up.URL + "/oauth/token"}).TokenSource(context.Background())
	calls := &callCounter{base: http.DefaultTransport, byOp: map[string]int{}}
	counted := &http.Client{Timeout: time.Minute, Transport: &oauth2.Transport{Source: tokens, Base: spectest.NewTransport(t, calls)}}
	direct := &http.Client{Timeout: time.Minute, Transport: &oauth2.Transport{Source: tokens, Base: http.DefaultTransport}}

	res := &resolvers.Resolver{Tenant: "simulated", Simulated: true}
	res.History = must(history.New(up.URL, counted))
	res.TaskStatus = must(tasks.New(up.URL, counted))
	res.Reports = must(reports.New(up.URL, counted))
	res.RoleMining = must(rolemining.New(up.URL, counted))
	if gopts.Logger == nil {
		gopts.Logger = slog.New(slog.DiscardHandler)
	}
	gw := httptest.NewServer(graph.NewHandler(res, gopts))
	t.Cleanup(gw.Close)
	return &env{
		t: t, tn: tn, gateway: gw, calls: calls,
		history: must(history.New(up.URL, direct)),
		tasks:   must(tasks.New(up.URL, direct)),
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// response is a GraphQL answer.
type response struct {
	status     int
	Data       json.RawMessage `json:"data"`
	Errors     []gqlError      `json:"errors"`
	Extensions map[string]any  `json:"extensions"`
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

func (e gqlError) code() string { s, _ := e.Extensions["code"].(string); return s }

func (e gqlError) path() string {
	parts := make([]string, len(e.Path))
	for i, p := range e.Path {
		b, _ := json.Marshal(p)
		parts[i] = strings.Trim(string(b), `"`)
	}
	return strings.Join(parts, ".")
}

// query posts a document with variables and returns the answer, resetting
// the call counts first so that they are this query's.
func (e *env) query(doc string, vars map[string]any) response {
	e.t.Helper()
	e.calls.reset()
	body, err := json.Marshal(map[string]any{"query": doc, "variables": vars})
	if err != nil {
		e.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, e.gateway.URL, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	var r response
	if err := json.Unmarshal(b, &r); err != nil {
		e.t.Fatalf("answer is not JSON: %v\n%s", err, b)
	}
	r.status = resp.StatusCode
	return r
}

// mustQuery is query for a document that must succeed without errors; it
// decodes the data into out.
func (e *env) mustQuery(doc string, vars map[string]any, out any) {
	e.t.Helper()
	r := e.query(doc, vars)
	if r.status != http.StatusOK || len(r.Errors) > 0 {
		e.t.Fatalf("query failed: %d %+v", r.status, r.Errors)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		e.t.Fatalf("decode data: %v\n%s", err, r.Data)
	}
}

// errorAt returns the error on the field at path (dotted), failing the
// test when there is none.
func (r response) errorAt(t *testing.T, path string) gqlError {
	t.Helper()
	for _, e := range r.Errors {
		if e.path() == path {
			return e
		}
	}
	t.Fatalf("no error at %s; errors: %+v", path, r.Errors)
	return gqlError{}
}

// callCounter counts upstream requests by operation, and the most that
// were in flight at once. With a gate set, requests whose path contains
// the gate's marker wait until that many of them are in flight together
// (or a generous timeout passes): concurrent resolvers meet there, while
// sequential ones would each time out alone and leave maxInFlight at 1.
type callCounter struct {
	base http.RoundTripper

	mu          sync.Mutex
	byOp        map[string]int // operationId -> count
	queries     []string       // "path?query" of every request
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

func (c *callCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byOp, c.queries, c.maxInFlight = map[string]int{}, nil, 0
}

// setGate makes requests whose path contains marker wait for each other
// until want of them are in flight.
func (c *callCounter) setGate(marker string, want int) {
	c.mu.Lock()
	c.gate = &gate{marker: marker, want: want, open: make(chan struct{})}
	c.mu.Unlock()
}

func (c *callCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	op := operationOf(req)
	c.mu.Lock()
	c.byOp[op]++
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

// count returns how many requests went to op.
func (c *callCounter) count(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byOp[op]
}

func (c *callCounter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.byOp {
		n += v
	}
	return n
}

func (c *callCounter) snapshot() (map[string]int, []string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	byOp := make(map[string]int, len(c.byOp))
	for k, v := range c.byOp {
		byOp[k] = v
	}
	return byOp, append([]string(nil), c.queries...), c.maxInFlight
}

// operationOf names a request by its operationId in the spec.
func operationOf(req *http.Request) string {
	if r, ok := route.Match(req.Method, req.URL.Path); ok {
		return r.Operation
	}
	return req.Method + " " + req.URL.Path
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func sameBool(a, b *bool) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func upper(s string) string { return strings.ToUpper(s) }

// containsParam reports whether a recorded "path?query" has param.
func containsParam(pathQuery, param string) bool {
	_, q, _ := strings.Cut(pathQuery, "?")
	return slices.Contains(strings.Split(q, "&"), param)
}

// lastSegment is the last path segment of a recorded "path?query".
func lastSegment(pathQuery string) string {
	p, _, _ := strings.Cut(pathQuery, "?")
	return p[strings.LastIndex(p, "/")+1:]
}

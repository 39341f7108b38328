package graph_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/cache"
	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
	"github.com/sailgraph/sailgraph/graph"
	"github.com/sailgraph/sailgraph/graph/loaders"
	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/history"
	"github.com/sailgraph/sailgraph/upstream/op"
	"github.com/sailgraph/sailgraph/upstream/tasks"
)

// The end-to-end tests send GraphQL documents over HTTP to a whole
// gateway (gateway.New through gatewaytest), whose resolvers use the real
// upstream clients and transport chain over real HTTP against a simulated
// tenant. Every upstream exchange is validated against SailPoint's spec
// and counted. The upstream cache is off, so that each query's calls are
// its own; the cache has its own end-to-end tests.
//
// Each test runs once per upstream API generation (inEachGeneration), as
// sub-tests named legacy and v1, and compares the gateway's answers with
// what the tenant's legacy operations say (read directly): so v1's
// answers are held to legacy's. TestGenerationsAnswerAlike compares the
// two generations' whole answers byte for byte.

// generations are the values of SAILGRAPH_UPSTREAM_API the suite runs
// in: every family on legacy, every family on v1.
var generations = []string{"legacy", "v1"}

// inEachGeneration runs test once per upstream API generation, as a
// sub-test named after it.
func inEachGeneration(t *testing.T, test func(t *testing.T, gen string)) {
	for _, gen := range generations {
		t.Run(gen, func(t *testing.T) { test(t, gen) })
	}
}

// env is one gateway in front of one simulated tenant.
type env struct {
	t       testing.TB
	gen     op.Generation // the upstream API generation of every family
	tn      *simtenant.Tenant
	gw      *gatewaytest.Gateway
	calls   *gatewaytest.Calls
	history *history.Client // for reading the tenant directly, uncounted
	tasks   *tasks.Client
}

// noCache turns the upstream cache off.
const noCache = "immutable=0,slow=0,volatile=0,notfound=0"

func newEnv(t testing.TB, topts simtenant.Options, gopts graph.Options, adjust ...func(*config.Config)) *env {
	t.Helper()
	return newEnvIn(t, "legacy", topts, gopts, adjust...)
}

// newEnvIn is newEnv with every family on the generation gen ("legacy"
// or "v1").
func newEnvIn(t testing.TB, gen string, topts simtenant.Options, gopts graph.Options, adjust ...func(*config.Config)) *env {
	t.Helper()
	o := envOptions(gen, gopts, adjust...)
	o.Tenant = topts
	gw := gatewaytest.New(t, o)
	direct := gw.Direct()
	return &env{
		t: t, gen: generationOf(gen), tn: gw.Tenant, gw: gw, calls: gw.Calls,
		history: must(history.New(gw.TenantURL, direct)),
		tasks:   must(tasks.New(gw.TenantURL, direct)),
	}
}

// envOptions are an env's gateway options: every family on gen, the
// upstream cache off.
func envOptions(gen string, gopts graph.Options, adjust ...func(*config.Config)) gatewaytest.Options {
	return gatewaytest.Options{
		UpstreamAPI: gen,
		Config: func(c *config.Config) {
			c.CachePolicy = must(cache.ParsePolicy(noCache, nil))
			c.MaxCost = max(c.MaxCost, gopts.MaxCost)
			for _, a := range adjust {
				a(c)
			}
		},
		Graph: func(o *graph.Options) {
			if gopts.Loaders != (loaders.Options{}) {
				o.Loaders = gopts.Loaders
			}
		},
	}
}

func generationOf(gen string) op.Generation {
	if gen == "v1" {
		return op.V1
	}
	return op.Legacy
}

// path is the path of o, in the env's generation, with params filled in
// (a trailing "" leaves the template's last parameter off: a prefix).
func (e *env) path(o *op.Operation, params ...string) string {
	tmpl := o.Path(e.gen).Template
	for _, p := range params {
		open := strings.IndexByte(tmpl, '{')
		end := strings.IndexByte(tmpl, '}')
		tmpl = tmpl[:open] + p + tmpl[end+1:]
	}
	return tmpl
}

// rateWindow is the simulated tenant's rate-limit window (simtenant.APIs)
// that family f's calls spend in the env's generation.
func (e *env) rateWindow(f op.Family) string {
	switch {
	case f == op.Reports && e.gen == op.V1:
		return simtenant.APIReportsV1
	case f == op.Reports:
		return simtenant.APIV2024
	case e.gen == op.Legacy:
		return simtenant.APIBeta
	case f == op.History:
		return simtenant.APIIdentityHistoryV1
	case f == op.Tasks:
		return simtenant.APITaskManagementV1
	}
	return simtenant.APIRoleMiningV1
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
	e.calls.Reset()
	a := e.gw.Query(doc, vars)
	_, queries, _ := e.calls.Snapshot()
	for _, q := range queries {
		// The legacy trees are /beta and /v2024; no v1 path is under them.
		if legacy := strings.HasPrefix(q, "/beta/") || strings.HasPrefix(q, "/v2024/"); legacy != (e.gen == op.Legacy) {
			e.t.Errorf("a %s gateway called %s", e.gen, q)
		}
	}
	r := response{status: a.Status, Data: a.Data, Extensions: a.Extensions}
	for _, ge := range a.Errors {
		r.Errors = append(r.Errors, gqlError(ge))
	}
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

package graph

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sailgraph/sailgraph/graph/resolvers"
	"github.com/sailgraph/sailgraph/internal/logtest"
)

// exchange is one HTTP answer of the GraphQL endpoint.
type exchange struct {
	status      int
	contentType string
	header      http.Header
	raw         map[string]json.RawMessage
	body        gqlBody
}

// gqlBody is a GraphQL response.
type gqlBody struct {
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

func newTestServer(t *testing.T, opts Options) *httptest.Server {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	srv := httptest.NewServer(NewHandler(&resolvers.Resolver{Tenant: "example.test"}, opts))
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, req *http.Request) exchange {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	ex := exchange{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), header: resp.Header}
	if err := json.Unmarshal(b, &ex.raw); err != nil {
		t.Fatalf("%s %s: body is not JSON: %v\n%s", req.Method, req.URL, err, b)
	}
	if err := json.Unmarshal(b, &ex.body); err != nil {
		t.Fatalf("%s %s: body is not a GraphQL response: %v\n%s", req.Method, req.URL, err, b)
	}
	return ex
}

func post(t *testing.T, srv *httptest.Server, accept, contentType, body string) exchange {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return do(t, req)
}

func get(t *testing.T, srv *httptest.Server, accept string, params url.Values) exchange {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"?"+params.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return do(t, req)
}

func queryBody(query string) string {
	b, _ := json.Marshal(map[string]string{"query": query})
	return string(b)
}

func TestGraphQLOverHTTP(t *testing.T) {
	srv := newTestServer(t, Options{MaxBodyBytes: 4096})
	const gr, js = mediaGraphQLResponse, mediaJSON
	tests := []struct {
		name       string
		send       func() exchange
		status     int
		media      string
		wantData   bool   // the body has a data entry
		wantCode   string // extensions.code of the first error, if any
		wantHeader [2]string
	}{
		{"GET query, no Accept", func() exchange {
			return get(t, srv, "", url.Values{"query": {"{ gateway { tenant } }"}})
		}, 200, js, true, "", [2]string{}},
		{"GET query, graphql-response accepted", func() exchange {
			return get(t, srv, gr, url.Values{"query": {"{ gateway { tenant } }"}})
		}, 200, gr, true, "", [2]string{}},
		{"GET query with variables", func() exchange {
			return get(t, srv, js, url.Values{"query": {"query Q($x: Boolean!) { gateway @include(if: $x) { tenant } }"}, "variables": {`{"x":true}`}})
		}, 200, js, true, "", [2]string{}},
		{"GET mutation is 405", func() exchange {
			return get(t, srv, gr, url.Values{"query": {`mutation { cancelReport(taskResultId: "x") }`}})
		}, 405, gr, false, "BAD_REQUEST", [2]string{"Allow", "POST"}},
		{"GET without query", func() exchange {
			return get(t, srv, gr, url.Values{})
		}, 400, js, false, "BAD_REQUEST", [2]string{}},
		{"GET with bad variables", func() exchange {
			return get(t, srv, gr, url.Values{"query": {"{ gateway { tenant } }"}, "variables": {"{"}})
		}, 400, js, false, "BAD_REQUEST", [2]string{}},
		{"POST query", func() exchange {
			return post(t, srv, gr, js, queryBody("{ gateway { tenant simulated } }"))
		}, 200, gr, true, "", [2]string{}},
		{"POST with charset", func() exchange {
			return post(t, srv, "", "application/json; charset=utf-8", queryBody("{ gateway { tenant } }"))
		}, 200, js, true, "", [2]string{}},
		{"POST wildcard Accept gets application/json", func() exchange {
			return post(t, srv, "*/*", js, queryBody("{ gateway { tenant } }"))
		}, 200, js, true, "", [2]string{}},
		{"POST json preferred by quality", func() exchange {
			return post(t, srv, gr+";q=0.5, "+js, js, queryBody("{ gateway { tenant } }"))
		}, 200, js, true, "", [2]string{}},
		{"parse error, graphql-response", func() exchange {
			return post(t, srv, gr, js, queryBody("{ gateway { "))
		}, 400, gr, false, "GRAPHQL_PARSE_FAILED", [2]string{}},
		{"parse error, legacy json", func() exchange {
			return post(t, srv, js, js, queryBody("{ gateway { "))
		}, 200, js, false, "GRAPHQL_PARSE_FAILED", [2]string{}},
		{"validation error, graphql-response", func() exchange {
			return post(t, srv, gr, js, queryBody("{ gateway { nope } }"))
		}, 400, gr, false, "GRAPHQL_VALIDATION_FAILED", [2]string{}},
		{"variable coercion error", func() exchange {
			return post(t, srv, gr, js, `{"query":"query Q($x: Boolean!) { gateway @include(if: $x) { tenant } }","variables":{"x":"yes"}}`)
		}, 400, gr, false, "GRAPHQL_VALIDATION_FAILED", [2]string{}},
		{"body not JSON", func() exchange {
			return post(t, srv, gr, js, "{nope")
		}, 400, js, false, "BAD_REQUEST", [2]string{}},
		{"batch", func() exchange {
			return post(t, srv, gr, js, "["+queryBody("{ gateway { tenant } }")+"]")
		}, 400, js, false, "BAD_REQUEST", [2]string{}},
		{"variables not an object", func() exchange {
			return post(t, srv, gr, js, `{"query":"{ gateway { tenant } }","variables":[1]}`)
		}, 400, js, false, "BAD_REQUEST", [2]string{}},
		{"body without query", func() exchange {
			return post(t, srv, gr, js, `{"variables":{}}`)
		}, 400, js, false, "BAD_REQUEST", [2]string{}},
		{"body too large", func() exchange {
			return post(t, srv, gr, js, queryBody("{ gateway { tenant } }"+strings.Repeat(" ", 5000)))
		}, 413, js, false, "PAYLOAD_TOO_LARGE", [2]string{}},
		{"unsupported body type", func() exchange {
			return post(t, srv, gr, "text/plain", "{ gateway { tenant } }")
		}, 415, js, false, "BAD_REQUEST", [2]string{}},
		{"nothing acceptable", func() exchange {
			return post(t, srv, "text/html", js, queryBody("{ gateway { tenant } }"))
		}, 406, js, false, "BAD_REQUEST", [2]string{}},
		{"other methods", func() exchange {
			req, _ := http.NewRequest(http.MethodPut, srv.URL, strings.NewReader(queryBody("{ gateway { tenant } }")))
			return do(t, req)
		}, 405, js, false, "BAD_REQUEST", [2]string{"Allow", "GET, POST"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := tt.send()
			if ex.status != tt.status {
				t.Errorf("status %d, want %d (errors %+v)", ex.status, tt.status, ex.body.Errors)
			}
			if ex.contentType != tt.media {
				t.Errorf("Content-Type %q, want %q", ex.contentType, tt.media)
			}
			if _, has := ex.raw["data"]; has != tt.wantData {
				t.Errorf("data entry present: %v, want %v", has, tt.wantData)
			}
			if tt.wantData && len(ex.body.Errors) > 0 {
				t.Errorf("unexpected errors: %+v", ex.body.Errors)
			}
			if !tt.wantData && len(ex.body.Errors) == 0 {
				t.Error("no errors in a failed answer")
			}
			if tt.wantCode != "" && (len(ex.body.Errors) == 0 || ex.body.Errors[0].code() != tt.wantCode) {
				t.Errorf("errors %+v, want code %s", ex.body.Errors, tt.wantCode)
			}
			for _, e := range ex.body.Errors {
				if strings.Contains(e.Message, "Go ") || strings.Contains(e.Message, "struct") {
					t.Errorf("the message names Go internals: %s", e.Message)
				}
			}
			if h := tt.wantHeader; h[0] != "" && ex.header.Get(h[0]) != h[1] {
				t.Errorf("%s: %q, want %q", h[0], ex.header.Get(h[0]), h[1])
			}
		})
	}
}

// A caller's mistake is never reported as the gateway's fault: it gets a
// client error code, never INTERNAL, and nothing is logged at ERROR.
func TestClientMistakesAreNotInternal(t *testing.T) {
	var logs logtest.Buffer
	srv := newTestServer(t, Options{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	apq := func(ext string) string {
		return `{"query":"{ gateway { tenant } }","extensions":{"persistedQuery":` + ext + `}}`
	}
	for name, send := range map[string]func() exchange{
		"mutation over GET": func() exchange {
			return get(t, srv, mediaGraphQLResponse, url.Values{"query": {`mutation { cancelReport(taskResultId: "x") }`}})
		},
		"mutation over GET, legacy json": func() exchange {
			return get(t, srv, mediaJSON, url.Values{"query": {`mutation { cancelReport(taskResultId: "x") }`}})
		},
		"persisted query not an object": func() exchange { return post(t, srv, mediaJSON, mediaJSON, apq(`"x"`)) },
		"persisted query bad hash": func() exchange {
			return post(t, srv, mediaJSON, mediaJSON, apq(`{"version":1,"sha256Hash":7}`))
		},
		"persisted query hash mismatch": func() exchange {
			return post(t, srv, mediaGraphQLResponse, mediaJSON, apq(`{"version":1,"sha256Hash":"abc"}`))
		},
	} {
		ex := send()
		if ex.status < 400 && ex.status != 200 || ex.status >= 500 || len(ex.body.Errors) == 0 {
			t.Errorf("%s: %d %+v", name, ex.status, ex.body.Errors)
			continue
		}
		if c := ex.body.Errors[0].code(); c != "BAD_REQUEST" {
			t.Errorf("%s: code %q, want BAD_REQUEST (%s)", name, c, ex.body.Errors[0].Message)
		}
	}
	if n := logs.Count(`"level":"ERROR"`); n > 0 {
		t.Errorf("client mistakes logged at ERROR:\n%s", logs.String())
	}
}

func TestGatewayData(t *testing.T) {
	srv := newTestServer(t, Options{})
	ex := post(t, srv, mediaGraphQLResponse, mediaJSON, queryBody("{ gateway { tenant simulated apiVersions } }"))
	var data struct {
		Gateway struct {
			Tenant      string
			Simulated   bool
			APIVersions []string
		}
	}
	if err := json.Unmarshal(ex.body.Data, &data); err != nil {
		t.Fatal(err)
	}
	if data.Gateway.Tenant != "example.test" || data.Gateway.Simulated || strings.Join(data.Gateway.APIVersions, ",") != "beta,v2024" {
		t.Fatalf("gateway: %+v", data.Gateway)
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		accept string
		want   string
		ok     bool
	}{
		{"", mediaJSON, true},
		{"application/json", mediaJSON, true},
		{"application/graphql-response+json", mediaGraphQLResponse, true},
		{"application/graphql-response+json, application/json;q=0.9", mediaGraphQLResponse, true},
		{"application/json, application/graphql-response+json", mediaGraphQLResponse, true},
		{"application/graphql-response+json;q=0.1, application/json", mediaJSON, true},
		{"*/*", mediaJSON, true},
		{"text/html, application/*;q=0.2", mediaJSON, true},
		{"application/graphql-response+json;q=0", "", false},
		{"text/html", "", false},
	}
	for _, tt := range tests {
		got, ok := negotiate(tt.accept)
		if got != tt.want || ok != tt.ok {
			t.Errorf("negotiate(%q) = %q, %v; want %q, %v", tt.accept, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAutomaticPersistedQueries(t *testing.T) {
	cache := NewAPQCache(10)
	srv := newTestServer(t, Options{APQCache: cache})
	query := "{ gateway { tenant } }"
	sum := sha256.Sum256([]byte(query))
	hash := hex.EncodeToString(sum[:])
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}

	hashOnly, _ := json.Marshal(map[string]any{"extensions": ext})
	ex := post(t, srv, mediaJSON, mediaJSON, string(hashOnly))
	if len(ex.body.Errors) != 1 || ex.body.Errors[0].code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("unknown hash: %+v", ex.body.Errors)
	}

	withQuery, _ := json.Marshal(map[string]any{"query": query, "extensions": ext})
	ex = post(t, srv, mediaJSON, mediaJSON, string(withQuery))
	if ex.status != 200 || len(ex.body.Errors) != 0 || !bytes.Contains(ex.body.Data, []byte("example.test")) {
		t.Fatalf("registering: %d %+v %s", ex.status, ex.body.Errors, ex.body.Data)
	}
	if got, ok := cache.Get(context.Background(), hash); !ok || got != query {
		t.Fatalf("the cache holds %q, %v", got, ok)
	}

	// Now the hash alone is enough, over GET too.
	extJSON, _ := json.Marshal(ext)
	ex = get(t, srv, mediaGraphQLResponse, url.Values{"extensions": {string(extJSON)}})
	if ex.status != 200 || !bytes.Contains(ex.body.Data, []byte("example.test")) {
		t.Fatalf("by hash: %d %+v %s", ex.status, ex.body.Errors, ex.body.Data)
	}

	// A query that does not match its hash is refused.
	wrong, _ := json.Marshal(map[string]any{"query": "{ gateway { simulated } }", "extensions": ext})
	ex = post(t, srv, mediaGraphQLResponse, mediaJSON, string(wrong))
	if ex.status != 400 || len(ex.body.Errors) == 0 {
		t.Fatalf("mismatched hash: %d %+v", ex.status, ex.body.Errors)
	}
}

func TestIntrospectionSwitch(t *testing.T) {
	const q = "{ __schema { queryType { name } } }"
	off := post(t, newTestServer(t, Options{}), mediaJSON, mediaJSON, queryBody(q))
	if len(off.body.Errors) == 0 || bytes.Contains(off.body.Data, []byte("Query")) {
		t.Fatalf("introspection served while off: %s %+v", off.body.Data, off.body.Errors)
	}
	on := post(t, newTestServer(t, Options{Introspection: true}), mediaJSON, mediaJSON, queryBody(q))
	if len(on.body.Errors) != 0 || !bytes.Contains(on.body.Data, []byte(`"Query"`)) {
		t.Fatalf("introspection not served while on: %s %+v", on.body.Data, on.body.Errors)
	}
	// __typename is not introspection: it works either way.
	tn := post(t, newTestServer(t, Options{}), mediaJSON, mediaJSON, queryBody("{ __typename }"))
	if !bytes.Contains(tn.body.Data, []byte(`"Query"`)) {
		t.Fatalf("__typename: %s %+v", tn.body.Data, tn.body.Errors)
	}
}

// The limits refuse a query before any resolver runs: this resolver has no
// upstream clients, so a resolver that ran would fail differently.
func TestDepthLimit(t *testing.T) {
	srv := newTestServer(t, Options{MaxDepth: 4})
	deep := `{ identity(id: "a") { accessItems { edges { node { id } } } } }` // 5 levels
	ex := post(t, srv, mediaGraphQLResponse, mediaJSON, queryBody(deep))
	if ex.status != 400 || len(ex.body.Errors) != 1 {
		t.Fatalf("deep query: %d %+v", ex.status, ex.body.Errors)
	}
	e := ex.body.Errors[0]
	if e.code() != CodeDepthLimit || e.Extensions["depth"] != 5.0 || e.Extensions["maxDepth"] != 4.0 {
		t.Fatalf("deep query error: %+v", e)
	}
	// Introspection does not count towards depth.
	srv = newTestServer(t, Options{MaxDepth: 2, Introspection: true})
	ex = post(t, srv, mediaGraphQLResponse, mediaJSON, queryBody("{ __schema { types { fields { type { ofType { name } } } } } gateway { tenant } }"))
	if ex.status != 200 || len(ex.body.Errors) != 0 {
		t.Fatalf("introspection counted as depth: %d %+v", ex.status, ex.body.Errors)
	}
}

func TestCostLimit(t *testing.T) {
	srv := newTestServer(t, Options{MaxCost: 200})
	// 4 pages of identities, then one access-item call for each of 1000.
	costly := `{ identities(first: 1000) { nodes { accessItems(first: 10) { totalCount } } } }`
	ex := post(t, srv, mediaGraphQLResponse, mediaJSON, queryBody(costly))
	if ex.status != 400 || len(ex.body.Errors) != 1 {
		t.Fatalf("costly query: %d %+v", ex.status, ex.body.Errors)
	}
	e := ex.body.Errors[0]
	if e.code() != CodeCostLimit || e.Extensions["estimatedUpstreamCalls"] != 1004.0 || e.Extensions["maxUpstreamCalls"] != 200.0 {
		t.Fatalf("costly query error: %+v", e)
	}
	if !strings.Contains(e.Message, "1004") {
		t.Fatalf("the message lacks the estimate: %q", e.Message)
	}
	// A refusal by a limit is a 400 over legacy application/json too.
	ex = post(t, srv, mediaJSON, mediaJSON, queryBody(costly))
	if ex.status != 400 || len(ex.body.Errors) != 1 || ex.body.Errors[0].code() != CodeCostLimit {
		t.Fatalf("costly query, legacy: %d %+v", ex.status, ex.body.Errors)
	}
}

// The complexity limit guards the size of a document, whatever its
// upstream cost: 60 aliased gateway fields (no upstream call at all) pass
// a limit of 200 and fail one of 100. (The alias and root-field limits are
// raised out of the way.)
func TestComplexityLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 60 {
		fmt.Fprintf(&b, " g%d: gateway { tenant }", i)
	}
	b.WriteString(" }")
	ok := post(t, newTestServer(t, Options{MaxComplexity: 200, MaxAliases: 60, MaxRootFields: 60}), mediaGraphQLResponse, mediaJSON, queryBody(b.String()))
	if ok.status != 200 || len(ok.body.Errors) != 0 {
		t.Fatalf("complexity 120 under a limit of 200: %d %+v", ok.status, ok.body.Errors)
	}
	ex := post(t, newTestServer(t, Options{MaxComplexity: 100, MaxAliases: 60, MaxRootFields: 60}), mediaGraphQLResponse, mediaJSON, queryBody(b.String()))
	if len(ex.body.Errors) != 1 || ex.body.Errors[0].code() != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Fatalf("complexity 120 over a limit of 100: %d %+v", ex.status, ex.body.Errors)
	}
}

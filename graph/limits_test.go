package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"

	"github.com/sailgraph/sailgraph/graph/resolvers"
)

// fragmentBomb is the document of the security probe: levels fragments on
// typ, each spreading the next twice, under root; the last selects leaf.
// It expands to 2^levels leaf fields in one selection set.
func fragmentBomb(typ, root, leaf string, levels int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{ %s { ...F0 } }", root)
	for i := range levels {
		fmt.Fprintf(&b, " fragment F%d on %s { ...F%d ...F%d }", i, typ, i+1, i+1)
	}
	fmt.Fprintf(&b, " fragment F%d on %s { %s }", levels, typ, leaf)
	return b.String()
}

// wideSelection is `{ gateway { tenant tenant … } }` with n tenants.
func wideSelection(n int) string {
	return "{ gateway { " + strings.Repeat("tenant ", n) + "} }"
}

// resolverCounter is a handler extension that counts the fields resolved,
// to prove that a refused document ran none.
type resolverCounter struct{ n atomic.Int64 }

func (*resolverCounter) ExtensionName() string                   { return "ResolverCounter" }
func (*resolverCounter) Validate(graphql.ExecutableSchema) error { return nil }
func (c *resolverCounter) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	c.n.Add(1)
	return next(ctx)
}

// refused checks that ex is a refusal by a limit: 400, no data, one error
// with code and the extensions in want.
func refused(t *testing.T, ex exchange, code string, want map[string]any) {
	t.Helper()
	if ex.status != http.StatusBadRequest {
		t.Errorf("status %d, want 400 (errors %+v)", ex.status, ex.body.Errors)
	}
	if _, has := ex.raw["data"]; has {
		t.Errorf("a refusal has a data entry: %s", ex.raw["data"])
	}
	if len(ex.body.Errors) != 1 {
		t.Fatalf("errors %+v, want one", ex.body.Errors)
	}
	e := ex.body.Errors[0]
	if e.code() != code {
		t.Fatalf("code %q (%s), want %s", e.code(), e.Message, code)
	}
	for k, v := range want {
		if e.Extensions[k] != v {
			t.Errorf("extensions.%s = %v, want %v (%+v)", k, e.Extensions[k], v, e.Extensions)
		}
	}
}

// answered checks that ex ran: 200 with data and no error from a limit.
func answered(t *testing.T, ex exchange) {
	t.Helper()
	if ex.status != http.StatusOK {
		t.Fatalf("status %d, want 200 (errors %+v)", ex.status, ex.body.Errors)
	}
	if len(ex.body.Data) == 0 || string(ex.body.Data) == "null" {
		t.Fatalf("no data (errors %+v)", ex.body.Errors)
	}
	for _, e := range ex.body.Errors {
		if isLimitCode(e.code()) {
			t.Fatalf("refused by a limit: %+v", e)
		}
	}
}

// The documents of the security probe are refused, in both media types,
// before any resolver runs.
func TestRefuseExpansion(t *testing.T) {
	counter := &resolverCounter{}
	srv := newTestServer(t, Options{Extensions: []graphql.HandlerExtension{counter}})
	tests := []struct {
		name  string
		query string
		want  map[string]any
	}{
		{"30 levels of fragments on Gateway", fragmentBomb("Gateway", "gateway", "tenant", 30),
			map[string]any{"selectionFields": float64(1 << 30), "maxSelectionFields": 100.0}},
		{"30 levels of fragments on Identity", fragmentBomb("Identity", `identity(id: "a")`, "displayName", 30),
			map[string]any{"selectionFields": float64(1 << 30), "maxSelectionFields": 100.0}},
		{"10,000 fields in one selection set", wideSelection(10000),
			map[string]any{"selectionFields": 10000.0, "maxSelectionFields": 100.0}},
		{"a fragment bomb no operation uses", "{ gateway { tenant } }" + strings.TrimPrefix(fragmentBomb("Gateway", "gateway", "tenant", 30), "{ gateway { ...F0 } }"),
			map[string]any{"selectionFields": float64(1 << 30)}},
	}
	for _, tt := range tests {
		for _, media := range []string{mediaGraphQLResponse, mediaJSON} {
			t.Run(tt.name+", "+media, func(t *testing.T) {
				refused(t, post(t, srv, media, mediaJSON, queryBody(tt.query)), CodeSelectionLimit, tt.want)
			})
		}
	}
	if n := counter.n.Load(); n != 0 {
		t.Fatalf("%d fields resolved for refused documents", n)
	}
	// The resolver counter does count: a document that runs resolves fields.
	answered(t, post(t, srv, mediaJSON, mediaJSON, queryBody("{ gateway { tenant } }")))
	if counter.n.Load() == 0 {
		t.Fatal("the resolver counter counted nothing")
	}
}

// overlapSquare is m copies of `accessItems { nodes { id ×k } }` under one
// identity: no selection set of the text holds more than max(m, k)
// fields, but execution merges the copies, and validation compares every
// pair of the m·k ids of the merged set.
func overlapSquare(m, k int) string {
	inner := "accessItems { nodes { " + strings.Repeat("id ", k) + "} } "
	return `{ identity(id: "a") { ` + strings.Repeat(inner, m) + "} }"
}

// The selection limit applies to merged selection sets: 70 × 68 ids (4901
// fields in all, under the complexity limit; about two seconds of
// validation) are refused before validation.
func TestRefuseMergedSelection(t *testing.T) {
	counter := &resolverCounter{}
	srv := newTestServer(t, Options{Extensions: []graphql.HandlerExtension{counter}})
	for _, media := range []string{mediaGraphQLResponse, mediaJSON} {
		refused(t, post(t, srv, media, mediaJSON, queryBody(overlapSquare(70, 68))), CodeSelectionLimit,
			map[string]any{"selectionFields": 4760.0, "maxSelectionFields": 100.0})
	}
	if n := counter.n.Load(); n != 0 {
		t.Fatalf("%d fields resolved for refused documents", n)
	}
}

// A fragment nested inside itself through a field has no end: the merge
// walk stops after MaxComplexity fields and refuses it, before validation
// would.
func TestRefuseFragmentNestedInItself(t *testing.T) {
	srv := newTestServer(t, Options{})
	q := `{ identity(id: "a") { ...A } } fragment A on Identity { id snapshots { nodes { ...A } } }`
	refused(t, post(t, srv, mediaJSON, mediaJSON, queryBody(q)), CodeComplexityLimit,
		map[string]any{"complexity": 5001.0, "maxComplexity": 5000.0})
}

// With the selection limit out of the way, the fragment bomb meets the
// expansion limit: its size is computed, not expanded (2^30 fields, in
// the time it takes to read 31 fragments).
func TestRefuseExpansionByComplexity(t *testing.T) {
	srv := newTestServer(t, Options{MaxSelectionFields: math.MaxInt32})
	for _, tt := range []struct{ typ, root, leaf string }{
		{"Gateway", "gateway", "tenant"},
		{"Identity", `identity(id: "a")`, "displayName"},
	} {
		for _, media := range []string{mediaGraphQLResponse, mediaJSON} {
			ex := post(t, srv, media, mediaJSON, queryBody(fragmentBomb(tt.typ, tt.root, tt.leaf, 30)))
			refused(t, ex, CodeComplexityLimit, map[string]any{"complexity": float64(1<<30 + 1), "maxComplexity": 5000.0})
		}
	}
}

// Each limit lets a document at the limit through and refuses one over
// it, with the measured value and the limit in its extensions.
func TestLimitBoundaries(t *testing.T) {
	tests := []struct {
		name     string
		query    string
		at, over Options // the limit set at and just under the document's size
		code     string
		want     map[string]any // the refusal's extensions
	}{
		{"tokens", "# comments are not tokens\n{ gateway { tenant } }",
			Options{MaxTokens: 6}, Options{MaxTokens: 5},
			CodeTokenLimit, map[string]any{"tokens": 6.0, "maxTokens": 5.0}},
		{"aliases, fragments expanded", "{ gateway { ...F ...F tenant } } fragment F on Gateway { t: tenant s: simulated }",
			Options{MaxAliases: 4}, Options{MaxAliases: 3},
			CodeAliasLimit, map[string]any{"aliases": 4.0, "maxAliases": 3.0}},
		{"root fields, fragments inlined", "{ gateway { tenant } ... on Query { __typename } ...R } fragment R on Query { g: gateway { simulated } }",
			Options{MaxRootFields: 3}, Options{MaxRootFields: 2},
			CodeRootFieldLimit, map[string]any{"rootFields": 3.0, "maxRootFields": 2.0}},
		{"fields of one selection set, fragments inlined", "{ gateway { tenant ...F ... on Gateway { apiVersions } } } fragment F on Gateway { simulated tenant }",
			Options{MaxSelectionFields: 4}, Options{MaxSelectionFields: 3},
			CodeSelectionLimit, map[string]any{"selectionFields": 4.0, "maxSelectionFields": 3.0}},
		{"fields of one merged selection set", "{ gateway { tenant simulated } ... on Query { gateway { apiVersions } } }",
			Options{MaxSelectionFields: 3}, Options{MaxSelectionFields: 2},
			CodeSelectionLimit, map[string]any{"selectionFields": 3.0, "maxSelectionFields": 2.0}},
		{"depth", "{ gateway { ...F } } fragment F on Gateway { tenant }",
			Options{MaxDepth: 2}, Options{MaxDepth: 1},
			CodeDepthLimit, map[string]any{"depth": 2.0, "maxDepth": 1.0}},
		{"introspection depth", "{ __type(name: \"Gateway\") { fields { type { ofType { name } } } } }",
			Options{Introspection: true, MaxIntrospectionDepth: 5}, Options{Introspection: true, MaxIntrospectionDepth: 4},
			CodeDepthLimit, map[string]any{"depth": 5.0, "maxDepth": 4.0, "introspection": true}},
		{"fields, fragments expanded", "{ gateway { ...F ...F } } fragment F on Gateway { ...G ...G } fragment G on Gateway { tenant }",
			Options{MaxComplexity: 5}, Options{MaxComplexity: 4},
			CodeComplexityLimit, map[string]any{"complexity": 5.0, "maxComplexity": 4.0}},
		// Cost runs after validation; this resolver has no tenant, so the
		// identity at the limit fails upstream, but it runs.
		{"cost", `{ identity(id: "a") { id startDate } }`,
			Options{MaxCost: 2}, Options{MaxCost: 1},
			CodeCostLimit, map[string]any{"estimatedUpstreamCalls": 2.0, "maxUpstreamCalls": 1.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := newTestServer(t, tt.at)
			over := newTestServer(t, tt.over)
			for _, media := range []string{mediaGraphQLResponse, mediaJSON} {
				answered(t, post(t, at, media, mediaJSON, queryBody(tt.query)))
				refused(t, post(t, over, media, mediaJSON, queryBody(tt.query)), tt.code, tt.want)
			}
		})
	}
}

// A validation error keeps its 200 under application/json (the
// GraphQL-over-HTTP spec's rule for legacy clients); only refusals by a
// limit are 400 in both media types.
func TestValidationErrorStatusUnchanged(t *testing.T) {
	srv := newTestServer(t, Options{})
	ex := post(t, srv, mediaJSON, mediaJSON, queryBody("{ gateway { nope } }"))
	if ex.status != http.StatusOK || len(ex.body.Errors) == 0 || ex.body.Errors[0].code() != "GRAPHQL_VALIDATION_FAILED" {
		t.Fatalf("validation error: %d %+v", ex.status, ex.body.Errors)
	}
}

// A document the handler has run (gqlgen's query cache holds it) has its
// operation measured again, on the parsed document: another operation of
// it, over a limit, is still refused.
func TestLimitsOfACachedDocumentsOtherOperation(t *testing.T) {
	srv := newTestServer(t, Options{MaxAliases: 1, MaxRootFields: 2, MaxDepth: 2})
	const doc = `query Small { gateway { tenant } }
query Aliases { gateway { a: tenant b: tenant } }
query Roots { gateway { tenant } again: gateway { tenant } ... on Query { gateway { simulated } } }
query Deep { identity(id: "a") { ...F } } fragment F on Identity { snapshots { totalCount } }`
	run := func(op string) exchange {
		b, _ := json.Marshal(map[string]string{"query": doc, "operationName": op})
		return post(t, srv, mediaJSON, mediaJSON, string(b))
	}
	answered(t, run("Small"))
	refused(t, run("Aliases"), CodeAliasLimit, map[string]any{"aliases": 2.0, "maxAliases": 1.0})
	refused(t, run("Roots"), CodeRootFieldLimit, map[string]any{"rootFields": 3.0, "maxRootFields": 2.0})
	refused(t, run("Deep"), CodeDepthLimit, map[string]any{"depth": 3.0, "maxDepth": 2.0})
	answered(t, run("Small"))
}

// Fragment cycles and unknown fragments are measured without looping and
// left to validation, which refuses them with its own code.
func TestFragmentCyclesAndUnknownFragments(t *testing.T) {
	srv := newTestServer(t, Options{})
	for name, q := range map[string]string{
		"cycle":            "{ gateway { ...A } } fragment A on Gateway { tenant ...B } fragment B on Gateway { simulated ...A }",
		"self spread":      "{ gateway { ...A } } fragment A on Gateway { ...A ...A tenant }",
		"unknown fragment": "{ gateway { ...Nope tenant } }",
		"doubling to an unknown fragment": "{ gateway { ...F0 } }" +
			strings.TrimPrefix(fragmentBomb("Gateway", "gateway", "...Nope", 30), "{ gateway { ...F0 } }"),
		"doubling into a cycle": "{ gateway { ...F0 } }" +
			strings.TrimPrefix(fragmentBomb("Gateway", "gateway", "...F0", 30), "{ gateway { ...F0 } }"),
	} {
		t.Run(name, func(t *testing.T) {
			ex := post(t, srv, mediaGraphQLResponse, mediaJSON, queryBody(q))
			if ex.status != http.StatusBadRequest || len(ex.body.Errors) == 0 || ex.body.Errors[0].code() != "GRAPHQL_VALIDATION_FAILED" {
				t.Fatalf("%d %+v, want a validation error", ex.status, ex.body.Errors)
			}
		})
	}
}

// A document that does not lex or parse is left to gqlgen's parser, which
// reports it with its own code.
func TestUnparsableDocumentsReachTheParser(t *testing.T) {
	srv := newTestServer(t, Options{})
	for _, q := range []string{`{ gateway { tenant "unterminated } }`, "{ gateway { tenant }", "{ gateway { tenant } } ..."} {
		ex := post(t, srv, mediaGraphQLResponse, mediaJSON, queryBody(q))
		if ex.status != http.StatusBadRequest || len(ex.body.Errors) == 0 || ex.body.Errors[0].code() != "GRAPHQL_PARSE_FAILED" {
			t.Errorf("%q: %d %+v, want a parse error", q, ex.status, ex.body.Errors)
		}
	}
}

// A query sent by its hash alone (automatic persisted query) is measured
// too: the limits run after APQ has filled in its text.
func TestLimitsApplyToPersistedQueries(t *testing.T) {
	srv := newTestServer(t, Options{MaxSelectionFields: 2})
	query := "{ gateway { a: tenant b: tenant c: tenant } }"
	hash := sha256Hex(query)
	ext := `{"persistedQuery":{"version":1,"sha256Hash":"` + hash + `"}}`
	// Registering it is refused, but APQ has stored the text by then.
	refused(t, post(t, srv, mediaJSON, mediaJSON, `{"query":`+jsonString(query)+`,"extensions":`+ext+`}`),
		CodeSelectionLimit, map[string]any{"selectionFields": 3.0})
	refused(t, post(t, srv, mediaJSON, mediaJSON, `{"extensions":`+ext+`}`),
		CodeSelectionLimit, map[string]any{"selectionFields": 3.0})
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// The introspection query GraphiQL sends passes the default limits; a
// 50-level ofType chain does not.
func TestIntrospectionDepth(t *testing.T) {
	srv := newTestServer(t, Options{Introspection: true})
	ex := post(t, srv, mediaGraphQLResponse, mediaJSON, queryBody(graphiqlIntrospection(t)))
	answered(t, ex)
	if len(ex.body.Errors) != 0 || !strings.Contains(string(ex.body.Data), `"queryType":{"name":"Query"`) {
		t.Fatalf("introspection: %+v %.200s", ex.body.Errors, ex.body.Data)
	}

	chain := `{ __type(name: "Query") { ` + strings.Repeat("ofType { ", 50) + "name" + strings.Repeat(" }", 50) + " } }"
	for _, media := range []string{mediaGraphQLResponse, mediaJSON} {
		refused(t, post(t, srv, media, mediaJSON, queryBody(chain)), CodeDepthLimit,
			map[string]any{"depth": 52.0, "maxDepth": 20.0, "introspection": true})
	}
}

// graphiqlIntrospection is the introspection query GraphiQL sends. The test
// checks the copy against the vendored bundle: the depth of its ofType
// chain is what MaxIntrospectionDepth's default is chosen for.
func graphiqlIntrospection(t *testing.T) string {
	t.Helper()
	q, err := os.ReadFile("testdata/graphiql-introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := os.ReadFile("../graphiql/web/vendor/graphiql.min.js")
	if err != nil {
		t.Fatal(err)
	}
	const typeRef = "fragment TypeRef on __Type"
	ofTypes := func(s string) int {
		i := strings.Index(s, typeRef)
		if i < 0 {
			t.Fatalf("no %s in %.40q", typeRef, s)
		}
		s = s[i:]
		if end := strings.IndexByte(s, '`'); end >= 0 { // the bundle's template literal ends there
			s = s[:end]
		}
		return strings.Count(s, "ofType {")
	}
	if a, b := ofTypes(string(q)), ofTypes(string(bundle)); a != b || a == 0 {
		t.Fatalf("the testdata query has %d levels of ofType, GraphiQL's %d", a, b)
	}
	return string(q)
}

// readmeQueries are the GraphQL examples of the project's README.
func readmeQueries(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(string(b), -1) {
		out = append(out, m[1])
	}
	if len(out) == 0 {
		t.Fatal("no graphql blocks in the README")
	}
	return out
}

func defaultLimits() documentLimits {
	o := Options{}.withDefaults()
	return documentLimits{
		maxTokens: o.MaxTokens, maxAliases: o.MaxAliases, maxRootFields: o.MaxRootFields,
		maxSelectionFields: o.MaxSelectionFields, maxDepth: o.MaxDepth,
		maxIntrospectionDepth: o.MaxIntrospectionDepth, maxFields: o.MaxComplexity,
	}
}

// The README's examples (run end to end against the simulated tenant in
// limits_e2e_test.go) use at most half of every default limit, and their
// operations measure the same on the text as on the validated document
// (which is how a document from the query cache is measured).
func TestReadmeQueriesWithinDefaults(t *testing.T) {
	schema := testSchema()
	lim := defaultLimits()
	for i, q := range readmeQueries(t) {
		size, err := lim.measure(q, "")
		if err != nil {
			t.Fatalf("README query %d refused: %v", i+1, err)
		}
		doc, errs := gqlparser.LoadQueryWithRules(schema, q, nil)
		if errs != nil {
			t.Fatalf("README query %d: %v", i+1, errs)
		}
		parsed, err := lim.measureParsed(doc, "")
		if err != nil {
			t.Fatalf("README query %d refused after validation: %v", i+1, err)
		}
		if parsed.depth != size.depth || parsed.introspectionDepth != size.introspectionDepth ||
			parsed.aliases != size.aliases || parsed.rootFields != size.rootFields || parsed.depth == 0 {
			t.Errorf("README query %d: %+v after validation, %+v before", i+1, parsed, size)
		}
		if 2*size.tokens > lim.maxTokens || 2*size.aliases > lim.maxAliases || 2*size.rootFields > lim.maxRootFields ||
			2*size.widest > lim.maxSelectionFields || 2*size.depth > lim.maxDepth || 2*size.fields > lim.maxFields {
			t.Errorf("README query %d uses more than half of a default limit (%+v): revisit the defaults", i+1, size)
		}
	}
}

// The defaults' documentation rests on the schema: no type has half as
// many fields as MaxSelectionFields, and Query has fewer than
// MaxRootFields.
func TestDefaultsFitTheSchema(t *testing.T) {
	o := Options{}.withDefaults()
	for name, def := range testSchema().Types {
		if strings.HasPrefix(name, "__") {
			continue
		}
		if len(def.Fields) > o.MaxSelectionFields/2 {
			t.Errorf("%s has %d fields, more than half of MaxSelectionFields (%d)", name, len(def.Fields), o.MaxSelectionFields)
		}
		if name == "Query" && len(def.Fields) >= o.MaxRootFields {
			t.Errorf("Query has %d fields, MaxRootFields is %d", len(def.Fields), o.MaxRootFields)
		}
	}
}

// The measure on the GraphiQL introspection query, for the defaults'
// documentation: 163 tokens, depth 15, 220 fields.
func TestIntrospectionQuerySize(t *testing.T) {
	size, err := defaultLimits().measure(graphiqlIntrospection(t), "")
	if err != nil {
		t.Fatal(err)
	}
	if size.tokens != 163 || size.introspectionDepth != 15 || size.depth != 0 || size.fields != 220 {
		t.Fatalf("introspection query: %+v", size)
	}
}

// BenchmarkRefuseFragmentBomb is the time to refuse the probe's 30-level
// fragment document (gqlgen took minutes before the document limits).
func BenchmarkRefuseFragmentBomb(b *testing.B) {
	benchmarkRefuse(b, fragmentBomb("Gateway", "gateway", "tenant", 30), CodeSelectionLimit)
}

// BenchmarkRefuseWideSelection is the time to refuse `{ gateway { tenant
// ×10000 } }` (about 7 s of validation before the document limits).
func BenchmarkRefuseWideSelection(b *testing.B) {
	benchmarkRefuse(b, wideSelection(10000), CodeSelectionLimit)
}

func benchmarkRefuse(b *testing.B, query, code string) {
	h := NewHandler(&resolvers.Resolver{Tenant: "example.test"}, Options{})
	body := queryBody(query)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", mediaJSON)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), code) {
			b.Fatalf("%d %s", rec.Code, rec.Body.String())
		}
	}
}

// BenchmarkRefuseMergedSelection is the time to refuse 70 copies of
// `accessItems { nodes { id ×68 } }` (about two seconds of validation
// before the merged sets were measured).
func BenchmarkRefuseMergedSelection(b *testing.B) {
	benchmarkRefuse(b, overlapSquare(70, 68), CodeSelectionLimit)
}

// BenchmarkMeasureReadmeQuery is what the document limits add to an
// ordinary request.
func BenchmarkMeasureReadmeQuery(b *testing.B) {
	q := readmeQueries(b)[1]
	lim := defaultLimits()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lim.measure(q, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMeasureCachedReadmeQuery is what the document limits add to a
// request whose document is in the query cache.
func BenchmarkMeasureCachedReadmeQuery(b *testing.B) {
	doc, errs := gqlparser.LoadQueryWithRules(testSchema(), readmeQueries(b)[1], nil)
	if errs != nil {
		b.Fatal(errs)
	}
	lim := defaultLimits()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lim.measureParsed(doc, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRepeatedQuery is a whole request of a small query the handler
// has seen before (its document in gqlgen's query cache), without the
// network or the tenant: the share of the limits in the common request.
func BenchmarkRepeatedQuery(b *testing.B) {
	h := NewHandler(&resolvers.Resolver{Tenant: "example.test"}, Options{})
	body := queryBody(`query Gateway {
  gateway { tenant simulated apiVersions }
  again: gateway { ...Versions }
}
fragment Versions on Gateway { apiVersions host: tenant }`)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", mediaJSON)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"errors"`) {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkMeasureTokenLimit is the measure of a document just under the
// default token limit: a query of 15000 tokens, the most the limits let
// reach the parser.
func BenchmarkMeasureTokenLimit(b *testing.B) {
	q := "{ gateway { " + strings.Repeat("... on Gateway { tenant } ", 14996/6) + "} }"
	lim := defaultLimits()
	lim.maxSelectionFields = math.MaxInt32
	size, err := lim.measure(q, "")
	if err != nil || size.tokens < 14900 {
		b.Fatalf("%+v %v", size, err)
	}
	b.SetBytes(int64(len(q)))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = lim.measure(q, "")
	}
}

// The cost estimate and the depth measure cost each fragment once: on the
// 30-level fragment document (which validates in well under a millisecond)
// they count 2^30 spreads of startDate, where walking them would take
// minutes.
func TestCostAndDepthOfAFragmentBomb(t *testing.T) {
	schema := testSchema()
	doc, errs := gqlparser.LoadQueryWithRules(schema, fragmentBomb("Identity", `identity(id: "a")`, "startDate", 30), nil)
	if errs != nil {
		t.Fatal(errs)
	}
	op := doc.Operations[0]
	if got, want := newCostModel(schema).estimate(op, nil), 1+1<<30; got != want {
		t.Errorf("estimate %d, want %d", got, want)
	}
	if s := newMeasurer(doc).set(op.SelectionSet); s.depth != 2 || s.fields != 1+1<<30 || s.width != 1 {
		t.Errorf("depth measure %+v", s)
	}
}

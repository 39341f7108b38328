package httpcache

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/sailgraph/sailgraph/internal/spectest"
	"github.com/sailgraph/sailgraph/upstream/route"
)

func key(t *testing.T, target string) string {
	t.Helper()
	path, query, _ := strings.Cut(target, "?")
	rt, ok := route.Match(http.MethodGet, path)
	if !ok {
		t.Fatalf("no route for %s", path)
	}
	k, ok := canonicalKey(rt, query)
	if !ok {
		t.Fatalf("%s did not canonicalise", target)
	}
	return k
}

func TestCanonicalKey(t *testing.T) {
	same := [][]string{
		{"/beta/historical-identities", "/beta/historical-identities?limit=250&offset=0", "/beta/historical-identities?offset=0&limit=250"},
		{"/beta/historical-identities/i1/access-items", "/beta/historical-identities/i1/access-items?type=account&count=false"},
		{"/beta/historical-identities/i1/events?accessItemTypes=role&accessItemTypes=app", "/beta/historical-identities/i1/events?accessItemTypes=app&accessItemTypes=role&count=false"},
		{"/beta/historical-identities/i1/snapshot-summary", "/beta/historical-identities/i1/snapshot-summary?interval=month&time-zone=UTC"},
		{"/v2024/reports/r1/result", "/v2024/reports/r1/result?completed=false"},
		{"/beta/task-status?filters=id%20in%20(%22a%22)", "/beta/task-status?filters=id+in+%28%22a%22%29"},
	}
	for _, group := range same {
		want := key(t, group[0])
		for _, other := range group[1:] {
			if got := key(t, other); got != want {
				t.Errorf("%s and %s differ:\n%s\n%s", group[0], other, want, got)
			}
		}
	}
	different := []string{
		"/beta/historical-identities/i1/access-items",
		"/beta/historical-identities/i1/access-items?type=role",
		"/beta/historical-identities/i1/access-items?count=true",
		"/beta/historical-identities/i2/access-items",
		"/beta/historical-identities/i1/snapshots/2025-01-01T00:00:00Z/access-items",
		"/beta/historical-identities/i1/events?eventTypes=a",
		"/beta/historical-identities/i1/events?eventTypes=a&eventTypes=b",
		"/beta/task-status?sorters=created",
		"/beta/task-status?sorters=-created",
		"/v2024/reports/r1/result?completed=true",
		"/v2024/reports/r1/result",
	}
	seen := map[string]string{}
	for _, target := range different {
		k := key(t, target)
		if prev, dup := seen[k]; dup {
			t.Errorf("%s and %s share key %s", prev, target, k)
		}
		seen[k] = target
	}
	// Repeated scalar parameters keep their order: the tenant reads the first.
	if key(t, "/beta/task-status?sorters=a&sorters=b") == key(t, "/beta/task-status?sorters=b&sorters=a") {
		t.Error("repeated scalar parameter treated as a set")
	}
}

// TestQueryDefaultsMatchSpec keeps the defaults table honest: every
// schema default of a cached GET's query parameters is in it with the
// spec's value, and every array parameter is a set.
func TestQueryDefaultsMatchSpec(t *testing.T) {
	specs := spectest.Load(t)
	for _, sp := range []*spectest.Spec{specs.Beta, specs.V2024} {
		for path, item := range sp.Doc.Paths.Map() {
			op := item.Get
			if op == nil || uncacheable[op.OperationID] {
				continue
			}
			for _, ref := range op.Parameters {
				p := ref.Value
				if p.In != "query" || p.Schema == nil || p.Schema.Value == nil {
					continue
				}
				s := p.Schema.Value
				if s.Default != nil {
					if got, want := queryDefaults[op.OperationID][p.Name], fmt.Sprint(s.Default); got != want {
						t.Errorf("%s %s: default of %s is %q in the table, %q in the spec", op.OperationID, path, p.Name, got, want)
					}
				}
				if s.Type != nil && s.Type.Is("array") && !slices.Contains(arrayParams[op.OperationID], p.Name) {
					t.Errorf("%s: array parameter %s is not sorted as a set", op.OperationID, p.Name)
				}
			}
		}
	}
}

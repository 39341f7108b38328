package httpcache

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/sailgraph/sailgraph/internal/optest"

	"github.com/sailgraph/sailgraph/upstream/op"
)

func key(t *testing.T, target string) string {
	t.Helper()
	_, query, _ := strings.Cut(target, "?")
	call, ok := op.From(optest.WithCall(context.Background(), http.MethodGet, target))
	if !ok {
		t.Fatalf("no operation for %s", target)
	}
	k, ok := canonicalKey(call, query)
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

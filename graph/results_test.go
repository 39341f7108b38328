package graph

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/sailgraph/sailgraph/cache"
	"github.com/sailgraph/sailgraph/graph/resolvers"
)

// Two documents with the same tokens are one document, whatever their
// whitespace, commas and comments; a document that defines a mutation or
// a subscription anywhere is never looked up (nor one that does not lex),
// while the same words elsewhere (field names, aliases, variable types,
// enum values) change nothing.
func TestAppendTokens(t *testing.T) {
	tokens := func(q string) (string, bool) {
		b, ok := appendTokens(nil, q)
		return string(b), ok
	}
	a, okA := tokens(`query Q($id: ID!) { identity(id: $id) { id displayName } }`)
	b, okB := tokens("# the page\nquery Q( $id : ID! ){identity(id:$id){id,displayName}}\n")
	if !okA || !okB || a != b {
		t.Fatalf("equal documents: %q (%v), %q (%v)", a, okA, b, okB)
	}
	if c, _ := tokens(`query Q($id: ID!) { identity(id: $id) { id } }`); c == a {
		t.Fatal("different documents give equal tokens")
	}
	for _, q := range []string{
		`mutation { cancelReport(taskResultId: "r") }`,
		"# first a comment\nmutation M { cancelReport(taskResultId: \"r\") }",
		`subscription { reportProgress(taskResultId: "r") { state } }`,
		`query A { gateway { tenant } } mutation B { cancelReport(taskResultId: "r") }`,
		`fragment F on Gateway { tenant } subscription S { reportProgress(taskResultId: "r") { state } }`,
		`{ gateway { tenant } } mutation { cancelReport(taskResultId: "r") }`,
		`{ identity(id: "unterminated) { id } }`,
	} {
		if _, ok := tokens(q); ok {
			t.Errorf("looked up: %s", q)
		}
	}
	for _, q := range []string{
		`{ mutation subscription }`,
		`query Q($m: mutation = subscription) { mutation: f(arg: {mutation: subscription}) { subscription } }`,
		`query mutation { gateway { tenant } }`,
		`fragment mutation on Gateway { tenant } query { gateway { ...mutation } }`,
	} {
		if _, ok := tokens(q); !ok {
			t.Errorf("not looked up: %s", q)
		}
	}
}

// events counts the result cache's events.
type events struct {
	mu sync.Mutex
	n  map[cache.Event]int
}

func (e *events) CacheEvent(ev cache.Event, _ string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.n[ev]++
}

func (e *events) count(ev cache.Event) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n[ev]
}

// A query is looked up and kept; a mutation is neither: it costs the
// store nothing and its answer says nothing of the cache.
func TestResultCacheSkipsMutations(t *testing.T) {
	c, err := cache.New(cache.NewMemory(cache.MemoryOptions{}), cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	ev := &events{n: map[cache.Event]int{}}
	srv := httptest.NewServer(withRecord(NewHandler(&resolvers.Resolver{Tenant: "example.test"}, Options{
		Logger:    slog.New(slog.DiscardHandler),
		Results:   cache.NewResults(c, cache.ResultsOptions{Observer: ev}),
		Partition: func(context.Context) (string, bool) { return "p", true },
	})))
	t.Cleanup(srv.Close)
	for _, want := range []string{"MISS", "HIT"} {
		if x := post(t, srv, mediaJSON, mediaJSON, queryBody(`{ gateway { tenant } }`)); x.header.Get(HeaderCache) != want {
			t.Fatalf("query: cache %q, want %s", x.header.Get(HeaderCache), want)
		}
	}
	if ev.count(cache.EventMiss) != 1 || ev.count(cache.EventHit) != 1 || ev.count(cache.EventFill) != 1 {
		t.Fatalf("query events %v", ev.n)
	}
	for range 2 {
		if x := post(t, srv, mediaJSON, mediaJSON, queryBody(`mutation { cancelReport(taskResultId: "x") }`)); x.header.Get(HeaderCache) != "" {
			t.Fatalf("mutation: cache %q", x.header.Get(HeaderCache))
		}
	}
	if ev.count(cache.EventMiss) != 1 || ev.count(cache.EventHit) != 1 || ev.count(cache.EventFill) != 1 {
		t.Fatalf("a mutation asked the result cache: events %v", ev.n)
	}
}

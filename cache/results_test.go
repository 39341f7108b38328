package cache

import (
	"context"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/clocktest"
)

// resultsEnv is two replicas' result caches over one upstream cache and
// one shared second level, on a clock far from the real one (so that
// nothing may read the real time).
type resultsEnv struct {
	clk    *fakeClock
	c      *Cache
	shared *Memory
	a, b   *Results
}

func newResultsEnv(t *testing.T) *resultsEnv {
	clk := clocktest.New(time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC))
	e := &resultsEnv{clk: clk, shared: NewMemory(MemoryOptions{Now: clk.Now})}
	e.c = newTestCache(t, NewMemory(MemoryOptions{Now: clk.Now}), clk, Options{})
	e.a = NewResults(e.c, ResultsOptions{Shared: e.shared, Now: clk.Now})
	e.b = NewResults(e.c, ResultsOptions{Shared: e.shared, Now: clk.Now})
	return e
}

func (e *resultsEnv) get(t *testing.T, r *Results, key, want string) {
	t.Helper()
	body, ok := r.Get(context.Background(), key)
	if want == "" && ok {
		t.Fatalf("got %q, want a miss", body)
	}
	if want != "" && (!ok || string(body) != want) {
		t.Fatalf("got %q (%v), want %q", body, ok, want)
	}
}

// A result kept on one replica is served by the others from the shared
// level, which they copy into their own first level for the rest of the
// result's life, on the results' clock.
func TestResultsAcrossReplicas(t *testing.T) {
	e := newResultsEnv(t)
	ctx := context.Background()
	key := e.a.Key([]byte("query one"))
	if key != e.b.Key([]byte("query one")) || key == e.a.Key([]byte("query two")) {
		t.Fatal("equal material gives different keys, or different material equal ones")
	}
	e.a.Put(ctx, key, []byte("answer"), e.clk.Now().Add(time.Minute), nil)
	e.get(t, e.b, key, "answer") // from the shared level
	if err := e.shared.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	e.get(t, e.b, key, "answer") // from b's own first level now
	e.clk.Advance(time.Minute)
	e.get(t, e.a, key, "")
	e.get(t, e.b, key, "")
	if s := e.a.stats.snapshot(); s.Hits != 0 || s.Misses != 1 || s.Fills != 1 {
		t.Fatalf("replica a counted %+v", s)
	}
}

// A result built from a generation namespace's entries is dropped, on
// every replica and from both levels, when the namespace moves on.
func TestResultsDropWithTheirNamespace(t *testing.T) {
	e := newResultsEnv(t)
	ctx := context.Background()
	const ns = "tenant|tasks"
	gen, err := e.c.generation(ctx, ns)
	if err != nil {
		t.Fatal(err)
	}
	key := e.a.Key([]byte("tasks page"))
	e.a.Put(ctx, key, []byte("tasks"), e.clk.Now().Add(time.Minute), []Dep{{Namespace: ns, Generation: gen}})
	e.get(t, e.a, key, "tasks")
	e.get(t, e.b, key, "tasks")
	if err := e.c.Bump(ctx, ns); err != nil {
		t.Fatal(err)
	}
	e.get(t, e.a, key, "")
	e.get(t, e.b, key, "")
}

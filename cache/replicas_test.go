package cache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/redistest"
	"github.com/sailgraph/sailgraph/internal/waittest"
)

// replicas are n caches, each with its own Redis client, sharing one
// redis-server: n gateway replicas as far as the cache can tell.
func replicas(t *testing.T, srv *redistest.Server, clk *fakeClock, n int, ropts RedisOptions) []*Cache {
	out := make([]*Cache, n)
	for i := range out {
		out[i] = newTestCache(t, NewRedis(testClient(t, srv.Addr()), ropts), clk, Options{})
	}
	return out
}

func TestStampedeAcrossReplicasCallsTheOriginOnce(t *testing.T) {
	srv := redistest.Start(t)
	clk := newFakeClock()
	caches := replicas(t, srv, clk, 3, RedisOptions{Timeout: 10 * time.Second})
	o := newOrigin(`{"id":"i1"}`, Slow)
	gate := o.hold()
	ctx := context.Background()

	const callers = 200
	var started atomic.Int64
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			started.Add(1)
			r, err := caches[i%len(caches)].Get(ctx, identityReq, o.load)
			if err != nil || string(r.Value) != `{"id":"i1"}` {
				t.Errorf("caller %d: %q, %v", i, r.Value, err)
			}
		})
	}
	// Hold the one fill until every caller has asked, so that all 200 are
	// misses arriving while it runs.
	waittest.Until(t, "every caller to ask and the fill to start", func() bool {
		return started.Load() == callers && o.calls.Load() >= 1
	})
	close(gate)
	wg.Wait()
	if n := o.calls.Load(); n != 1 {
		t.Fatalf("origin called %d times for %d concurrent misses on 3 replicas, want 1", n, callers)
	}
	var loads, fills uint64
	for _, c := range caches {
		s := c.Stats()
		loads += s.Loads
		fills += s.Fills
	}
	if loads != 1 || fills != 1 {
		t.Fatalf("loads = %d, fills = %d across replicas, want 1 and 1", loads, fills)
	}
}

func TestRevalidationRunsOnceAcrossReplicas(t *testing.T) {
	srv := redistest.Start(t)
	clk := newFakeClock()
	caches := replicas(t, srv, clk, 3, RedisOptions{Timeout: 10 * time.Second})
	ctx := context.Background()
	o := newOrigin("v1", Slow)
	mustGet(t, caches[0], ctx, identityReq, o)
	clk.Advance(DefaultPolicy()[Slow].Fresh + time.Second)
	o.set("v2", Slow, FailureNone, nil)
	gate := o.hold()

	var wg sync.WaitGroup
	for i := range 60 {
		wg.Go(func() {
			r, err := caches[i%3].Get(ctx, identityReq, o.load)
			if err != nil || r.Status != StatusStale || string(r.Value) != "v1" {
				t.Errorf("stale read: %v %q %v", r.Status, r.Value, err)
			}
		})
	}
	wg.Wait()
	close(gate)
	waittest.Until(t, "the refresh to be stored", func() bool {
		var fills uint64
		for _, c := range caches {
			fills += c.Stats().Fills
		}
		return fills == 2
	})
	for _, c := range caches { // end every background refresh still running
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		if err := c.Close(cctx); err != nil {
			t.Fatal(err)
		}
		cancel()
	}
	if n := o.calls.Load(); n != 2 {
		t.Fatalf("origin called %d times, want 2: the first fill and one refresh for all replicas", n)
	}
	c := newTestCache(t, NewRedis(testClient(t, srv.Addr()), RedisOptions{}), clk, Options{})
	if r := mustGet(t, c, ctx, identityReq, o); r.Status != StatusHit || string(r.Value) != "v2" {
		t.Fatalf("after the refresh: %v %q, want the refreshed v2", r.Status, r.Value)
	}
}

func TestRedisStoppedMidRunEveryRequestIsAnswered(t *testing.T) {
	srv := redistest.Start(t)
	clk := newFakeClock()
	c := newTestCache(t, NewRedis(testClient(t, srv.Addr()), RedisOptions{Timeout: 500 * time.Millisecond, Rest: 200 * time.Millisecond}), clk, Options{})
	ctx := context.Background()
	o := newOrigin("v1", Slow)
	reqs := make([]Request, 5)
	for i := range reqs {
		reqs[i] = identityReq
		reqs[i].Key += string(rune('a' + i))
		if i%2 == 1 {
			reqs[i].Namespace = "sim|tasks" // a generation read first
		}
	}

	// Eight workers read all the time, across the outage and the restart.
	var answered, hits, bypassed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r, err := c.Get(ctx, reqs[i%len(reqs)], o.load)
				if err != nil || string(r.Value) != "v1" {
					t.Errorf("request failed: %q, %v", r.Value, err)
					return
				}
				answered.Add(1)
				switch r.Status {
				case StatusHit:
					hits.Add(1)
				case StatusBypass:
					bypassed.Add(1)
				}
			}
		})
	}
	defer func() { close(stop); wg.Wait() }()
	waittest.Until(t, "hits before the outage", func() bool { return hits.Load() > 100 })

	srv.Stop()
	before := answered.Load()
	waittest.Until(t, "requests answered during the outage", func() bool {
		return answered.Load() > before+200 && bypassed.Load() > 0
	})
	if s := c.Stats(); s.StoreErrors == 0 {
		t.Fatalf("no store error counted during the outage: %+v", s)
	}
	if err := c.Invalidate(ctx, reqs[0]); err == nil {
		t.Fatal("invalidation reported success with Redis down")
	}

	srv.Restart()
	hitsBefore := hits.Load()
	waittest.Until(t, "the cache to serve hits again after Redis restarts", func() bool { return hits.Load() > hitsBefore+100 })
}

func TestClusterEngine(t *testing.T) {
	cl := redistest.StartCluster(t, 3)
	clk := newFakeClock()
	c := newTestCache(t, NewRedis(cl.Client(t), RedisOptions{Timeout: 5 * time.Second}), clk, Options{})
	ctx := context.Background()
	o := newOrigin("v1", Slow)
	var reqs []Request
	for _, k := range []string{"a", "b", "c", "d", "e", "f"} {
		r := identityReq
		r.Key += k
		r.Namespace = "sim|tasks"
		reqs = append(reqs, r)
		mustGet(t, c, ctx, r, o)
		if got := mustGet(t, c, ctx, r, o); got.Status != StatusHit {
			t.Fatalf("cluster: %s not cached: %v", k, got.Status)
		}
	}
	if err := c.Invalidate(ctx, reqs...); err != nil {
		t.Fatalf("invalidating keys in many slots: %v", err)
	}
	if got := mustGet(t, c, ctx, reqs[3], o); got.Status != StatusMiss {
		t.Fatalf("after invalidation: %v", got.Status)
	}
	if err := c.Bump(ctx, "sim|tasks"); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, c, ctx, reqs[3], o); got.Status != StatusMiss {
		t.Fatalf("after bump: %v", got.Status)
	}
	if s := c.Stats(); s.StoreErrors != 0 || s.Bypasses != 0 {
		t.Fatalf("store errors on a healthy cluster: %+v", s)
	}
}

func TestRedisStoreRestsAfterAFailure(t *testing.T) {
	srv := redistest.Start(t)
	s := NewRedis(testClient(t, srv.Addr()), RedisOptions{Timeout: time.Second, Rest: time.Hour})
	ctx := context.Background()
	if err := s.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if _, _, err := s.Get(ctx, "k"); err == nil || errors.Is(err, ErrStoreUnavailable) {
		t.Fatalf("first get on a stopped Redis: %v, want the network error", err)
	}
	srv.Restart()
	if _, _, err := s.Get(ctx, "k"); !errors.Is(err, ErrStoreUnavailable) {
		t.Fatalf("get while resting: %v, want ErrStoreUnavailable without trying", err)
	}
	// A caller's own cancelled context is not Redis failing.
	s2 := NewRedis(testClient(t, srv.Addr()), RedisOptions{Rest: time.Hour})
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := s2.Get(cctx, "k"); err == nil {
		t.Fatal("get with a cancelled context succeeded")
	}
	if _, _, err := s2.Get(ctx, "k"); err != nil {
		t.Fatalf("the store rests after a caller gave up: %v", err)
	}
}

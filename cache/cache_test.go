package cache

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/waittest"
)

// engineCase is one behaviour of the engine, run against every store kind.
type engineCase struct {
	name string
	run  func(t *testing.T, env *engineEnv)
}

// engineEnv is one cache over a fresh store, with a fake clock.
type engineEnv struct {
	clk   *fakeClock
	store Store
	c     *Cache
	ctx   context.Context
}

func (e *engineEnv) newCache(t *testing.T, opts Options) *Cache {
	return newTestCache(t, e.store, e.clk, opts)
}

var identityReq = Request{Scope: "sim|client-a", Key: "beta getHistoricalIdentity id=i1", Operation: "getHistoricalIdentity", Resource: "i1"}

var engineCases = []engineCase{
	{"miss then hit", func(t *testing.T, env *engineEnv) {
		o := newOrigin(`{"id":"i1"}`, Slow)
		r := mustGet(t, env.c, env.ctx, identityReq, o)
		if r.Status != StatusMiss || string(r.Value) != `{"id":"i1"}` {
			t.Fatalf("first get = %v %q", r.Status, r.Value)
		}
		env.clk.Advance(time.Minute)
		o.set("changed", Slow, FailureNone, nil)
		r = mustGet(t, env.c, env.ctx, identityReq, o)
		if r.Status != StatusHit || string(r.Value) != `{"id":"i1"}` || r.Age != time.Minute {
			t.Fatalf("second get = %v %q age %s; want the stored answer, a minute old", r.Status, r.Value, r.Age)
		}
		if n := o.calls.Load(); n != 1 {
			t.Fatalf("origin called %d times, want 1", n)
		}
		if s := env.c.Stats(); s.Hits != 1 || s.Misses != 1 || s.Fills != 1 || s.Loads != 1 {
			t.Fatalf("stats = %+v", s)
		}
	}},
	{"expiry", func(t *testing.T, env *engineEnv) {
		o := newOrigin("v1", Slow)
		mustGet(t, env.c, env.ctx, identityReq, o)
		env.clk.Advance(DefaultPolicy()[Slow].Keep() + time.Second)
		o.set("v2", Slow, FailureNone, nil)
		r := mustGet(t, env.c, env.ctx, identityReq, o)
		if r.Status != StatusMiss || string(r.Value) != "v2" || o.calls.Load() != 2 {
			t.Fatalf("after expiry: %v %q, %d calls; want a new origin answer", r.Status, r.Value, o.calls.Load())
		}
	}},
	{"stale while revalidate", func(t *testing.T, env *engineEnv) {
		o := newOrigin("v1", Slow)
		mustGet(t, env.c, env.ctx, identityReq, o)
		life := DefaultPolicy()[Slow]
		env.clk.Advance(life.Fresh + life.Revalidate/2)
		o.set("v2", Slow, FailureNone, nil)
		r := mustGet(t, env.c, env.ctx, identityReq, o)
		if r.Status != StatusStale || r.Reason != StaleRevalidating || string(r.Value) != "v1" || r.Age != life.Fresh+life.Revalidate/2 {
			t.Fatalf("stale get = %v %v %q age %s; want v1 served at once, %s old", r.Status, r.Reason, r.Value, r.Age, life.Fresh+life.Revalidate/2)
		}
		waittest.Until(t, "the background refresh", func() bool { return env.c.Stats().Fills == 2 })
		r = mustGet(t, env.c, env.ctx, identityReq, o)
		if r.Status != StatusHit || string(r.Value) != "v2" {
			t.Fatalf("after refresh: %v %q; want the refreshed v2", r.Status, r.Value)
		}
		if n := o.calls.Load(); n != 2 {
			t.Fatalf("origin called %d times, want 2", n)
		}
	}},
	{"revalidation runs once for concurrent stale reads", func(t *testing.T, env *engineEnv) {
		o := newOrigin("v1", Slow)
		mustGet(t, env.c, env.ctx, identityReq, o)
		env.clk.Advance(DefaultPolicy()[Slow].Fresh + time.Second)
		gate := o.hold()
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				if r, err := env.c.Get(env.ctx, identityReq, o.load); err != nil || r.Status != StatusStale {
					t.Errorf("stale read = %v, %v", r.Status, err)
				}
			})
		}
		wg.Wait()
		close(gate)
		waittest.Until(t, "the refresh", func() bool { return env.c.Stats().Fills == 2 })
		if n := o.calls.Load(); n != 2 {
			t.Fatalf("origin called %d times, want 2 (fill and one refresh)", n)
		}
	}},
	{"serve stale on 429", func(t *testing.T, env *engineEnv) {
		testStaleOnFailure(t, env, FailureRateLimited, nil, StaleRateLimited)
	}},
	{"serve stale on 5xx", func(t *testing.T, env *engineEnv) {
		testStaleOnFailure(t, env, FailureUnavailable, nil, StaleUnavailable)
	}},
	{"serve stale on a connection error", func(t *testing.T, env *engineEnv) {
		testStaleOnFailure(t, env, FailureNone, errConnRefused, StaleUnavailable)
	}},
	{"no stale past the grace window", func(t *testing.T, env *engineEnv) {
		o := newOrigin("v1", Slow)
		mustGet(t, env.c, env.ctx, identityReq, o)
		env.clk.Advance(DefaultPolicy()[Slow].Keep() + time.Second)
		o.set("429 body", NoStore, FailureRateLimited, nil)
		r := mustGet(t, env.c, env.ctx, identityReq, o)
		if r.Status != StatusMiss || string(r.Value) != "429 body" {
			t.Fatalf("past grace: %v %q; want the origin's refusal", r.Status, r.Value)
		}
		o.set("", NoStore, FailureUnavailable, errConnRefused)
		if _, err := env.c.Get(env.ctx, identityReq, o.load); !errors.Is(err, errConnRefused) {
			t.Fatalf("past grace, origin down: err = %v, want the origin's", err)
		}
	}},
	{"failures are not stored", func(t *testing.T, env *engineEnv) {
		o := newOrigin("busy", NoStore)
		o.set("busy", Slow, FailureRateLimited, nil) // even with a class
		mustGet(t, env.c, env.ctx, identityReq, o)
		o.set("v1", Slow, FailureNone, nil)
		r := mustGet(t, env.c, env.ctx, identityReq, o)
		if r.Status != StatusMiss || string(r.Value) != "v1" || o.calls.Load() != 2 {
			t.Fatalf("after a 429: %v %q; want a new origin call", r.Status, r.Value)
		}
	}},
	{"principal isolation", func(t *testing.T, env *engineEnv) {
		a, b := identityReq, identityReq
		b.Scope = "sim|client-b"
		oa, ob := newOrigin("answer for a", Slow), newOrigin("answer for b", Slow)
		for range 3 {
			if r := mustGet(t, env.c, env.ctx, a, oa); string(r.Value) != "answer for a" {
				t.Fatalf("a got %q", r.Value)
			}
			if r := mustGet(t, env.c, env.ctx, b, ob); string(r.Value) != "answer for b" {
				t.Fatalf("b got %q", r.Value)
			}
		}
		if oa.calls.Load() != 1 || ob.calls.Load() != 1 {
			t.Fatalf("origin calls a=%d b=%d, want one each", oa.calls.Load(), ob.calls.Load())
		}
		// A stale serve stays in its scope too.
		env.clk.Advance(DefaultPolicy()[Slow].Keep() - time.Second)
		oa.set("", NoStore, FailureRateLimited, nil)
		if r := mustGet(t, env.c, env.ctx, a, oa); r.Status != StatusStale || string(r.Value) != "answer for a" {
			t.Fatalf("a stale: %v %q", r.Status, r.Value)
		}
		nobody := identityReq
		nobody.Scope = ""
		if r := mustGet(t, env.c, env.ctx, nobody, newOrigin("uncached", Slow)); r.Status != StatusBypass {
			t.Fatalf("a request without a scope was %v, want bypass", r.Status)
		}
	}},
	{"invalidate drops entries", func(t *testing.T, env *engineEnv) {
		other := identityReq
		other.Key += "&other"
		o := newOrigin("v1", Immutable)
		mustGet(t, env.c, env.ctx, identityReq, o)
		mustGet(t, env.c, env.ctx, other, o)
		if err := env.c.Invalidate(env.ctx, identityReq); err != nil {
			t.Fatal(err)
		}
		if r := mustGet(t, env.c, env.ctx, identityReq, o); r.Status != StatusMiss {
			t.Fatalf("invalidated entry: %v", r.Status)
		}
		if r := mustGet(t, env.c, env.ctx, other, o); r.Status != StatusHit {
			t.Fatalf("untouched entry: %v", r.Status)
		}
	}},
	{"bump drops a namespace in every scope", func(t *testing.T, env *engineEnv) {
		ns := "sim|tasks"
		list1 := Request{Scope: "sim|a", Key: "getTaskStatusList limit=250", Namespace: ns, Operation: "getTaskStatusList"}
		list2 := Request{Scope: "sim|b", Key: "getTaskStatusList filters=x", Namespace: ns, Operation: "getTaskStatusList"}
		outside := Request{Scope: "sim|a", Key: "getReportResult", Operation: "getReportResult"}
		o := newOrigin("v1", Slow)
		for _, r := range []Request{list1, list2, outside} {
			mustGet(t, env.c, env.ctx, r, o)
			if got := mustGet(t, env.c, env.ctx, r, o); got.Status != StatusHit {
				t.Fatalf("%s not cached: %v", r.Key, got.Status)
			}
		}
		if err := env.c.Bump(env.ctx, ns); err != nil {
			t.Fatal(err)
		}
		for _, r := range []Request{list1, list2} {
			if got := mustGet(t, env.c, env.ctx, r, o); got.Status != StatusMiss {
				t.Fatalf("%s after bump: %v, want miss", r.Key, got.Status)
			}
			if got := mustGet(t, env.c, env.ctx, r, o); got.Status != StatusHit {
				t.Fatalf("%s in the new generation: %v, want hit", r.Key, got.Status)
			}
		}
		if got := mustGet(t, env.c, env.ctx, outside, o); got.Status != StatusHit {
			t.Fatalf("entry outside the namespace after bump: %v, want hit", got.Status)
		}
	}},
	{"volatile is never revalidated stale and 404 never served stale", func(t *testing.T, env *engineEnv) {
		o := newOrigin("running", Volatile)
		mustGet(t, env.c, env.ctx, identityReq, o)
		env.clk.Advance(DefaultPolicy()[Volatile].Fresh + time.Millisecond)
		o.set("done", Immutable, FailureNone, nil)
		if r := mustGet(t, env.c, env.ctx, identityReq, o); r.Status != StatusMiss || string(r.Value) != "done" {
			t.Fatalf("volatile past fresh: %v %q; want the origin", r.Status, r.Value)
		}
		nf := identityReq
		nf.Key += "&404"
		o404 := newOrigin("not found", NotFound)
		mustGet(t, env.c, env.ctx, nf, o404)
		if r := mustGet(t, env.c, env.ctx, nf, o404); r.Status != StatusHit {
			t.Fatalf("404 not cached: %v", r.Status)
		}
		env.clk.Advance(DefaultPolicy()[NotFound].Fresh + time.Millisecond)
		o404.set("", NoStore, FailureUnavailable, nil)
		if r := mustGet(t, env.c, env.ctx, nf, o404); r.Status == StatusStale {
			t.Fatal("a 404 was served stale")
		}
	}},
	{"nostore and oversized answers are served, not stored", func(t *testing.T, env *engineEnv) {
		o := newOrigin("download", NoStore)
		mustGet(t, env.c, env.ctx, identityReq, o)
		mustGet(t, env.c, env.ctx, identityReq, o)
		if o.calls.Load() != 2 {
			t.Fatalf("NoStore answer cached: %d calls", o.calls.Load())
		}
		small := env.newCache(t, Options{MaxEntryBytes: 256, CompressAbove: -1})
		big := newOrigin(strings.Repeat("x", 300), Slow)
		for range 2 {
			if r := mustGet(t, small, env.ctx, identityReq, big); r.Status != StatusMiss || len(r.Value) != 300 {
				t.Fatalf("oversized: %v %d bytes", r.Status, len(r.Value))
			}
		}
		if s := small.Stats(); s.TooLarge != 2 || s.Fills != 0 {
			t.Fatalf("stats = %+v, want 2 too large, no fills", s)
		}
	}},
	{"compressed entries round trip", func(t *testing.T, env *engineEnv) {
		page := "[" + strings.Repeat(`{"id":"2c9180835d2e5168015d32f890ca1581","type":"account","displayName":"Alice"},`, 250) + "{}]"
		o := newOrigin(page, Slow)
		mustGet(t, env.c, env.ctx, identityReq, o)
		if r := mustGet(t, env.c, env.ctx, identityReq, o); r.Status != StatusHit || string(r.Value) != page {
			t.Fatalf("compressed hit: %v, %d bytes", r.Status, len(r.Value))
		}
	}},
	{"concurrent misses in one process make one call", func(t *testing.T, env *engineEnv) {
		o := newOrigin("v1", Slow)
		gate := o.hold()
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				if r, err := env.c.Get(env.ctx, identityReq, o.load); err != nil || string(r.Value) != "v1" {
					t.Errorf("get = %q, %v", r.Value, err)
				}
			})
		}
		waittest.Until(t, "the fill to start", func() bool { return o.calls.Load() == 1 })
		close(gate)
		wg.Wait()
		if n := o.calls.Load(); n != 1 {
			t.Fatalf("origin called %d times, want 1", n)
		}
	}},
	{"a caller that gives up does not fail the fill", func(t *testing.T, env *engineEnv) {
		o := newOrigin("v1", Slow)
		gate := o.hold()
		ctx, cancel := context.WithCancel(env.ctx)
		done := make(chan error, 1)
		go func() {
			_, err := env.c.Get(ctx, identityReq, o.load)
			done <- err
		}()
		waittest.Until(t, "the fill to start", func() bool { return o.calls.Load() == 1 })
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("abandoned get: %v", err)
		}
		close(gate)
		waittest.Until(t, "the fill to be stored", func() bool { return env.c.Stats().Fills == 1 })
		if r := mustGet(t, env.c, env.ctx, identityReq, o); r.Status != StatusHit {
			t.Fatalf("after the abandoned fill: %v, want hit", r.Status)
		}
	}},
	{"a panicking loader is an error", func(t *testing.T, env *engineEnv) {
		_, err := env.c.Get(env.ctx, identityReq, func(context.Context) (Fetched, error) { panic("boom") })
		if err == nil || !strings.Contains(err.Error(), "boom") {
			t.Fatalf("err = %v", err)
		}
	}},
}

func testStaleOnFailure(t *testing.T, env *engineEnv, failure Failure, err error, want StaleReason) {
	t.Helper()
	o := newOrigin("v1", Slow)
	mustGet(t, env.c, env.ctx, identityReq, o)
	life := DefaultPolicy()[Slow]
	age := life.Fresh + life.Revalidate + time.Minute // past revalidation, within grace
	env.clk.Advance(age)
	o.set("refused", NoStore, failure, err)
	r := mustGet(t, env.c, env.ctx, identityReq, o)
	if r.Status != StatusStale || r.Reason != want || string(r.Value) != "v1" || r.Age != age {
		t.Fatalf("got %v %v %q age %s; want v1 stale (%v), %s old", r.Status, r.Reason, r.Value, r.Age, want, age)
	}
	if s := env.c.Stats(); s.StaleOnError != 1 {
		t.Fatalf("stale on error = %d, want 1", s.StaleOnError)
	}
	// The origin recovers: the next read is fresh again.
	o.set("v2", Slow, FailureNone, nil)
	if r := mustGet(t, env.c, env.ctx, identityReq, o); r.Status != StatusMiss || string(r.Value) != "v2" {
		t.Fatalf("after recovery: %v %q", r.Status, r.Value)
	}
}

func TestEngine(t *testing.T) {
	for _, kind := range storeKinds() {
		t.Run(kind.name, func(t *testing.T) {
			for _, tc := range engineCases {
				t.Run(tc.name, func(t *testing.T) {
					clk := newFakeClock()
					env := &engineEnv{clk: clk, store: kind.make(t, clk), ctx: context.Background()}
					env.c = env.newCache(t, Options{})
					tc.run(t, env)
				})
			}
		})
	}
}

type recordingObserver struct {
	mu     sync.Mutex
	events []string
}

func (o *recordingObserver) CacheEvent(e Event, operation string) {
	o.mu.Lock()
	o.events = append(o.events, e.String()+"/"+operation)
	o.mu.Unlock()
}

func TestObserverSeesEveryCountedEvent(t *testing.T) {
	clk := newFakeClock()
	var obs recordingObserver
	c := newTestCache(t, NewMemory(MemoryOptions{Now: clk.Now}), clk, Options{Observer: &obs})
	ctx := context.Background()
	o := newOrigin("v1", Slow)
	mustGet(t, c, ctx, identityReq, o)
	mustGet(t, c, ctx, identityReq, o)
	want := []string{"miss/getHistoricalIdentity", "load/getHistoricalIdentity", "fill/getHistoricalIdentity", "hit/getHistoricalIdentity"}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if strings.Join(obs.events, " ") != strings.Join(want, " ") {
		t.Fatalf("observed %v, want %v", obs.events, want)
	}
	if s := c.Stats(); s.Misses != 1 || s.Loads != 1 || s.Fills != 1 || s.Hits != 1 {
		t.Fatalf("snapshot %+v disagrees with the observer", s)
	}
}

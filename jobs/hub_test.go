package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sailgraph/sailgraph/apierr"
	"github.com/sailgraph/sailgraph/internal/redistest"
	"github.com/sailgraph/sailgraph/internal/waittest"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

// script is a Source whose jobs' states the test sets: each job's state is
// a step number (its last step final), or an error. It counts the polls
// each hub makes, by the owner the test gives its source.
type script struct {
	owner string
	polls *pollCount

	mu    *sync.Mutex
	step  map[string]int
	last  int
	fails map[string]error
}

type pollCount struct {
	mu sync.Mutex
	by map[string]int
}

func (c *pollCount) add(owner string) {
	c.mu.Lock()
	c.by[owner]++
	c.mu.Unlock()
}

func (c *pollCount) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.by {
		out[k] = v
	}
	return out
}

func (c *pollCount) total() int {
	n := 0
	for _, v := range c.snapshot() {
		n += v
	}
	return n
}

// tenant is the shared truth the scripts of every hub read.
type tenant struct {
	mu    sync.Mutex
	step  map[string]int
	fails map[string]error
	last  int
	polls *pollCount
}

func newTenant(last int) *tenant {
	return &tenant{step: map[string]int{}, fails: map[string]error{}, last: last, polls: &pollCount{by: map[string]int{}}}
}

func (tn *tenant) set(id string, step int) {
	tn.mu.Lock()
	tn.step[id] = step
	tn.mu.Unlock()
}

func (tn *tenant) fail(id string, err error) {
	tn.mu.Lock()
	tn.fails[id] = err
	tn.mu.Unlock()
}

func (tn *tenant) source(owner string) *script {
	return &script{owner: owner, polls: tn.polls, mu: &tn.mu, step: tn.step, last: tn.last, fails: tn.fails}
}

func (s *script) Operation() *op.Operation { return op.GetReportResult }
func (s *script) Batch() int               { return 1 }

func (s *script) Poll(ctx context.Context, jobs []Job) []Result {
	out := make([]Result, len(jobs))
	if _, ok := principal.From(ctx); !ok {
		panic("poll without a principal")
	}
	for i, j := range jobs {
		s.polls.add(s.owner)
		s.mu.Lock()
		step, err := s.step[j.IDs[0]], s.fails[j.IDs[0]]
		s.mu.Unlock()
		if err != nil {
			out[i].Err = err
			continue
		}
		out[i] = Result{State: step, Final: step >= s.last}
	}
	return out
}

// fastOptions polls every 10-80ms with a lease of 300ms.
func fastOptions(store Store, src Source, owner string) Options {
	return Options{
		Store: store, Sources: map[Kind]Source{Report: src}, Owner: owner,
		Intervals: Intervals{First: 10 * time.Millisecond, Max: 80 * time.Millisecond, Growth: 1.5, BusyMax: 200 * time.Millisecond},
		LeaseTTL:  300 * time.Millisecond, Renew: 50 * time.Millisecond,
		PollTimeout: 5 * time.Second,
	}
}

func startHub(t *testing.T, o Options) *Hub {
	t.Helper()
	h, err := NewHub(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close(context.Background()) })
	return h
}

func newClient(t *testing.T, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true,
		DialTimeout: 500 * time.Millisecond, ReadTimeout: time.Second, WriteTimeout: time.Second, MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func uniquePrefix() string { return fmt.Sprintf("j%016x", rand.Uint64()) }

var testPrincipal = principal.ForClient("sim", "client")

// next waits for the subscription's next update, failing the test after a
// generous deadline.
func next(t *testing.T, s *Subscription) Update {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u, ok := s.Next(ctx)
	if !ok {
		t.Fatalf("no update for %s", s.Job())
	}
	return u
}

func stepOf(t *testing.T, u Update) int {
	t.Helper()
	var n int
	if err := json.Unmarshal(u.State, &n); err != nil {
		t.Fatalf("state %s: %v", u.State, err)
	}
	return n
}

// stores runs f against hubs sharing a MemoryStore and hubs sharing one
// real Redis, each hub on its own client.
func stores(t *testing.T, f func(t *testing.T, newStore func(t *testing.T) Store)) {
	t.Run("memory", func(t *testing.T) {
		shared := NewMemoryStore()
		f(t, func(*testing.T) Store { return shared })
	})
	t.Run("redis", func(t *testing.T) {
		srv := redistest.Start(t)
		prefix := uniquePrefix()
		f(t, func(t *testing.T) Store {
			return NewRedisStore(newClient(t, srv.Addr()), RedisStoreOptions{Prefix: prefix})
		})
	})
	t.Run("cluster", func(t *testing.T) {
		cl := redistest.StartCluster(t, 3)
		prefix := uniquePrefix()
		f(t, func(t *testing.T) Store {
			return NewRedisStore(cl.Client(t), RedisStoreOptions{Prefix: prefix})
		})
	})
}

// TestOnePollerPerJob: three hubs, ten subscribers each on one job. One
// hub polls; every subscriber gets the current state at once, each change
// once, and the final state, after which nothing polls.
func TestOnePollerPerJob(t *testing.T) {
	stores(t, func(t *testing.T, newStore func(*testing.T) Store) {
		tn := newTenant(3)
		tn.set("r1", 1)
		var hubs []*Hub
		for i := range 3 {
			owner := fmt.Sprintf("hub-%d", i)
			hubs = append(hubs, startHub(t, fastOptions(newStore(t), tn.source(owner), owner)))
		}
		job := ReportJob(testPrincipal, "r1")
		var subs []*Subscription
		for _, h := range hubs {
			for range 10 {
				s, err := h.Subscribe(job)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(s.Close)
				subs = append(subs, s)
			}
		}
		for _, s := range subs {
			if u := next(t, s); stepOf(t, u) != 1 || u.Final {
				t.Fatalf("first update %+v, want step 1", u)
			}
		}
		// Polls that find nothing new send nothing.
		waittest.Until(t, "several polls", func() bool { return tn.polls.total() >= 5 })
		for _, step := range []int{2, 3} {
			tn.set("r1", step)
			for _, s := range subs {
				u := next(t, s)
				if stepOf(t, u) != step || u.Final != (step == 3) {
					t.Fatalf("update %+v, want step %d", u, step)
				}
			}
		}
		byOwner := tn.polls.snapshot()
		if len(byOwner) != 1 {
			t.Fatalf("polls by hub: %v, want one poller", byOwner)
		}
		// Ended: no more polls, and Next has nothing more.
		total := tn.polls.total()
		for _, h := range hubs {
			waittest.Until(t, "the poller to stop", func() bool { return h.Stats().Polling == 0 })
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if u, ok := subs[0].Next(ctx); ok {
			t.Fatalf("an update after the final one: %+v", u)
		}
		if got := tn.polls.total(); got > total+1 {
			t.Fatalf("%d polls after the final state", got-total)
		}
		// A late subscriber gets the final state without a poll.
		late, err := hubs[2].Subscribe(job)
		if err != nil {
			t.Fatal(err)
		}
		defer late.Close()
		before := tn.polls.total()
		if u := next(t, late); !u.Final || stepOf(t, u) != 3 {
			t.Fatalf("late subscriber got %+v, want the final state", u)
		}
		if tn.polls.total() != before {
			t.Fatal("a late subscriber to an ended job caused a poll")
		}
	})
}

// TestFailover kills the polling hub (its Redis connection first, so it
// cannot hand its lease over): another hub takes the lease once it
// expires, starts from the stored state, and every remaining subscriber
// gets the final state.
func TestFailover(t *testing.T) {
	srv := redistest.Start(t)
	prefix := uniquePrefix()
	tn := newTenant(2)
	tn.set("r1", 1)
	type replica struct {
		hub    *Hub
		client *redis.Client
		owner  string
	}
	var rs []replica
	for i := range 3 {
		owner := fmt.Sprintf("hub-%d", i)
		c := newClient(t, srv.Addr())
		rs = append(rs, replica{startHub(t, fastOptions(NewRedisStore(c, RedisStoreOptions{Prefix: prefix}), tn.source(owner), owner)), c, owner})
	}
	job := ReportJob(testPrincipal, "r1")
	subs := map[string][]*Subscription{}
	for _, r := range rs {
		for range 5 {
			s, err := r.hub.Subscribe(job)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(s.Close)
			subs[r.owner] = append(subs[r.owner], s)
		}
	}
	for _, ss := range subs {
		for _, s := range ss {
			next(t, s)
		}
	}
	var poller replica
	waittest.Until(t, "a poller", func() bool {
		for _, r := range rs {
			if r.hub.Stats().Polling == 1 {
				poller = r
				return true
			}
		}
		return false
	})
	_ = poller.client.Close()
	_ = poller.hub.Close(context.Background())
	killed := time.Now()
	before := tn.polls.snapshot()
	waittest.Until(t, "another hub to poll", func() bool {
		for owner, n := range tn.polls.snapshot() {
			if owner != poller.owner && n > before[owner] {
				return true
			}
		}
		return false
	})
	t.Logf("failover: another hub polled %v after the poller died (lease TTL 300ms)", time.Since(killed).Round(time.Millisecond))
	tn.set("r1", 2)
	for owner, ss := range subs {
		if owner == poller.owner {
			continue
		}
		for _, s := range ss {
			if u := next(t, s); !u.Final || stepOf(t, u) != 2 {
				t.Fatalf("%s: %+v, want the final state", owner, u)
			}
		}
	}
	var pollers int
	for owner, n := range tn.polls.snapshot() {
		if owner != poller.owner && n > before[owner] {
			pollers++
		}
	}
	if pollers != 1 {
		t.Fatalf("%d hubs polled after the failover, want 1: %v", pollers, tn.polls.snapshot())
	}
}

// TestGracefulHandover closes the polling hub normally: it gives up its
// lease, and another hub polls long before the lease would have expired.
func TestGracefulHandover(t *testing.T) {
	srv := redistest.Start(t)
	prefix := uniquePrefix()
	tn := newTenant(2)
	tn.set("r1", 1)
	var hubs []*Hub
	for i := range 2 {
		owner := fmt.Sprintf("hub-%d", i)
		o := fastOptions(NewRedisStore(newClient(t, srv.Addr()), RedisStoreOptions{Prefix: prefix}), tn.source(owner), owner)
		o.LeaseTTL, o.Renew = time.Minute, 50*time.Millisecond
		hubs = append(hubs, startHub(t, o))
	}
	job := ReportJob(testPrincipal, "r1")
	var subs []*Subscription
	for _, h := range hubs {
		s, err := h.Subscribe(job)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		subs = append(subs, s)
		next(t, s)
	}
	var poller, other int
	waittest.Until(t, "a poller", func() bool {
		for i, h := range hubs {
			if h.Stats().Polling == 1 {
				poller, other = i, 1-i
				return true
			}
		}
		return false
	})
	if err := hubs[poller].Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ok := subs[poller].Next(context.Background()); ok {
		t.Fatal("a subscription of a closed hub still gets updates")
	}
	tn.set("r1", 2)
	if u := next(t, subs[other]); !u.Final {
		t.Fatalf("%+v, want the final state within the test's deadline (the lease lasts a minute)", u)
	}
}

// TestStoreDown stops Redis under a hub: its subscribers keep getting
// updates (the hub polls on its own), and it returns to leases when Redis
// is back.
func TestStoreDown(t *testing.T) {
	srv := redistest.Start(t)
	tn := newTenant(4)
	tn.set("r1", 1)
	o := fastOptions(NewRedisStore(newClient(t, srv.Addr()), RedisStoreOptions{Prefix: uniquePrefix(), Timeout: 200 * time.Millisecond}), tn.source("hub"), "hub")
	h := startHub(t, o)
	s, err := h.Subscribe(ReportJob(testPrincipal, "r1"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if u := next(t, s); stepOf(t, u) != 1 || u.Seq == 0 {
		t.Fatalf("%+v, want step 1 from the store", u)
	}
	srv.Stop()
	tn.set("r1", 2)
	if u := next(t, s); stepOf(t, u) != 2 {
		t.Fatalf("%+v, want step 2 while Redis is down", u)
	}
	srv.Restart()
	// Back on Redis, the hub stores what it found meanwhile, for the
	// other replicas and late subscribers.
	raw := newClient(t, srv.Addr())
	key := o.Store.(*RedisStore).state(ReportJob(testPrincipal, "r1").Key())
	waittest.Until(t, "step 2 in the store", func() bool {
		body, err := raw.HGet(context.Background(), key, "body").Result()
		return err == nil && strings.Contains(body, `"state":2`)
	})
	tn.set("r1", 3)
	if u := next(t, s); stepOf(t, u) != 3 || u.Seq == 0 {
		t.Fatalf("%+v, want step 3 from the store", u)
	}
	tn.set("r1", 4)
	if u := next(t, s); !u.Final || stepOf(t, u) != 4 {
		t.Fatalf("%+v, want the final state", u)
	}
}

// TestErrors: an unknown id ends the job with NOT_FOUND; a tenant that
// is unavailable or rate limited is tried again, unseen by subscribers.
func TestErrors(t *testing.T) {
	stores(t, func(t *testing.T, newStore func(*testing.T) Store) {
		tn := newTenant(2)
		tn.fail("missing", isc.NewAPIError(404, "getReportResult", "404", "", nil))
		tn.fail("flaky", isc.NewAPIError(503, "getReportResult", "", "", nil))
		h := startHub(t, fastOptions(newStore(t), tn.source("hub"), "hub"))
		missing, err := h.Subscribe(ReportJob(testPrincipal, "missing"))
		if err != nil {
			t.Fatal(err)
		}
		defer missing.Close()
		if u := next(t, missing); !u.Final || u.Err == nil || u.Err.Code != apierr.NotFound {
			t.Fatalf("%+v, want a final NOT_FOUND", u)
		}
		flaky, err := h.Subscribe(ReportJob(testPrincipal, "flaky"))
		if err != nil {
			t.Fatal(err)
		}
		defer flaky.Close()
		waittest.Until(t, "polls of the failing job", func() bool { return tn.polls.total() >= 4 })
		tn.fail("flaky", &isc.RateLimitedError{RetryAfter: 20 * time.Millisecond})
		waittest.Until(t, "a poll after the 429", func() bool { return tn.polls.total() >= 6 })
		tn.fail("flaky", nil)
		tn.set("flaky", 2)
		if u := next(t, flaky); u.Err != nil || !u.Final || stepOf(t, u) != 2 {
			t.Fatalf("%+v, want the final state and no error", u)
		}
	})
}

// TestUnsubscribeStopsPolling: the last subscriber leaving stops the
// polls.
func TestUnsubscribeStopsPolling(t *testing.T) {
	tn := newTenant(9)
	tn.set("r1", 1)
	h := startHub(t, fastOptions(nil, tn.source("hub"), "hub"))
	a, err := h.Subscribe(ReportJob(testPrincipal, "r1"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.Subscribe(ReportJob(testPrincipal, "r1"))
	if err != nil {
		t.Fatal(err)
	}
	next(t, a)
	next(t, b)
	a.Close()
	if st := h.Stats(); st.Watching != 1 || st.Polling != 1 || st.Leases != 1 {
		t.Fatalf("%+v with one subscriber left", st)
	}
	b.Close()
	if st := h.Stats(); st.Watching != 0 || st.Polling != 0 {
		t.Fatalf("%+v with no subscriber", st)
	}
	time.Sleep(50 * time.Millisecond) // a poll in flight may finish
	n := tn.polls.total()
	time.Sleep(200 * time.Millisecond) // 20 first intervals
	if got := tn.polls.total(); got != n {
		t.Fatalf("%d polls with no subscriber", got-n)
	}
	if _, err := h.Subscribe(Job{Kind: Task, IDs: []string{"x"}}); err != ErrUnknownKind {
		t.Fatalf("a kind without a source: %v", err)
	}
	_ = h.Close(context.Background())
	if _, err := h.Subscribe(ReportJob(testPrincipal, "r1")); err != ErrClosed {
		t.Fatalf("subscribe after close: %v", err)
	}
}

// TestPartitions: the same ids for two principals are two jobs.
func TestPartitions(t *testing.T) {
	a := ReportJob(principal.ForBearer("sim", "token-a"), "r1")
	b := ReportJob(principal.ForBearer("sim", "token-b"), "r1")
	if a.Key() == b.Key() {
		t.Fatal("two pass-through principals share a job")
	}
	if a.Key() != ReportJob(principal.ForBearer("sim", "token-a"), "r1").Key() {
		t.Fatal("a job's key is not stable")
	}
	if TaskJob(testPrincipal, "r1").Key() == ReportJob(testPrincipal, "r1").Key() {
		t.Fatal("two kinds share a key")
	}
}

// TestBusyBudgetSlowsPolls: while the budget has little headroom, the
// polls of a job are spaced by the busy factor at least.
func TestBusyBudgetSlowsPolls(t *testing.T) {
	tn := newTenant(9)
	tn.set("r1", 1)
	var (
		mu    sync.Mutex
		times []time.Time
		asked atomic.Int32
	)
	src := &timedSource{script: tn.source("hub"), at: func() { mu.Lock(); times = append(times, time.Now()); mu.Unlock() }}
	o := fastOptions(nil, src, "hub")
	o.Intervals = Intervals{First: 10 * time.Millisecond, Max: 10 * time.Millisecond, Growth: 1, BusyFactor: 6, BusyMax: time.Second}
	o.Headroom = func(_ context.Context, p principal.Principal, got *op.Operation) (float64, bool) {
		if p.Key() != testPrincipal.Key() || got != op.GetReportResult {
			t.Errorf("headroom asked for %v %v", p, got.Name)
		}
		asked.Add(1)
		return 0.1, true
	}
	h := startHub(t, o)
	s, err := h.Subscribe(ReportJob(testPrincipal, "r1"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	waittest.Until(t, "five polls", func() bool { mu.Lock(); defer mu.Unlock(); return len(times) >= 5 })
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < 60*time.Millisecond {
			t.Fatalf("polls %v apart while the budget is busy, want at least 60ms", gap)
		}
	}
	if asked.Load() == 0 {
		t.Fatal("the headroom was never asked")
	}
}

type timedSource struct {
	*script
	at func()
}

func (s *timedSource) Poll(ctx context.Context, jobs []Job) []Result {
	s.at()
	return s.script.Poll(ctx, jobs)
}

// TestSubscriptionKeepsNewest: a slow subscriber gets the newest state,
// never one it has had, and always the final one.
func TestSubscriptionKeepsNewest(t *testing.T) {
	h := startHub(t, Options{Sources: map[Kind]Source{Report: newTenant(1).source("x")}})
	s := newSubscription(h, &job{})
	mk := func(d string, final bool) Update { return Update{Digest: d, Final: final} }
	s.offer(mk("a", false))
	s.offer(mk("b", false))
	if u := next(t, s); u.Digest != "b" {
		t.Fatalf("got %q, want the newest, b", u.Digest)
	}
	s.offer(mk("b", false))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if u, ok := s.Next(ctx); ok {
		t.Fatalf("got %q again", u.Digest)
	}
	s.offer(mk("c", false))
	s.offer(mk("d", true))
	s.offer(mk("e", false))
	if u := next(t, s); u.Digest != "d" || !u.Final {
		t.Fatalf("got %+v, want the final d", u)
	}
}

// TestIntervals: fast at first, stretched while nothing changes, reset by
// a change, slowed while the budget is busy.
func TestIntervals(t *testing.T) {
	iv := DefaultIntervals()
	var got []time.Duration
	base := time.Duration(0)
	for range 8 {
		base = iv.Next(base, false)
		got = append(got, base)
	}
	want := []time.Duration{time.Second, 1500 * time.Millisecond, 2250 * time.Millisecond, 3375 * time.Millisecond,
		5062500 * time.Microsecond, 7593750 * time.Microsecond, 10 * time.Second, 10 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("intervals %v, want %v", got, want)
		}
	}
	if d := iv.Next(10*time.Second, true); d != time.Second {
		t.Fatalf("after a change: %v, want 1s", d)
	}
	if d := iv.Wait(5*time.Second, 0.5); d != 5*time.Second {
		t.Fatalf("with headroom: %v", d)
	}
	if d := iv.Wait(5*time.Second, 0.1); d != 10*time.Second {
		t.Fatalf("busy: %v, want 10s", d)
	}
	if d := iv.Wait(20*time.Second, 0); d != 30*time.Second {
		t.Fatalf("busy at the most: %v, want 30s", d)
	}
}

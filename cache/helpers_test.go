package cache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sailgraph/sailgraph/internal/clocktest"
	"github.com/sailgraph/sailgraph/internal/redistest"
)

// origin is a test origin whose answer can be changed between calls.
type origin struct {
	calls atomic.Int64

	mu      sync.Mutex
	value   string
	class   Class
	failure Failure
	err     error
	gate    chan struct{} // when set, loads wait for it to close
}

func newOrigin(value string, class Class) *origin { return &origin{value: value, class: class} }

func (o *origin) set(value string, class Class, failure Failure, err error) {
	o.mu.Lock()
	o.value, o.class, o.failure, o.err = value, class, failure, err
	o.mu.Unlock()
}

func (o *origin) hold() chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.gate = make(chan struct{})
	return o.gate
}

func (o *origin) load(ctx context.Context) (Fetched, error) {
	o.calls.Add(1)
	o.mu.Lock()
	gate := o.gate
	f := Fetched{Value: []byte(o.value), Class: o.class, Failure: o.failure}
	err := o.err
	o.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return Fetched{}, ctx.Err()
		}
	}
	return f, err
}

// storeKind builds one kind of Store for the shared test tables.
type storeKind struct {
	name  string
	redis bool
	// make returns a fresh, empty store on the clock.
	make func(t *testing.T, clk *fakeClock) Store
}

// storeKinds are the stores every table runs against: the in-memory one,
// and Redis on a real redis-server started for each test that uses it.
func storeKinds() []storeKind {
	return []storeKind{
		{name: "memory", make: func(t *testing.T, clk *fakeClock) Store {
			return NewMemory(MemoryOptions{Now: clk.Now})
		}},
		{name: "redis", redis: true, make: func(t *testing.T, clk *fakeClock) Store {
			srv := redistest.Start(t)
			return NewRedis(testClient(t, srv.Addr()), RedisOptions{Timeout: 5 * time.Second})
		}},
	}
}

// testClient is a Redis client as production should configure one: the
// context bounds each call, timeouts are short, no hidden retries.
func testClient(t testing.TB, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{
		Addr:                  addr,
		ContextTimeoutEnabled: true,
		DialTimeout:           time.Second,
		MaxRetries:            -1,
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func newTestCache(t testing.TB, s Store, clk *fakeClock, opts Options) *Cache {
	t.Helper()
	opts.Now = clk.Now
	c, err := New(s, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return c
}

func mustGet(t *testing.T, c *Cache, ctx context.Context, req Request, o *origin) Result {
	t.Helper()
	r, err := c.Get(ctx, req, o.load)
	if err != nil {
		t.Fatalf("get %s: %v", req.Key, err)
	}
	return r
}

var errConnRefused = errors.New("dial tcp: connection refused")

// fakeClock is a settable clock for entry lifetimes.
type fakeClock = clocktest.Clock

func newFakeClock() *fakeClock { return clocktest.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)) }

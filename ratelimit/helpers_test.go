package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sailgraph/sailgraph/internal/redistest"
)

// backend builds limiters that share state the way replicas of one
// deployment do: the same Memory for the in-memory limiter (one process),
// the same Redis (single node or Cluster) for the Redis limiter.
type backend struct {
	name string
	// group returns n limiters sharing one budget r, fresh for each call.
	group func(t *testing.T, r Rate, n int) []Limiter
}

// uniquePrefix keeps the keys of each limiter group apart in a shared
// Redis.
func uniquePrefix() string { return fmt.Sprintf("t%016x", rand.Uint64()) }

// testClient is a client as the gateway should build one: context
// deadlines honoured, short timeouts, few retries.
func testClient(addrs ...string) redis.UniversalClient {
	return redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:                 addrs,
		ContextTimeoutEnabled: true,
		DialTimeout:           200 * time.Millisecond,
		ReadTimeout:           500 * time.Millisecond,
		WriteTimeout:          500 * time.Millisecond,
		MaxRetries:            1,
	})
}

func redisGroup(t *testing.T, addrs []string, r Rate, n int, opts RedisOptions) []*Redis {
	t.Helper()
	if opts.Prefix == "" {
		opts.Prefix = uniquePrefix()
	}
	out := make([]*Redis, n)
	for i := range out {
		c := testClient(addrs...)
		o := opts
		o.ReplicaID = fmt.Sprintf("replica-%d-%s", i, uniquePrefix())
		l := NewRedis(c, r, o)
		t.Cleanup(func() { _ = l.Close(); _ = c.Close() })
		out[i] = l
	}
	return out
}

// backends lists the in-memory limiter, Redis on one node and Redis on a
// 3-node Cluster; the servers start on first use and stop when top ends.
func backends(top *testing.T) []backend {
	var (
		once    sync.Once
		single  *redistest.Server
		onceC   sync.Once
		cluster *redistest.Cluster
	)
	asLimiters := func(ls []*Redis) []Limiter {
		out := make([]Limiter, len(ls))
		for i, l := range ls {
			out[i] = l
		}
		return out
	}
	return []backend{
		{"memory", func(t *testing.T, r Rate, n int) []Limiter {
			m := NewMemory(r)
			out := make([]Limiter, n)
			for i := range out {
				out[i] = m
			}
			return out
		}},
		{"redis", func(t *testing.T, r Rate, n int) []Limiter {
			redistest.Require(t)
			once.Do(func() { single = redistest.Start(top) })
			return asLimiters(redisGroup(t, []string{single.Addr()}, r, n, RedisOptions{Logger: quietLogger()}))
		}},
		{"cluster", func(t *testing.T, r Rate, n int) []Limiter {
			redistest.Require(t)
			onceC.Do(func() { cluster = redistest.StartCluster(top, 3) })
			return asLimiters(redisGroup(t, cluster.Addrs(), r, n, RedisOptions{Logger: quietLogger()}))
		}},
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// spend keeps workers goroutines, spread over ls, waiting for grants of
// one Key and logging each in grants; a Wait that fails fails the test.
// stop ends them and waits for them.
func spend(t *testing.T, ls []*Redis, workers int) (grants *grantLog, stop func()) {
	grants = newGrantLog()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range workers {
		l := ls[i%len(ls)]
		wg.Go(func() {
			for ctx.Err() == nil {
				wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
				err := l.Wait(wctx, Key{"client", "beta"})
				wcancel()
				if err != nil {
					t.Errorf("Wait: %v", err)
					return
				}
				grants.add()
			}
		})
	}
	return grants, func() { cancel(); wg.Wait() }
}

// grantLog records when grants happened, relative to its start.
type grantLog struct {
	start time.Time
	mu    sync.Mutex
	at    []time.Duration
}

func newGrantLog() *grantLog { return &grantLog{start: time.Now()} }

func (g *grantLog) add() {
	d := time.Since(g.start)
	g.mu.Lock()
	g.at = append(g.at, d)
	g.mu.Unlock()
}

func (g *grantLog) times() []time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]time.Duration(nil), g.at...)
}

// countBetween counts grants in [from, to).
func (g *grantLog) countBetween(from, to time.Duration) int {
	n := 0
	for _, d := range g.times() {
		if d >= from && d < to {
			n++
		}
	}
	return n
}

package ratelimit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sailgraph/sailgraph/internal/redistest"
)

// TestHeadroom drains a budget and watches Headroom follow it: full for
// an unused key, near empty once a burst is spent (on another replica too,
// with Redis), zero under a cooldown, and full again once the bucket
// refills; reading it spends nothing.
func TestHeadroom(t *testing.T) {
	// 40 per 400ms: a bucket of burst 3 refilled every ~11ms.
	r := Rate{N: 40, Per: 400 * time.Millisecond}
	srv := redistest.Start(t)
	newRedisPair := func(t *testing.T) (Limiter, Headroomer) {
		prefix := fmt.Sprintf("h%016x", rand.Uint64())
		mk := func(i int) *Redis {
			c := redis.NewClient(&redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true,
				DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second})
			l := NewRedis(c, r, RedisOptions{Prefix: prefix, Timeout: time.Second, ReplicaID: fmt.Sprintf("%s-%d", prefix, i)})
			t.Cleanup(func() { _ = l.Close(); _ = c.Close() })
			return l
		}
		return mk(0), mk(1) // two replicas: one spends, the other reads
	}
	cases := []struct {
		name string
		pair func(t *testing.T) (Limiter, Headroomer)
	}{
		{"memory", func(*testing.T) (Limiter, Headroomer) { m := NewMemory(r); return m, m }},
		{"redis", newRedisPair},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spend, read := tc.pair(t)
			ctx := context.Background()
			key := Key{ClientID: "c", API: "beta"}
			headroom := func() float64 {
				t.Helper()
				h, err := read.Headroom(ctx, key)
				if err != nil {
					t.Fatal(err)
				}
				return h
			}
			if h := headroom(); h != 1 {
				t.Fatalf("unused key: headroom %v, want 1", h)
			}
			// Reading spends nothing.
			for i := range 5 {
				if h := headroom(); h != 1 {
					t.Fatalf("read %d of an unused key: headroom %v, want 1", i+2, h)
				}
			}
			burst := r.Bucket().Burst
			for range burst {
				if err := spend.Wait(ctx, key); err != nil {
					t.Fatal(err)
				}
			}
			if h := headroom(); h >= 0.6 {
				t.Fatalf("after a burst of %d: headroom %v, want well under 1", burst, h)
			}
			// Keep spending at the budget's full rate: busy.
			busy := 1.0
			for range 10 {
				if err := spend.Wait(ctx, key); err != nil {
					t.Fatal(err)
				}
				busy = min(busy, headroom())
			}
			if busy >= 0.2 {
				t.Fatalf("spending at the full rate: lowest headroom %v, want under 0.2", busy)
			}
			// Idle: the bucket refills.
			deadline := time.Now().Add(10 * time.Second)
			for headroom() < 0.99 {
				if time.Now().After(deadline) {
					t.Fatalf("headroom stuck at %v after the bucket had time to refill", headroom())
				}
				time.Sleep(5 * time.Millisecond)
			}
			if err := spend.Cooldown(ctx, key, 5*time.Second); err != nil {
				t.Fatal(err)
			}
			if h := headroom(); h != 0 {
				t.Fatalf("during a cooldown: headroom %v, want 0", h)
			}
			if h, err := read.Headroom(ctx, Key{ClientID: "c", API: "v2024"}); err != nil || h != 1 {
				t.Fatalf("another API during the cooldown: headroom %v (%v), want 1", h, err)
			}
		})
	}
}

// TestHeadroomRedisDown reads the in-memory share's headroom, with the
// error, while Redis does not answer.
func TestHeadroomRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true,
		DialTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	l := NewRedis(c, Rate{N: 100, Per: 10 * time.Second}, RedisOptions{Prefix: fmt.Sprintf("d%016x", rand.Uint64()), Timeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = l.Close() })
	srv.Stop()
	h, err := l.Headroom(context.Background(), Key{ClientID: "c", API: "beta"})
	if err == nil && !l.Fallback() {
		t.Fatal("no error from a stopped Redis")
	}
	if h < 0 || h > 1 {
		t.Fatalf("headroom %v out of [0,1]", h)
	}
}

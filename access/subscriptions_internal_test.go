package access

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sailgraph/sailgraph/internal/redistest"
)

// The open-subscription count: up to the limit per caller, freed by
// release; in Redis shared by replicas, kept while a replica refreshes
// its entries, and lapsed once a replica that died stops refreshing them.
func TestOpenCounters(t *testing.T) {
	ctx := context.Background()
	t.Run("memory", func(t *testing.T) {
		m := newMemoryOpen()
		r1, ok1 := m.open(ctx, "key:a", 2)
		_, ok2 := m.open(ctx, "key:a", 2)
		_, ok3 := m.open(ctx, "key:a", 2)
		_, other := m.open(ctx, "key:b", 2)
		if !ok1 || !ok2 || ok3 || !other {
			t.Fatalf("admitted %v %v %v (other caller %v), want the first two and the other caller", ok1, ok2, ok3, other)
		}
		r1()
		if _, ok := m.open(ctx, "key:a", 2); !ok {
			t.Fatal("a released subscription still counts")
		}
	})
	t.Run("redis", func(t *testing.T) {
		srv := redistest.Start(t)
		prefix := fmt.Sprintf("o%016x", rand.Uint64())
		replica := func() (*redisOpen, *redis.Client) {
			c := redis.NewClient(&redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true, ReadTimeout: time.Second})
			t.Cleanup(func() { _ = c.Close() })
			o := startRedisOpen(c, prefix, slog.Default(), 400*time.Millisecond, 50*time.Millisecond)
			t.Cleanup(func() { _ = o.close() })
			return o, c
		}
		a, aClient := replica()
		b, _ := replica()
		release, ok := a.open(ctx, "key:x", 2)
		if _, ok2 := b.open(ctx, "key:x", 2); !ok || !ok2 {
			t.Fatal("two subscriptions refused under a limit of 2")
		}
		if _, ok := b.open(ctx, "key:x", 2); ok {
			t.Fatal("a third subscription admitted on another replica")
		}
		// Refreshed, they keep counting past their TTL.
		time.Sleep(time.Second)
		if _, ok := b.open(ctx, "key:x", 2); ok {
			t.Fatal("live subscriptions lapsed")
		}
		release()
		if _, ok := b.open(ctx, "key:x", 2); !ok {
			t.Fatal("a released subscription still counts")
		}
		// Replica a dies holding one more: it stops refreshing, and its
		// entry lapses.
		if _, ok := a.open(ctx, "key:y", 1); !ok {
			t.Fatal("refused")
		}
		_ = a.close()
		_ = aClient.Close()
		deadline := time.Now().Add(10 * time.Second)
		for {
			if _, ok := b.open(ctx, "key:y", 1); ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("a dead replica's subscription never lapsed")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

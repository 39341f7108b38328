package cache

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/redistest"
	"github.com/sailgraph/sailgraph/internal/waittest"
)

// TestStoreContract holds every Store to the same behaviour: the memory
// store, Redis and a 3-node Redis Cluster.
func TestStoreContract(t *testing.T) {
	kinds := storeKinds()
	kinds = append(kinds, storeKind{name: "cluster", redis: true, make: func(t *testing.T, _ *fakeClock) Store {
		cl := redistest.StartCluster(t, 3)
		return NewRedis(cl.Client(t), RedisOptions{Timeout: 5 * time.Second})
	}})
	for _, kind := range kinds {
		t.Run(kind.name, func(t *testing.T) {
			clk := newFakeClock()
			s := kind.make(t, clk)
			ctx := context.Background()

			if _, ok, err := s.Get(ctx, "absent"); ok || err != nil {
				t.Fatalf("get absent = %v, %v", ok, err)
			}
			if err := s.Set(ctx, "k", []byte("v1"), time.Hour); err != nil {
				t.Fatal(err)
			}
			if v, ok, err := s.Get(ctx, "k"); !ok || err != nil || string(v) != "v1" {
				t.Fatalf("get = %q, %v, %v", v, ok, err)
			}
			if err := s.Set(ctx, "k", []byte("v2"), time.Hour); err != nil {
				t.Fatal(err)
			}
			if v, _, _ := s.Get(ctx, "k"); string(v) != "v2" {
				t.Fatalf("overwrite: get = %q", v)
			}

			added, err := s.Add(ctx, "lease", []byte{1}, time.Hour)
			if !added || err != nil {
				t.Fatalf("first add = %v, %v", added, err)
			}
			if added, err := s.Add(ctx, "lease", []byte{2}, time.Hour); added || err != nil {
				t.Fatalf("second add = %v, %v; want refused", added, err)
			}
			if err := s.Delete(ctx, "lease"); err != nil {
				t.Fatal(err)
			}
			if added, err := s.Add(ctx, "lease", []byte{3}, time.Hour); !added || err != nil {
				t.Fatalf("add after delete = %v, %v", added, err)
			}

			// Keys in many slots deleted together (CROSSSLOT on a cluster
			// unless they go one by one).
			var keys []string
			for i := range 20 {
				k := fmt.Sprintf("multi-%d", i)
				keys = append(keys, k)
				if err := s.Set(ctx, k, []byte("x"), time.Hour); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Delete(ctx, append(keys, "never-set")...); err != nil {
				t.Fatalf("delete many: %v", err)
			}
			for _, k := range keys {
				if _, ok, _ := s.Get(ctx, k); ok {
					t.Fatalf("%s survived delete", k)
				}
			}

			// Expiry: the memory store follows its clock, Redis real time.
			if err := s.Set(ctx, "short", []byte("x"), 50*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			clk.Advance(time.Second)
			waittest.Until(t, "the short key to expire", func() bool {
				_, ok, err := s.Get(ctx, "short")
				return !ok && err == nil
			})
			if added, err := s.Add(ctx, "short", []byte("y"), time.Hour); !added || err != nil {
				t.Fatalf("add over an expired key = %v, %v", added, err)
			}
		})
	}
}

func TestMemoryEvictsLeastRecentlyUsed(t *testing.T) {
	clk := newFakeClock()
	var seen countingObserver
	value := make([]byte, 1000)
	per := int64(len("k0")+len(value)) + itemOverhead
	m := NewMemory(MemoryOptions{MaxBytes: 3 * per, Now: clk.Now, Observer: &seen})
	ctx := context.Background()
	for _, k := range []string{"k0", "k1", "k2"} {
		if err := m.Set(ctx, k, value, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok, _ := m.Get(ctx, "k0"); !ok { // k0 is now the most recently used
		t.Fatal("k0 missing before the store is full")
	}
	if err := m.Set(ctx, "k3", value, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := m.Get(ctx, "k1"); ok {
		t.Fatal("k1, the least recently used, was not evicted")
	}
	for _, k := range []string{"k0", "k2", "k3"} {
		if _, ok, _ := m.Get(ctx, k); !ok {
			t.Fatalf("%s evicted; want only k1", k)
		}
	}
	if m.Evictions() != 1 || seen.n[EventEviction].Load() != 1 {
		t.Fatalf("evictions = %d (observer %d), want 1", m.Evictions(), seen.n[EventEviction].Load())
	}

	// An expired item dropped for room is not an eviction.
	m = NewMemory(MemoryOptions{MaxBytes: 3 * per, Now: clk.Now})
	for k, ttl := range map[string]time.Duration{"k0": time.Millisecond, "k1": time.Hour, "k2": time.Hour} {
		if err := m.Set(ctx, k, value, ttl); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(time.Second)
	m.Get(ctx, "k1")
	m.Get(ctx, "k2")
	if err := m.Set(ctx, "k3", value, time.Hour); err != nil { // drops the expired k0
		t.Fatal(err)
	}
	if m.Evictions() != 0 {
		t.Fatalf("evictions = %d after dropping an expired item, want 0", m.Evictions())
	}
	for _, k := range []string{"k1", "k2", "k3"} {
		if _, ok, _ := m.Get(ctx, k); !ok {
			t.Fatalf("%s dropped; want the expired k0 dropped", k)
		}
	}
	if err := m.Set(ctx, "huge", make([]byte, 4*per), time.Hour); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a value larger than the store: %v, want ErrTooLarge", err)
	}
	if m.Len() != 3 {
		t.Fatalf("len = %d, want 3", m.Len())
	}
}

type countingObserver struct {
	counters
}

func (o *countingObserver) CacheEvent(e Event, _ string) { o.n[e].Add(1) }

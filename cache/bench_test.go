package cache

import (
	"context"
	"testing"

	"github.com/sailgraph/sailgraph/internal/redistest"
)

// BenchmarkHit measures a cache hit: key derivation, the store read and
// the entry decode (inflate included for the page).
func BenchmarkHit(b *testing.B) {
	payloads := []struct {
		name  string
		value []byte
	}{
		{"identity", identityJSON()},
		{"accessPage250", accessPageJSON()},
	}
	stores := []struct {
		name     string
		compress int
		make     func(b *testing.B) Store
	}{
		{"memory", 0, func(*testing.B) Store { return NewMemory(MemoryOptions{}) }},
		// The price of deflate on the hit path, for comparison.
		{"memory-uncompressed", -1, func(*testing.B) Store { return NewMemory(MemoryOptions{}) }},
		{"redis", 0, func(b *testing.B) Store {
			return NewRedis(testClient(b, redistest.Start(b).Addr()), RedisOptions{})
		}},
	}
	for _, st := range stores {
		for _, p := range payloads {
			b.Run(st.name+"/"+p.name, func(b *testing.B) {
				clk := newFakeClock()
				c := newTestCache(b, st.make(b), clk, Options{CompressAbove: st.compress})
				o := newOrigin(string(p.value), Slow)
				ctx := context.Background()
				if _, err := c.Get(ctx, identityReq, o.load); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(p.value)))
				b.ReportAllocs()
				for b.Loop() {
					r, err := c.Get(ctx, identityReq, o.load)
					if err != nil || r.Status != StatusHit {
						b.Fatalf("%v %v", r.Status, err)
					}
				}
			})
		}
	}
}

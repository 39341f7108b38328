package ratelimit

import (
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/redistest"
)

// BenchmarkHeadroom reads a used key's headroom in Redis, as the job
// watchers do after every poll and look-ahead does per identity.
func BenchmarkHeadroom(b *testing.B) {
	srv := redistest.Start(b)
	c := testClient(srv.Addr())
	defer c.Close()
	l := NewRedis(c, Rate{N: 100, Per: 10 * time.Second}, RedisOptions{Prefix: uniquePrefix(), Logger: quietLogger()})
	defer l.Close()
	ctx := b.Context()
	key := Key{"client", "beta"}
	if err := l.Wait(ctx, key); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Headroom(ctx, key); err != nil {
			b.Fatal(err)
		}
	}
}

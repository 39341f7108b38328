package transport_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/redistest"
	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/upstream/transport"
)

// benchUpstream answers tokens and a small JSON body at once: the
// benchmarks measure the chain, not a tenant.
func benchUpstream(b *testing.B) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/oauth/token" {
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "bench-token", "token_type": "bearer", "expires_in": 3600})
			return
		}
		_, _ = io.WriteString(w, `[{"id":"t1","type":"QUARTZ","uniqueName":"Cloud Account Aggregation"}]`)
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}

// unlimited is a budget so large that the limiter never waits.
var unlimited = ratelimit.Rate{N: 1 << 30, Per: time.Second}

// BenchmarkChain times one GET through the chain with no upstream wait,
// next to the bare transport, with the limiter in memory and in Redis,
// and with the breaker's circuits in Redis too.
func BenchmarkChain(b *testing.B) {
	url := benchUpstream(b)
	target := url + "/beta/task-status/t1"
	chainWith := func(lim ratelimit.Limiter, circuits ratelimit.Circuits) http.RoundTripper {
		return transport.New(transport.Config{
			Base:        baseTransport(),
			Principal:   gatewayPrincipal(),
			Credentials: simCredentials(url),
			Circuits:    circuits,
			Limiter:     lim,
			Observer:    transport.NewCounter(),
		})
	}
	chain := func(lim ratelimit.Limiter) http.RoundTripper { return chainWith(lim, nil) }
	b.Run("bare-transport", func(b *testing.B) { benchGet(b, baseTransport(), target) })
	b.Run("chain-memory-limiter", func(b *testing.B) { benchGet(b, chain(ratelimit.NewMemory(unlimited)), target) })
	b.Run("chain-memory-limiter-parallel", func(b *testing.B) {
		rt := chain(ratelimit.NewMemory(unlimited))
		var goroutines atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			// One URL per goroutine, as distinct reads in flight are.
			own := target + "?g=" + strconv.FormatInt(goroutines.Add(1), 10)
			for pb.Next() {
				if _, err := get(b.Context(), rt, own); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("chain-redis-limiter", func(b *testing.B) {
		srv := redistest.Start(b)
		rdb := replicaClient(srv.Addr())
		defer rdb.Close()
		lim := ratelimit.NewRedis(rdb, unlimited, ratelimit.RedisOptions{})
		defer lim.Close()
		benchGet(b, chain(lim), target)
	})
	// The production chain on Redis: the breaker reads its circuit there
	// before every call.
	b.Run("chain-redis-limiter-breaker", func(b *testing.B) {
		srv := redistest.Start(b)
		rdb := replicaClient(srv.Addr())
		defer rdb.Close()
		lim := ratelimit.NewRedis(rdb, unlimited, ratelimit.RedisOptions{})
		defer lim.Close()
		benchGet(b, chainWith(lim, ratelimit.NewRedisCircuits(rdb, "", 0)), target)
	})
}

func benchGet(b *testing.B, rt http.RoundTripper, url string) {
	ctx := b.Context()
	if _, err := get(ctx, rt, url); err != nil { // token and connection
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := get(ctx, rt, url); err != nil {
			b.Fatal(err)
		}
	}
}

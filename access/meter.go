package access

import (
	"context"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/sailgraph/sailgraph/ratelimit"
)

// meter grants n units of a bucket's allowance r, or says how long until
// they would be granted. Nothing is taken from a refused request.
type meter interface {
	take(ctx context.Context, bucket string, r ratelimit.Rate, n int) (wait time.Duration, err error)
}

// redisMeter keeps the allowances in Redis, shared by every replica: GCRA
// through redis_rate, with Redis's clock.
type redisMeter struct {
	lim    *redis_rate.Limiter
	prefix string
}

func newRedisMeter(rdb redis.UniversalClient, prefix string) *redisMeter {
	return &redisMeter{lim: redis_rate.NewLimiter(rdb), prefix: prefix}
}

func (m *redisMeter) take(ctx context.Context, bucket string, r ratelimit.Rate, n int) (time.Duration, error) {
	res, err := m.lim.AllowN(ctx, m.prefix+":"+bucket, redis_rate.Limit{Rate: r.N, Burst: r.N, Period: r.Per}, n)
	if err != nil {
		return 0, err
	}
	if res.Allowed == 0 {
		return max(res.RetryAfter, time.Millisecond), nil
	}
	return 0, nil
}

// memoryMeter keeps the allowances of one replica in memory.
type memoryMeter struct {
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	maxKeys int
}

func newMemoryMeter() *memoryMeter {
	return &memoryMeter{buckets: map[string]*rate.Limiter{}, maxKeys: 10_000}
}

func (m *memoryMeter) take(_ context.Context, bucket string, r ratelimit.Rate, n int) (time.Duration, error) {
	now := time.Now()
	res := m.limiter(bucket, r, now).ReserveN(now, n)
	if !res.OK() { // n > burst: cannot happen, FairShare clamps n
		return r.Per, nil
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d, nil
	}
	return 0, nil
}

func (m *memoryMeter) limiter(bucket string, r ratelimit.Rate, now time.Time) *rate.Limiter {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.buckets[bucket]; ok {
		return l
	}
	if len(m.buckets) >= m.maxKeys { // pass-through tokens are unbounded: forget the full buckets
		for k, l := range m.buckets {
			if l.TokensAt(now) >= float64(l.Burst()) {
				delete(m.buckets, k)
			}
		}
	}
	l := rate.NewLimiter(rate.Limit(float64(r.N)/r.Per.Seconds()), r.N)
	m.buckets[bucket] = l
	return l
}

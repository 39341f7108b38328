package access

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/sailgraph/sailgraph/ratelimit"
)

// meter keeps the callers' allowances.
type meter interface {
	// take grants n units of bucket's allowance r, or says how long until
	// they would be granted; a refused request takes nothing.
	take(ctx context.Context, bucket string, r ratelimit.Rate, n int) (wait time.Duration, err error)
	// spent says how long until bucket has a unit left, 0 if it has one.
	spent(ctx context.Context, bucket string, r ratelimit.Rate) (wait time.Duration, err error)
	// charge takes n units, or as many as are left.
	charge(ctx context.Context, bucket string, r ratelimit.Rate, n int) error
}

var (
	_ meter = (*redisMeter)(nil)
	_ meter = (*memoryMeter)(nil)
	_ meter = (*failoverMeter)(nil)
)

// redisMeter keeps the allowances in Redis, shared by every replica: GCRA
// through redis_rate, with Redis's clock.
type redisMeter struct {
	lim    *redis_rate.Limiter
	prefix string
}

func newRedisMeter(rdb redis.UniversalClient, prefix string) *redisMeter {
	return &redisMeter{lim: redis_rate.NewLimiter(rdb), prefix: prefix}
}

func gcra(r ratelimit.Rate) redis_rate.Limit {
	return redis_rate.Limit{Rate: r.N, Burst: r.N, Period: r.Per}
}

func (m *redisMeter) take(ctx context.Context, bucket string, r ratelimit.Rate, n int) (time.Duration, error) {
	res, err := m.lim.AllowN(ctx, m.prefix+":"+bucket, gcra(r), n)
	if err != nil {
		return 0, err
	}
	if res.Allowed == 0 {
		return max(res.RetryAfter, time.Millisecond), nil
	}
	return 0, nil
}

// spent asks for at most 0 units: redis_rate answers a RetryAfter when
// less than one unit is left, and takes nothing.
func (m *redisMeter) spent(ctx context.Context, bucket string, r ratelimit.Rate) (time.Duration, error) {
	res, err := m.lim.AllowAtMost(ctx, m.prefix+":"+bucket, gcra(r), 0)
	if err != nil {
		return 0, err
	}
	if res.RetryAfter > 0 {
		return res.RetryAfter, nil
	}
	return 0, nil
}

func (m *redisMeter) charge(ctx context.Context, bucket string, r ratelimit.Rate, n int) error {
	_, err := m.lim.AllowAtMost(ctx, m.prefix+":"+bucket, gcra(r), n)
	return err
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
	res := m.limiter(bucket, r, now).ReserveN(now, min(n, r.N))
	if !res.OK() {
		return r.Per, nil
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d, nil
	}
	return 0, nil
}

func (m *memoryMeter) spent(_ context.Context, bucket string, r ratelimit.Rate) (time.Duration, error) {
	now := time.Now()
	l := m.limiter(bucket, r, now)
	if l.TokensAt(now) >= 1 {
		return 0, nil
	}
	res := l.ReserveN(now, 1)
	d := res.DelayFrom(now)
	res.CancelAt(now)
	return max(d, time.Millisecond), nil
}

func (m *memoryMeter) charge(_ context.Context, bucket string, r ratelimit.Rate, n int) error {
	now := time.Now()
	l := m.limiter(bucket, r, now)
	if left := int(math.Floor(l.TokensAt(now))); left < n {
		n = left
	}
	if n > 0 {
		l.AllowN(now, n)
	}
	return nil
}

func (m *memoryMeter) limiter(bucket string, r ratelimit.Rate, now time.Time) *rate.Limiter {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.buckets[bucket]; ok && l.Burst() == r.N {
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

// failoverMeter is the Redis meter that, while Redis does not answer,
// holds each caller to this replica's share of its allowance (the
// allowance divided by the live replicas, as the tenant budget's fallback
// does) in memory, instead of letting everything through. It logs when
// Redis stops answering, at most once a minute while it stays down, and
// when it answers again.
type failoverMeter struct {
	redis    *redisMeter
	local    *memoryMeter
	replicas func() int
	log      *slog.Logger
	now      func() time.Time

	mu        sync.Mutex
	down      bool
	lastLog   time.Time
	failures  int
	logPeriod time.Duration
}

func newFailoverMeter(r *redisMeter, replicas func() int, log *slog.Logger) *failoverMeter {
	return &failoverMeter{redis: r, local: newMemoryMeter(), replicas: replicas, log: log, now: time.Now, logPeriod: time.Minute}
}

// share is this replica's part of r while Redis is down.
func (m *failoverMeter) share(r ratelimit.Rate) ratelimit.Rate {
	return r.Share(max(1, m.replicas()))
}

func (m *failoverMeter) take(ctx context.Context, bucket string, r ratelimit.Rate, n int) (time.Duration, error) {
	wait, err := m.redis.take(ctx, bucket, r, n)
	if m.observe(err) {
		return m.local.take(ctx, bucket, m.share(r), n)
	}
	return wait, nil
}

func (m *failoverMeter) spent(ctx context.Context, bucket string, r ratelimit.Rate) (time.Duration, error) {
	wait, err := m.redis.spent(ctx, bucket, r)
	if m.observe(err) {
		return m.local.spent(ctx, bucket, m.share(r))
	}
	return wait, nil
}

func (m *failoverMeter) charge(ctx context.Context, bucket string, r ratelimit.Rate, n int) error {
	if m.observe(m.redis.charge(ctx, bucket, r, n)) {
		return m.local.charge(ctx, bucket, m.share(r), n)
	}
	return nil
}

// observe notes whether Redis answered (err nil) and logs a change of
// state; it reports whether the local share must answer instead.
func (m *failoverMeter) observe(err error) (useLocal bool) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if err == nil {
		if m.down {
			m.down = false
			m.log.Info("fair share: Redis answers again; back on the shared allowances",
				slog.Int("failed_requests", m.failures))
		}
		return false
	}
	m.failures++
	switch {
	case !m.down:
		m.down, m.lastLog, m.failures = true, now, 1
		m.log.Warn("fair share: Redis is not answering; holding each caller to this replica's share of its allowance",
			slog.Int("replicas", max(1, m.replicas())), slog.String("error", err.Error()))
	case now.Sub(m.lastLog) >= m.logPeriod:
		m.lastLog = now
		m.log.Warn("fair share: Redis is still not answering; callers are held to this replica's share",
			slog.Int("failed_requests", m.failures), slog.String("error", err.Error()))
	}
	return true
}

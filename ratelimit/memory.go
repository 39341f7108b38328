package ratelimit

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// sweepEvery is how many new keys a Memory admits between sweeps of idle
// buckets, so pass-through principals (one key per token) do not pile up.
const sweepEvery = 256

// Memory is a Limiter for one process: a token bucket per Key
// (golang.org/x/time/rate) sized by Rate.Bucket, and cooldowns kept in
// memory. Waiters are served in the order they asked.
type Memory struct {
	bucket Bucket
	cool   *cooldowns
	// emptyUntil: buckets created before this instant start with no
	// tokens (a fallback taking over from Redis must not add a burst on
	// top of what Redis granted in the current window).
	emptyUntil time.Time

	mu      sync.Mutex
	buckets map[Key]*rate.Limiter
	added   int
}

// NewMemory returns an in-memory limiter for budget r.
func NewMemory(r Rate) *Memory {
	return newMemory(r.Bucket(), newCooldowns(), time.Time{})
}

func newMemory(b Bucket, cool *cooldowns, emptyUntil time.Time) *Memory {
	return &Memory{bucket: b, cool: cool, emptyUntil: emptyUntil, buckets: map[Key]*rate.Limiter{}}
}

// Wait implements Limiter.
func (m *Memory) Wait(ctx context.Context, key Key) error {
	for {
		if err := waitCooldown(ctx, m.cool, key); err != nil {
			return err
		}
		if err := m.take(ctx, key); err != nil {
			return err
		}
		// A 429 may have arrived while this caller waited for its token;
		// then the token is spent and the caller queues again after the
		// cooldown, so the cooldown's end is not a burst of stale grants.
		if m.cool.left(key) == 0 {
			return nil
		}
	}
}

// Cooldown implements Limiter.
func (m *Memory) Cooldown(_ context.Context, key Key, d time.Duration) error {
	m.cool.set(key, d)
	return nil
}

// take reserves a token for key and waits for it.
func (m *Memory) take(ctx context.Context, key Key) error {
	now := time.Now()
	res := m.limiter(key, now).ReserveN(now, 1)
	d := res.DelayFrom(now)
	if d == 0 {
		return nil
	}
	if !fits(ctx, d) {
		res.CancelAt(now)
		return &DelayError{Wait: d}
	}
	if err := sleep(ctx, d, false); err != nil {
		res.Cancel()
		return err
	}
	return nil
}

func (m *Memory) limiter(key Key, now time.Time) *rate.Limiter {
	m.mu.Lock()
	defer m.mu.Unlock()
	if lim, ok := m.buckets[key]; ok {
		return lim
	}
	m.added++
	if m.added%sweepEvery == 0 {
		m.sweepLocked(now)
	}
	lim := rate.NewLimiter(rate.Every(m.bucket.Interval()), m.bucket.Burst)
	if now.Before(m.emptyUntil) {
		lim.AllowN(now, m.bucket.Burst)
	}
	m.buckets[key] = lim
	return lim
}

// sweepLocked drops full buckets: a new bucket starts full, so forgetting
// one changes nothing.
func (m *Memory) sweepLocked(now time.Time) {
	for k, lim := range m.buckets {
		if lim.TokensAt(now) >= float64(m.bucket.Burst) {
			delete(m.buckets, k)
		}
	}
}

// waitCooldown waits out key's cooldown in cool, or returns a *DelayError
// at once if it lasts past ctx's deadline.
func waitCooldown(ctx context.Context, cool *cooldowns, key Key) error {
	d := cool.left(key)
	if d == 0 {
		return nil
	}
	if !fits(ctx, d) {
		return &DelayError{Wait: d, Cooldown: true}
	}
	return sleep(ctx, d, true)
}

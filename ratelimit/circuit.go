package ratelimit

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Circuits keep the state of circuit breakers where every replica sees
// it, so that when one replica finds the tenant failing, all of them stop
// calling it (as a 429 cooldown stops all of them). A circuit is closed
// (calls flow), open (no call is sent until it ends) or half-open (it has
// been open and has ended: one probe call decides whether it closes).
type Circuits interface {
	// State says whether the circuit of key is open, and for how long
	// still, or half-open.
	State(ctx context.Context, key string) (open time.Duration, halfOpen bool, err error)
	// Trip opens the circuit of key for d; it stays half-open for rest
	// afterwards, until a probe closes it.
	Trip(ctx context.Context, key string, d, rest time.Duration) error
	// Probe takes the one half-open probe of key for up to d, and reports
	// whether this caller got it.
	Probe(ctx context.Context, key string, d time.Duration) (bool, error)
	// Reset closes the circuit of key.
	Reset(ctx context.Context, key string) error
}

var (
	_ Circuits = (*MemoryCircuits)(nil)
	_ Circuits = (*RedisCircuits)(nil)
)

// MemoryCircuits keeps circuits in this process.
type MemoryCircuits struct {
	now func() time.Time

	mu sync.Mutex
	c  map[string]*circuitState
}

type circuitState struct {
	openUntil, halfUntil, probeUntil time.Time
}

// NewMemoryCircuits returns circuits in memory; now is the clock (nil:
// time.Now).
func NewMemoryCircuits(now func() time.Time) *MemoryCircuits {
	if now == nil {
		now = time.Now
	}
	return &MemoryCircuits{now: now, c: map[string]*circuitState{}}
}

// State implements Circuits.
func (m *MemoryCircuits) State(_ context.Context, key string) (time.Duration, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.c[key]
	if !ok {
		return 0, false, nil
	}
	now := m.now()
	if now.Before(s.openUntil) {
		return s.openUntil.Sub(now), false, nil
	}
	if now.Before(s.halfUntil) {
		return 0, true, nil
	}
	delete(m.c, key)
	return 0, false, nil
}

// Trip implements Circuits.
func (m *MemoryCircuits) Trip(_ context.Context, key string, d, rest time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.c[key] = &circuitState{openUntil: now.Add(d), halfUntil: now.Add(d + rest)}
	return nil
}

// Probe implements Circuits.
func (m *MemoryCircuits) Probe(_ context.Context, key string, d time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.c[key]
	now := m.now()
	if !ok || now.Before(s.probeUntil) {
		return false, nil
	}
	s.probeUntil = now.Add(d)
	return true, nil
}

// Reset implements Circuits.
func (m *MemoryCircuits) Reset(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.c, key)
	return nil
}

// RedisCircuits keeps circuits in Redis, shared by every replica. Each
// circuit is three keys in one hash tag: open (its TTL is how long the
// circuit stays open), tripped (half-open while it lives after open has
// gone) and probe (the lease of the one probe).
type RedisCircuits struct {
	rdb     redis.UniversalClient
	prefix  string
	timeout time.Duration
}

// NewRedisCircuits returns circuits in rdb under prefix (default
// "sailgraph:circuit"), each call bounded by timeout (default 100ms).
func NewRedisCircuits(rdb redis.UniversalClient, prefix string, timeout time.Duration) *RedisCircuits {
	if prefix == "" {
		prefix = "sailgraph:circuit"
	}
	if timeout <= 0 {
		timeout = 100 * time.Millisecond
	}
	return &RedisCircuits{rdb: rdb, prefix: prefix, timeout: timeout}
}

func (r *RedisCircuits) names(key string) (open, tripped, probe string) {
	base := r.prefix + ":{" + keyEscaper.Replace(key) + "}"
	return base + ":open", base + ":tripped", base + ":probe"
}

// State implements Circuits.
func (r *RedisCircuits) State(ctx context.Context, key string) (time.Duration, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	open, tripped, _ := r.names(key)
	var ttl *redis.DurationCmd
	var half *redis.IntCmd
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		ttl = p.PTTL(ctx, open)
		half = p.Exists(ctx, tripped)
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	if d := ttl.Val(); d > 0 {
		return d, false, nil
	}
	return 0, half.Val() > 0, nil
}

// Trip implements Circuits.
func (r *RedisCircuits) Trip(ctx context.Context, key string, d, rest time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	open, tripped, probe := r.names(key)
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, open, "1", d)
		p.Set(ctx, tripped, "1", d+rest)
		p.Del(ctx, probe)
		return nil
	})
	return err
}

// Probe implements Circuits.
func (r *RedisCircuits) Probe(ctx context.Context, key string, d time.Duration) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	_, _, probe := r.names(key)
	ok, err := r.rdb.SetNX(ctx, probe, "1", d).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	return ok, err
}

// Reset implements Circuits.
func (r *RedisCircuits) Reset(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	open, tripped, probe := r.names(key)
	return r.rdb.Del(ctx, open, tripped, probe).Err()
}

package access

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// TokenState remembers what the tenant last said of pass-through tokens
// (by their principal's ClientID, a hash, never the token): which it
// accepted lately, and which it refused. The cache may answer a
// pass-through caller only while the tenant has accepted its token within
// the recheck period; a token the tenant refused is refused at once on
// every replica sharing the state, before the cache.
type TokenState interface {
	// Confirmed reports whether the tenant accepted the token lately.
	Confirmed(ctx context.Context, id string) bool
	// Confirm records that the tenant accepted the token.
	Confirm(ctx context.Context, id string)
	// Revoke records that the tenant refused the token.
	Revoke(ctx context.Context, id string)
	// Revoked reports whether the tenant refused the token.
	Revoked(ctx context.Context, id string) bool
}

var (
	_ TokenState = (*MemoryTokens)(nil)
	_ TokenState = (*RedisTokens)(nil)
)

// TokenOptions tune a TokenState.
type TokenOptions struct {
	// Recheck is how long an acceptance by the tenant lets the cache
	// answer a token (SAILGRAPH_TOKEN_RECHECK, default 60s).
	Recheck time.Duration
	// RevokedFor is how long a refusal is remembered (default 1h, longer
	// than ISC's tokens live).
	RevokedFor time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Timeout bounds a Redis call (default 100ms); past it a token reads
	// as not confirmed and not revoked.
	Timeout time.Duration
}

func (o TokenOptions) withDefaults() TokenOptions {
	if o.Recheck <= 0 {
		o.Recheck = time.Minute
	}
	if o.RevokedFor <= 0 {
		o.RevokedFor = time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = 100 * time.Millisecond
	}
	return o
}

// MemoryTokens is the TokenState of one replica.
type MemoryTokens struct {
	opts TokenOptions

	mu        sync.Mutex
	confirmed map[string]time.Time // until
	revoked   map[string]time.Time // until
}

// NewMemoryTokens returns a TokenState in memory.
func NewMemoryTokens(opts TokenOptions) *MemoryTokens {
	return &MemoryTokens{opts: opts.withDefaults(), confirmed: map[string]time.Time{}, revoked: map[string]time.Time{}}
}

// Confirmed implements TokenState.
func (m *MemoryTokens) Confirmed(_ context.Context, id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.opts.Now().Before(m.confirmed[id])
}

// Confirm implements TokenState.
func (m *MemoryTokens) Confirm(_ context.Context, id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.opts.Now()
	mark(m.confirmed, id, now, now.Add(m.opts.Recheck))
}

// Revoke implements TokenState.
func (m *MemoryTokens) Revoke(_ context.Context, id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.opts.Now()
	mark(m.revoked, id, now, now.Add(m.opts.RevokedFor))
	delete(m.confirmed, id)
}

// Revoked implements TokenState.
func (m *MemoryTokens) Revoked(_ context.Context, id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.opts.Now().Before(m.revoked[id])
}

// mark records id in m until until, first dropping the entries that have
// lapsed once m has grown large (pass-through tokens are unbounded).
func mark(m map[string]time.Time, id string, now, until time.Time) {
	if len(m) > 10_000 {
		for k, u := range m {
			if !now.Before(u) {
				delete(m, k)
			}
		}
	}
	m[id] = until
}

// seenFor is how long RedisTokens trusts a confirmation it has read or
// written without asking Redis again.
const seenFor = time.Second

// RedisTokens is the TokenState shared by every replica on one Redis.
// When Redis does not answer, a token counts as not confirmed (the cache
// then asks the tenant) and not revoked (the tenant itself refuses it).
//
// Revoked, asked once per request when it is authenticated, reads the
// token's confirmation in the same round trip, and a confirmation read or
// written here is trusted for up to seenFor (never past its recheck): the
// result cache's and every upstream read's Confirmed then cost no round
// trip. A revocation is always read from Redis, so a request authenticated
// after another replica's Revoke is refused; one authenticated before it
// (or an operation of a WebSocket authenticated earlier) may still be
// answered from the cache for up to seenFor.
type RedisTokens struct {
	rdb    redis.UniversalClient
	prefix string
	opts   TokenOptions

	mu   sync.Mutex
	seen map[string]time.Time // until when a confirmation holds without Redis
}

// NewRedisTokens returns a TokenState in rdb.
func NewRedisTokens(rdb redis.UniversalClient, opts TokenOptions) *RedisTokens {
	return &RedisTokens{rdb: rdb, prefix: "sailgraph:token:", opts: opts.withDefaults(), seen: map[string]time.Time{}}
}

// key names one of a token's keys; the id is their hash tag, so that
// Revoked reads both in one MGET, also on a Cluster.
func (r *RedisTokens) key(id, what string) string { return r.prefix + "{" + id + "}:" + what }

func (r *RedisTokens) short(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.opts.Timeout)
}

// remember judges a confirmation made at at (on this replica's clock,
// as stored), and keeps it for seenFor when it holds.
func (r *RedisTokens) remember(id string, at, now time.Time) bool {
	until := at.Add(r.opts.Recheck)
	if !now.Before(until) {
		return false
	}
	if trust := now.Add(seenFor); trust.Before(until) {
		until = trust
	}
	r.mu.Lock()
	mark(r.seen, id, now, until)
	r.mu.Unlock()
	return true
}

// Confirmed implements TokenState. The confirmation's time is stored and
// judged by this replica's clock (the key's TTL only cleans up).
func (r *RedisTokens) Confirmed(ctx context.Context, id string) bool {
	now := r.opts.Now()
	r.mu.Lock()
	seen := now.Before(r.seen[id])
	r.mu.Unlock()
	if seen {
		return true
	}
	ctx, cancel := r.short(ctx)
	defer cancel()
	ms, err := r.rdb.Get(ctx, r.key(id, "ok")).Int64()
	if err != nil {
		return false
	}
	return r.remember(id, time.UnixMilli(ms), now)
}

// Confirm implements TokenState.
func (r *RedisTokens) Confirm(ctx context.Context, id string) {
	ctx, cancel := r.short(ctx)
	defer cancel()
	now := r.opts.Now()
	if r.rdb.Set(ctx, r.key(id, "ok"), now.UnixMilli(), r.opts.Recheck+time.Minute).Err() == nil {
		r.remember(id, now, now)
	}
}

// Revoke implements TokenState.
func (r *RedisTokens) Revoke(ctx context.Context, id string) {
	r.mu.Lock()
	delete(r.seen, id)
	r.mu.Unlock()
	ctx, cancel := r.short(ctx)
	defer cancel()
	_, _ = r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, r.key(id, "revoked"), "1", r.opts.RevokedFor)
		p.Del(ctx, r.key(id, "ok"))
		return nil
	})
}

// Revoked implements TokenState, reading the token's confirmation in the
// same round trip for the Confirmed calls of the request to come.
func (r *RedisTokens) Revoked(ctx context.Context, id string) bool {
	now := r.opts.Now()
	ctx, cancel := r.short(ctx)
	defer cancel()
	vals, err := r.rdb.MGet(ctx, r.key(id, "revoked"), r.key(id, "ok")).Result()
	if err != nil || len(vals) != 2 {
		return false
	}
	if vals[0] != nil {
		r.mu.Lock()
		delete(r.seen, id)
		r.mu.Unlock()
		return true
	}
	if s, ok := vals[1].(string); ok {
		if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
			r.remember(id, time.UnixMilli(ms), now)
		}
	}
	return false
}

// tokenExpiry reads the exp claim of a JWT-shaped token (ISC's access
// tokens are JWTs), without verifying it: only the tenant can, and does.
// ok is false for a token that is not a JWT or has no exp.
func tokenExpiry(tok string) (time.Time, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || len(parts[1]) > 8<<10 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp *json.Number `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp == nil {
		return time.Time{}, false
	}
	sec, err := claims.Exp.Float64()
	if err != nil || sec <= 0 {
		return time.Time{}, false
	}
	return time.Unix(int64(sec), 0), true
}

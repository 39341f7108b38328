package ratelimit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// RedisOptions tune a Redis limiter. The zero value is usable.
type RedisOptions struct {
	// Prefix starts every key (default "sailgraph").
	Prefix string
	// Timeout bounds each Redis call (default 200ms). Give the client
	// ContextTimeoutEnabled so that it applies to reads and writes too,
	// and short dial/read timeouts: a slow Redis costs every request.
	Timeout time.Duration
	// Grace is how long Redis may fail every call before the limiter falls
	// back to memory (default 1s, and at least twice Timeout). Until then
	// a request whose Redis call failed waits a little and asks again, and
	// a failed heartbeat is only noted: a Redis that stalls for less than
	// Grace (a slow command, a fork, a CPU-starved host) costs the
	// requests then waiting some latency, rather than switching every
	// replica to its share and back, each switch logged and counted.
	Grace time.Duration
	// Heartbeat is how often this replica tells Redis it is alive, learns
	// how many replicas are, and, while in fallback, checks whether Redis
	// answers again (default 1s). A replica counts as live for three
	// heartbeats.
	Heartbeat time.Duration
	// ReplicaID names this replica among the heartbeats (default host
	// name, pid and a random suffix).
	ReplicaID string
	// Logger gets one line when the limiter falls back to memory and one
	// when it returns to Redis (default slog.Default()).
	Logger *slog.Logger
	// OnFallback, if set, is called with true when the limiter falls back
	// to memory and false when it returns to Redis (for metrics). Calls
	// are serialised.
	OnFallback func(active bool)
}

func (o RedisOptions) withDefaults() RedisOptions {
	if o.Prefix == "" {
		o.Prefix = "sailgraph"
	}
	if o.Timeout <= 0 {
		o.Timeout = 200 * time.Millisecond
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = time.Second
	}
	if o.Grace <= 0 {
		o.Grace = max(time.Second, 2*o.Timeout)
	}
	if o.ReplicaID == "" {
		o.ReplicaID = defaultReplicaID()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

func defaultReplicaID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// errFallback tells Wait to leave its turn and use the in-memory share.
var errFallback = errors.New("ratelimit: redis unavailable")

// mode is how a Redis limiter grants while Redis is or was unavailable.
type mode struct {
	// share holds this replica's share of the budget.
	share *Memory
	// redis is false in fallback (share alone). After Redis answers again
	// it is true until probationEnd: a request needs a grant from share
	// and from Redis, because replicas that have not yet noticed Redis is
	// back still grant from their shares, uncounted by Redis.
	redis        bool
	probationEnd time.Time
}

// Redis is a Limiter whose budget and cooldowns live in Redis, shared by
// every replica: a GCRA bucket per Key (github.com/go-redis/redis_rate,
// one clock: Redis's TIME) sized by Rate.Bucket, and a cooldown key per
// Key whose TTL is the upstream's Retry-After. It works on a single Redis
// and on Redis Cluster: a Key's keys share one hash tag.
//
// When Redis has failed every call for RedisOptions.Grace, Redis falls
// back to an in-memory limiter holding this replica's share of the budget
// (Rate.Share of the live replicas counted from heartbeats), logs it once,
// and goes back to Redis when a heartbeat succeeds again, logging that
// once too. For one window and two heartbeats after that (a probation) a
// request needs a grant from the share as well as from Redis: replicas
// that have not yet noticed Redis is back still spend their shares, which
// Redis never counts. Close stops the heartbeat.
type Redis struct {
	rdb      redis.UniversalClient
	gcra     *redis_rate.Limiter
	limit    redis_rate.Limit
	rate     Rate
	bucket   Bucket
	keys     keys
	opts     RedisOptions
	cooldown *redis.Script

	cool  *cooldowns
	turns *turns

	replicas atomic.Int64
	mode     atomic.Pointer[mode] // nil: Redis alone
	switchMu sync.Mutex           // serialises mode changes

	stop      context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
}

// setCooldownScript extends a cooldown key's TTL to ARGV[1] ms, never
// shortening a longer one.
const setCooldownScript = `
local want = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < want then
  redis.call('SET', KEYS[1], '1', 'PX', want)
end
return 0
`

// NewRedis returns a limiter for budget r on rdb and starts its
// heartbeat; call Close when done.
func NewRedis(rdb redis.UniversalClient, r Rate, opts RedisOptions) *Redis {
	b := r.Bucket()
	ctx, stop := context.WithCancel(context.Background())
	l := &Redis{
		rdb:      rdb,
		gcra:     redis_rate.NewLimiter(rdb),
		limit:    redis_rate.Limit{Rate: b.Refill, Burst: b.Burst, Period: b.Per},
		rate:     r,
		bucket:   b,
		opts:     opts.withDefaults(),
		cooldown: redis.NewScript(setCooldownScript),
		cool:     newCooldowns(),
		turns:    newTurns(),
		stop:     stop,
		done:     make(chan struct{}),
	}
	l.keys = keys{prefix: l.opts.Prefix}
	l.replicas.Store(1)
	go l.heartbeat(ctx)
	return l
}

// Close stops the heartbeat and removes this replica from the live set.
func (l *Redis) Close() error {
	l.closeOnce.Do(func() {
		l.stop()
		<-l.done
	})
	return nil
}

// Wait implements Limiter. One waiter per Key at a time asks Redis; the
// others queue in memory, and one whose queue is already longer than its
// deadline allows is refused at once.
func (l *Redis) Wait(ctx context.Context, key Key) error {
	if m := l.currentMode(); m != nil {
		if err := m.share.Wait(ctx, key); err != nil || !m.redis {
			return err
		}
	}
	t, ahead := l.turns.join(key)
	defer l.turns.leave(key, t)
	est := time.Duration(ahead+1) * l.bucket.Interval() * time.Duration(l.replicas.Load())
	if ahead > 0 && !fits(ctx, est) {
		return &DelayError{Wait: est}
	}
	select {
	case t.ch <- struct{}{}:
	case <-ctx.Done():
		return doneErr(ctx, est, false)
	}
	err := l.waitTurn(ctx, key)
	<-t.ch
	if errors.Is(err, errFallback) {
		return l.Wait(ctx, key) // the mode changed: start again in the new one
	}
	return err
}

// waitTurn asks Redis for a slot until it grants one, holding the Key's
// turn. It returns errFallback once the limiter is in fallback.
func (l *Redis) waitTurn(ctx context.Context, key Key) error {
	var run failures
	for {
		if m := l.mode.Load(); m != nil && !m.redis {
			return errFallback
		}
		asked := time.Now()
		cd, err := l.cooldownLeft(ctx, key)
		if err != nil {
			if err := l.failed(ctx, &run, asked, err); err != nil {
				return err
			}
			continue
		}
		if cd > 0 {
			if !fits(ctx, cd) {
				return &DelayError{Wait: cd, Cooldown: true}
			}
			if err := sleep(ctx, cd, true); err != nil {
				return err
			}
			continue
		}
		asked = time.Now()
		res, err := l.allow(ctx, key)
		if err != nil {
			if err := l.failed(ctx, &run, asked, err); err != nil {
				return err
			}
			continue
		}
		// Redis granted or refused a slot: it answers. (A cooldown read
		// alone does not tell: Redis may serve reads and refuse writes.)
		run.reset()
		if res.Allowed > 0 {
			return nil
		}
		if !fits(ctx, res.RetryAfter) {
			return &DelayError{Wait: res.RetryAfter}
		}
		if err := sleep(ctx, res.RetryAfter, false); err != nil {
			return err
		}
	}
}

// failed handles a Redis error in Wait, for a call made at asked. The
// caller's own ctx ending is the caller's error. Otherwise, once run's
// failures have lasted the grace, the limiter falls back (errFallback);
// until then failed pauses briefly (a refused connection fails at once)
// and returns nil for the caller to ask Redis again.
func (l *Redis) failed(ctx context.Context, run *failures, asked time.Time, err error) error {
	if ctx.Err() != nil {
		return doneErr(ctx, l.bucket.Interval(), false)
	}
	if run.add(asked, l.opts.Grace) {
		l.enterFallback(err)
		return errFallback
	}
	l.opts.Logger.Debug("ratelimit: Redis did not answer; asking again", "err", err.Error())
	return sleep(ctx, l.opts.Timeout/4, false)
}

func (l *Redis) allow(ctx context.Context, key Key) (*redis_rate.Result, error) {
	rctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
	defer cancel()
	return l.gcra.Allow(rctx, l.keys.bucket(key), l.limit)
}

// cooldownLeft is the longer of this process's and Redis's cooldown for
// key; a cooldown learnt from Redis is remembered locally, so it holds
// even if Redis goes away.
func (l *Redis) cooldownLeft(ctx context.Context, key Key) (time.Duration, error) {
	if d := l.cool.left(key); d > 0 {
		return d, nil
	}
	rctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
	defer cancel()
	d, err := l.rdb.PTTL(rctx, l.keys.cooldown(key)).Result()
	if err != nil {
		return 0, err
	}
	if d <= 0 { // -2: no key; -1: no TTL (never written so)
		return 0, nil
	}
	l.cool.set(key, d)
	return d, nil
}

// Cooldown implements Limiter: the cooldown is kept locally at once and
// written to Redis with d as its TTL, for every replica to honour. A Redis
// failure is not returned, as the local cooldown still holds; whether
// Redis is down is for Wait and the heartbeat to judge, over the grace.
func (l *Redis) Cooldown(ctx context.Context, key Key, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	l.cool.set(key, d)
	if m := l.mode.Load(); m != nil && !m.redis {
		return nil
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.opts.Timeout)
	defer cancel()
	ms := max(1, d.Milliseconds())
	if err := l.cooldown.Run(rctx, l.rdb, []string{l.keys.cooldown(key)}, ms).Err(); err != nil {
		l.opts.Logger.Debug("ratelimit: Redis did not take a cooldown; it holds on this replica", "key", key.String(), "err", err.Error())
	}
	return nil
}

// Fallback reports whether the limiter grants from its in-memory share
// alone because Redis is not answering.
func (l *Redis) Fallback() bool {
	m := l.mode.Load()
	return m != nil && !m.redis
}

// Replicas is the number of live replicas last counted in Redis.
func (l *Redis) Replicas() int { return int(l.replicas.Load()) }

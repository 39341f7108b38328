package ratelimit

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// failures is a run of failed Redis calls with no answer between them.
// Redis counts as not answering once the run has lasted the grace, from
// the start of its first call: one slow reply, even one past Timeout,
// is not an outage.
type failures struct{ since time.Time }

// add records a failed call made at asked and reports whether the run
// has now lasted grace.
func (f *failures) add(asked time.Time, grace time.Duration) bool {
	if f.since.IsZero() {
		f.since = asked
	}
	return time.Since(f.since) >= grace
}

// reset ends the run: Redis answered.
func (f *failures) reset() { f.since = time.Time{} }

// heartbeat runs until ctx ends: each beat records this replica as live
// for three beats, counts the live replicas, and leaves the fallback if
// Redis answers again (or enters it if Redis has stopped answering for
// the grace).
func (l *Redis) heartbeat(ctx context.Context) {
	defer close(l.done)
	t := time.NewTicker(l.opts.Heartbeat)
	defer t.Stop()
	var run failures
	for {
		l.beat(ctx, &run)
		select {
		case <-ctx.Done():
			l.deregister()
			return
		case <-t.C:
		}
	}
}

func (l *Redis) beat(ctx context.Context, run *failures) {
	rctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
	defer cancel()
	now := time.Now()
	ttl := 3 * l.opts.Heartbeat
	key := l.keys.replicas()
	var live *redis.IntCmd
	_, err := l.rdb.TxPipelined(rctx, func(p redis.Pipeliner) error {
		p.ZAdd(rctx, key, redis.Z{Score: float64(now.Add(ttl).UnixMilli()), Member: l.opts.ReplicaID})
		p.ZRemRangeByScore(rctx, key, "-inf", strconv.FormatInt(now.UnixMilli(), 10))
		live = p.ZCard(rctx, key)
		p.PExpire(rctx, key, ttl)
		return nil
	})
	if err != nil {
		if ctx.Err() == nil && run.add(now, l.opts.Grace) {
			l.enterFallback(err)
		}
		return
	}
	run.reset()
	l.replicas.Store(max(1, live.Val()))
	l.leaveFallback()
}

// deregister removes this replica from the live set on Close, so the
// others' shares grow at once rather than after three heartbeats.
func (l *Redis) deregister() {
	ctx, cancel := context.WithTimeout(context.Background(), l.opts.Timeout)
	defer cancel()
	_ = l.rdb.ZRem(ctx, l.keys.replicas(), l.opts.ReplicaID).Err()
}

// currentMode returns the mode, ending a probation that is over.
func (l *Redis) currentMode() *mode {
	m := l.mode.Load()
	if m == nil || !m.redis || time.Now().Before(m.probationEnd) {
		return m
	}
	l.mode.CompareAndSwap(m, nil)
	return nil
}

// enterFallback switches to this replica's in-memory share of the budget.
// A fresh share's buckets start empty for one window, so the switch adds
// no burst on top of what Redis already granted in it; a share still on
// probation keeps its state.
func (l *Redis) enterFallback(cause error) {
	l.switchMu.Lock()
	defer l.switchMu.Unlock()
	m := l.mode.Load()
	if m != nil && !m.redis {
		return
	}
	n := int(l.replicas.Load())
	share := l.rate.Share(n)
	next := &mode{}
	if m != nil {
		next.share = m.share
	} else {
		next.share = newMemory(share.Bucket(), l.cool, time.Now().Add(l.rate.Per))
	}
	l.mode.Store(next)
	l.opts.Logger.Warn("ratelimit: Redis is not answering; using this replica's in-memory share of the budget",
		"err", cause.Error(), "replicas", n, "share", share.String(), "budget", l.rate.String())
	if l.opts.OnFallback != nil {
		l.opts.OnFallback(true)
	}
}

// leaveFallback goes back to Redis, with a probation: until every replica
// has noticed Redis is back (within a heartbeat) and one more window has
// passed, requests need a grant from this replica's share as well, so
// the shares' grants that Redis never saw cannot add to Redis's.
func (l *Redis) leaveFallback() {
	l.switchMu.Lock()
	defer l.switchMu.Unlock()
	m := l.mode.Load()
	if m == nil || m.redis {
		return
	}
	end := time.Now().Add(l.rate.Per + 2*l.opts.Heartbeat)
	l.mode.Store(&mode{share: m.share, redis: true, probationEnd: end})
	l.opts.Logger.Info("ratelimit: Redis answers again; back on the shared budget", "budget", l.rate.String())
	if l.opts.OnFallback != nil {
		l.opts.OnFallback(false)
	}
}

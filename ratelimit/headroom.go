package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Headroomer is implemented by the limiters that can say, without
// spending anything, how much room a budget has left right now. Code that
// can choose when to call the tenant (the job watchers' polls) asks it
// and holds back while the budget is nearly spent, leaving it to callers
// who cannot wait.
type Headroomer interface {
	// Headroom is the part of key's bucket that is free now, from 0 (the
	// bucket is empty: the next request waits, or a 429 cooldown holds
	// the key) to 1 (a full burst could go at once). It reads the state
	// and changes nothing. A bucket drained at about the budget's rate
	// reads near 0 even between grants, so a reading under 0.2 means
	// "busy".
	Headroom(ctx context.Context, key Key) (float64, error)
}

var (
	_ Headroomer = (*Memory)(nil)
	_ Headroomer = (*Redis)(nil)
)

// Headroom implements Headroomer: the tokens key's bucket holds now (less
// those promised to callers already waiting for one) over its burst. A key
// that has not been used has a full bucket.
func (m *Memory) Headroom(_ context.Context, key Key) (float64, error) {
	if m.cool.left(key) > 0 {
		return 0, nil
	}
	m.mu.Lock()
	lim, ok := m.buckets[key]
	m.mu.Unlock()
	if !ok {
		return 1, nil
	}
	return clamp01(lim.TokensAt(time.Now()) / float64(m.bucket.Burst)), nil
}

// headroomScript returns how far the GCRA's theoretical arrival time of
// KEYS[1] (a github.com/go-redis/redis_rate key) is ahead of Redis's
// clock, in seconds ("0" for a key not in use), and the PTTL of the
// cooldown KEYS[2]: both in one round trip (a Key's keys share a hash
// tag, so also on a Cluster). It uses redis_rate's epoch and writes
// nothing.
const headroomScript = `
local cool = redis.call('PTTL', KEYS[2])
local tat = redis.call('GET', KEYS[1])
if not tat then return {'0', cool} end
local now = redis.call('TIME')
now = (now[1] - 1483228800) + (now[2] / 1000000)
return {tostring(tonumber(tat) - now), cool}
`

var headroomLua = redis.NewScript(headroomScript)

// redisRatePrefix is what redis_rate puts before the keys it is given.
const redisRatePrefix = "rate:"

// Headroom implements Headroomer: the free part of key's GCRA bucket in
// Redis (a theoretical arrival time t ahead of now leaves
// 1 - t/(Burst·Interval) of the burst), less the callers of this replica
// already queued for the key; 0 while a cooldown holds the key. While the
// limiter runs on its in-memory share (Redis not answering) it is the
// share's headroom; during the probation after, the lower of the two. A
// Redis error is returned with the share's (or a full) reading, so a
// caller that ignores the error still gets a sensible number.
func (l *Redis) Headroom(ctx context.Context, key Key) (float64, error) {
	if l.cool.left(key) > 0 {
		return 0, nil
	}
	share := 1.0
	if m := l.currentMode(); m != nil {
		share, _ = m.share.Headroom(ctx, key)
		if !m.redis {
			return share, nil
		}
	}
	rctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
	defer cancel()
	res, err := headroomLua.Run(rctx, l.rdb, []string{redisRatePrefix + l.keys.bucket(key), l.keys.cooldown(key)}).Slice()
	if err != nil {
		return share, err
	}
	if len(res) != 2 {
		return share, fmt.Errorf("ratelimit: headroom script answered %v", res)
	}
	if cool, _ := res[1].(int64); cool > 0 {
		return 0, nil
	}
	tat, _ := res[0].(string)
	ahead, err := strconv.ParseFloat(tat, 64)
	if err != nil {
		return share, err
	}
	span := float64(l.bucket.Burst) * l.bucket.Interval().Seconds()
	free := 1 - max(ahead, 0)/span
	if ahead := l.queued(key); ahead > 0 {
		free -= float64(ahead) / float64(l.bucket.Burst)
	}
	return min(clamp01(free), share), nil
}

// queued is how many of this replica's callers wait for key's turn.
func (l *Redis) queued(key Key) int {
	l.turns.mu.Lock()
	defer l.turns.mu.Unlock()
	if t, ok := l.turns.m[key]; ok {
		return t.waiters
	}
	return 0
}

func clamp01(f float64) float64 { return min(max(f, 0), 1) }

package ratelimit

import (
	"errors"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/logtest"
	"github.com/sailgraph/sailgraph/internal/redistest"
	"github.com/sailgraph/sailgraph/internal/waittest"
)

// TestRedisKeysShareOneSlot checks on a real Cluster that a Key's bucket
// (as redis_rate names it) and its cooldown hash to the same slot, also
// when the client id holds braces, and that different Keys may not.
func TestRedisKeysShareOneSlot(t *testing.T) {
	cl := redistest.StartCluster(t, 3)
	c := cl.Client(t)
	ctx := ctxFor(t, 10*time.Second)
	k := keys{prefix: "sailgraph"}
	slots := map[int64]bool{}
	for _, key := range []Key{{"client", "beta"}, {"client", "v2024"}, {"a{b}c", "beta"}, {"}{", "v2024"}, {"tenant|tok:abc", "beta"}} {
		bucket, err := c.ClusterKeySlot(ctx, "rate:"+k.bucket(key)).Result()
		if err != nil {
			t.Fatal(err)
		}
		cool, err := c.ClusterKeySlot(ctx, k.cooldown(key)).Result()
		if err != nil {
			t.Fatal(err)
		}
		if bucket != cool {
			t.Errorf("%v: bucket in slot %d, cooldown in slot %d", key, bucket, cool)
		}
		slots[bucket] = true
	}
	if len(slots) < 2 {
		t.Errorf("every key in one slot %v: the hash tag does not include the key", slots)
	}
	if a, b := k.bucket(Key{"a|b", "c"}), k.bucket(Key{"a", "b|c"}); a == b {
		t.Errorf("two keys share the name %q", a)
	}
}

// TestRedisKilledMidRun stops Redis under three replicas busy with one
// budget, then starts it again: no Wait fails, grants keep coming from
// the replicas' shares while Redis is away, the budget holds in every
// window throughout (both switches included), and each replica says so
// once in its log and to OnFallback, each way.
func TestRedisKilledMidRun(t *testing.T) {
	srv := redistest.Start(t)
	r := Rate{N: 60, Per: 2 * time.Second}
	var (
		logs   [3]logtest.Buffer
		mu     sync.Mutex
		events [3][]bool
	)
	ls := make([]*Redis, 3)
	prefix := uniquePrefix()
	for i := range ls {
		i := i
		opts := RedisOptions{
			Prefix:    prefix,
			Heartbeat: 100 * time.Millisecond,
			Logger:    slog.New(slog.NewTextHandler(&logs[i], nil)),
			OnFallback: func(active bool) {
				mu.Lock()
				events[i] = append(events[i], active)
				mu.Unlock()
			},
		}
		ls[i] = redisGroup(t, []string{srv.Addr()}, r, 1, opts)[0]
	}
	waittest.Until(t, "every replica counts three", func() bool {
		return ls[0].Replicas() == 3 && ls[1].Replicas() == 3 && ls[2].Replicas() == 3
	})

	grants, stop := spend(t, ls, 12)
	pause := func(d time.Duration) {
		select {
		case <-time.After(d):
		case <-t.Context().Done():
		}
	}
	pause(time.Second)
	killed := time.Since(grants.start)
	srv.Stop()
	waittest.Until(t, "every replica falls back", func() bool {
		return ls[0].Fallback() && ls[1].Fallback() && ls[2].Fallback()
	})
	pause(2500 * time.Millisecond)
	restarted := time.Since(grants.start)
	srv.Restart()
	waittest.Until(t, "every replica is back on Redis", func() bool {
		return !ls[0].Fallback() && !ls[1].Fallback() && !ls[2].Fallback()
	})
	pause(3 * time.Second) // probation (one window and two heartbeats) and beyond
	stop()

	ts := grants.times()
	if got := maxInWindow(ts, r.Per); got > r.N {
		t.Errorf("%d grants in one %s window; budget %d", got, r.Per, r.N)
	}
	if n := grants.countBetween(killed+500*time.Millisecond, restarted); n == 0 {
		t.Errorf("no grants while Redis was down")
	}
	t.Logf("%d grants; killed at %s, restarted at %s; at most %d in a window", len(ts), killed, restarted, maxInWindow(ts, r.Per))
	mu.Lock()
	defer mu.Unlock()
	for i := range ls {
		if !slices.Equal(events[i], []bool{true, false}) {
			t.Errorf("replica %d: OnFallback calls %v, want [true false]; its log:\n%s", i, events[i], logs[i].String())
		}
		if n := logs[i].Count("Redis is not answering"); n != 1 {
			t.Errorf("replica %d logged the fallback %d times, want once", i, n)
		}
		if n := logs[i].Count("Redis answers again"); n != 1 {
			t.Errorf("replica %d logged the return %d times, want once", i, n)
		}
	}
}

// busyScript keeps Redis busy for ARGV[1] milliseconds of its own clock:
// Redis runs one script at a time and answers nothing else meanwhile, as
// when a slow command runs or the host starves it of CPU.
const busyScript = `
local function now() local t = redis.call('TIME') return t[1] * 1000 + t[2] / 1000 end
local stop = now() + tonumber(ARGV[1])
while now() < stop do end
return 0
`

// TestRedisStallKeepsRedis stalls Redis for longer than a call's Timeout
// but less than the Grace, under two replicas busy with one budget: the
// calls time out, yet no Wait fails, no replica switches to its share and
// back (no OnFallback call, no log line), and grants go on from Redis.
func TestRedisStallKeepsRedis(t *testing.T) {
	srv := redistest.Start(t)
	r := Rate{N: 60, Per: 2 * time.Second}
	const stall = 600 * time.Millisecond
	var (
		logs     [2]logtest.Buffer
		switches atomic.Int64
	)
	ls := make([]*Redis, 2)
	prefix := uniquePrefix()
	for i := range ls {
		ls[i] = redisGroup(t, []string{srv.Addr()}, r, 1, RedisOptions{
			Prefix:     prefix,
			Timeout:    200 * time.Millisecond,
			Grace:      3 * time.Second, // a stall five times longer still passes
			Heartbeat:  100 * time.Millisecond,
			Logger:     slog.New(slog.NewTextHandler(&logs[i], &slog.HandlerOptions{Level: slog.LevelDebug})),
			OnFallback: func(bool) { switches.Add(1) },
		})[0]
	}
	waittest.Until(t, "both replicas count two", func() bool { return ls[0].Replicas() == 2 && ls[1].Replicas() == 2 })

	grants, stop := spend(t, ls, 8)
	waittest.Until(t, "grants flow", func() bool { return len(grants.times()) >= 5 })
	busy := srv.Client()
	if err := busy.Eval(ctxFor(t, 10*time.Second), busyScript, nil, stall.Milliseconds()).Err(); err != nil {
		t.Fatalf("stalling Redis: %v", err)
	}
	resumed := time.Since(grants.start)
	waittest.Until(t, "grants after the stall", func() bool { return grants.countBetween(resumed, time.Hour) >= 5 })
	stop()

	if got := maxInWindow(grants.times(), r.Per); got > r.N {
		t.Errorf("%d grants in one %s window; budget %d", got, r.Per, r.N)
	}
	if n := switches.Load(); n != 0 {
		t.Errorf("%d OnFallback calls for a %s stall, want none", n, stall)
	}
	felt := 0
	for i := range ls {
		if ls[i].Fallback() {
			t.Errorf("replica %d is in fallback", i)
		}
		if n := logs[i].Count("Redis is not answering") + logs[i].Count("Redis answers again"); n != 0 {
			t.Errorf("replica %d logged %d switches for a %s stall; its log:\n%s", i, n, stall, logs[i].String())
		}
		felt += logs[i].Count("Redis did not answer")
	}
	if felt == 0 {
		t.Error("no Redis call failed during the stall: the test did not stall Redis")
	}
}

// TestRedisUnreachableFromStart: with no Redis at all, requests still
// flow, from the in-memory share.
func TestRedisUnreachableFromStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now
	l := redisGroup(t, []string{addr}, Rate{N: 100, Per: time.Second}, 1, RedisOptions{Logger: quietLogger()})[0]
	for i := range 3 {
		if err := l.Wait(ctxFor(t, 5*time.Second), Key{"client", "beta"}); err != nil {
			t.Fatalf("Wait %d without Redis: %v", i, err)
		}
	}
	if !l.Fallback() {
		t.Error("Fallback() = false without Redis")
	}
	if err := l.Cooldown(ctxFor(t, time.Second), Key{"client", "beta"}, time.Second); err != nil {
		t.Fatalf("Cooldown without Redis: %v", err)
	}
	var de *DelayError
	if err := l.Wait(ctxFor(t, 200*time.Millisecond), Key{"client", "beta"}); !errors.As(err, &de) || !de.Cooldown {
		t.Errorf("Wait during a cooldown kept without Redis = %v, want a cooldown *DelayError", err)
	}
}

// TestRedisCountsReplicas: heartbeats count the live replicas, and a
// closed replica leaves the count at once.
func TestRedisCountsReplicas(t *testing.T) {
	srv := redistest.Start(t)
	ls := redisGroup(t, []string{srv.Addr()}, Rate{N: 100, Per: time.Second}, 3,
		RedisOptions{Heartbeat: 50 * time.Millisecond, Logger: quietLogger()})
	waittest.Until(t, "three replicas counted", func() bool { return ls[0].Replicas() == 3 })
	if err := ls[2].Close(); err != nil {
		t.Fatal(err)
	}
	waittest.Until(t, "two replicas counted", func() bool { return ls[0].Replicas() == 2 && ls[1].Replicas() == 2 })
}

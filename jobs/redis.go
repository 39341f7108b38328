package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisStore is a Store in Redis, shared by every replica. Each job has
//
//	<prefix>:{<job key>}:lease   the holder's id, with the lease's TTL
//	<prefix>:{<job key>}:state   a hash: seq, body (the last Update as
//	                             JSON), final
//
// and every update goes out on one channel, <prefix>:updates, as
// "<job key>\n<seq>\n<body>". The job key is the keys' hash tag, so a
// job's keys share a slot and every script touches one slot: it works on
// one Redis and on a Redis Cluster (where PUBLISH reaches every node).
//
// One channel for every job, rather than one per job, means a replica
// subscribes once, at start, and never misses an update between
// subscribing to a job and reading its state; updates are rare (a job
// publishes only when its state changes), so replicas reading those of
// jobs they do not watch costs little.
type RedisStore struct {
	rdb     redis.UniversalClient
	prefix  string
	channel string
	timeout time.Duration
}

var _ Store = (*RedisStore)(nil)

// RedisStoreOptions tune a RedisStore.
type RedisStoreOptions struct {
	// Prefix starts every key and the channel (default "sailgraph:jobs").
	Prefix string
	// Timeout bounds each Redis call (default 1s): a Redis that does not
	// answer in time counts as down, and the Hub polls on its own.
	Timeout time.Duration
}

// NewRedisStore returns a Store on rdb.
func NewRedisStore(rdb redis.UniversalClient, opts RedisStoreOptions) *RedisStore {
	if opts.Prefix == "" {
		opts.Prefix = "sailgraph:jobs"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	return &RedisStore{rdb: rdb, prefix: opts.Prefix, channel: opts.Prefix + ":updates", timeout: opts.Timeout}
}

func (s *RedisStore) lease(key string) string { return s.prefix + ":{" + key + "}:lease" }
func (s *RedisStore) state(key string) string { return s.prefix + ":{" + key + "}:state" }

// acquireScript takes or renews KEYS[1] (the lease) for ARGV[1] for
// ARGV[2] ms. While the caller holds it, a state that is not final is
// kept at least ARGV[3] ms, so that a long job whose state does not change
// keeps its sequence for the next holder. It returns {held, seq, body}.
const acquireScript = `
local cur = redis.call('GET', KEYS[1])
local held = 0
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  held = 1
elseif not cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  held = 1
end
local st = redis.call('HMGET', KEYS[2], 'seq', 'body', 'final')
if held == 1 and st[1] and st[3] ~= '1' and redis.call('PTTL', KEYS[2]) < tonumber(ARGV[3]) then
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
return {held, st[1], st[2]}
`

// publishScript stores ARGV[2] as the state of a job whose lease
// (KEYS[1]) ARGV[1] holds, with the next sequence number, keeps it ARGV[4]
// ms and publishes it on ARGV[5] under the job key ARGV[6]. It returns
// the sequence number, or -1 when ARGV[1] does not hold the lease.
const publishScript = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('HSET', KEYS[2], 'body', ARGV[2], 'final', ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[6] .. '\n' .. seq .. '\n' .. ARGV[2])
return seq
`

// releaseScript deletes the lease KEYS[1] if ARGV[1] holds it.
const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`

var (
	publishLua = redis.NewScript(publishScript)
	releaseLua = redis.NewScript(releaseScript)
)

// Acquire implements Store, in one pipeline for every key.
func (s *RedisStore) Acquire(ctx context.Context, owner string, keys []string, ttl time.Duration) ([]Lease, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	keep := keepRunning(ttl)
	cmds := make([]*redis.Cmd, len(keys))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Eval(ctx, acquireScript, []string{s.lease(k), s.state(k)}, owner, ttl.Milliseconds(), keep.Milliseconds())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Lease, len(keys))
	for i, c := range cmds {
		vals, err := c.Slice()
		if err != nil || len(vals) != 3 {
			return nil, fmt.Errorf("jobs: acquire %s: %v", keys[i], err)
		}
		held, _ := vals[0].(int64)
		out[i].Held = held == 1
		seqText, _ := vals[1].(string)
		body, _ := vals[2].(string)
		if seqText == "" || body == "" {
			continue
		}
		u, err := decodeUpdate(seqText, body)
		if err != nil {
			return nil, fmt.Errorf("jobs: state of %s: %w", keys[i], err)
		}
		out[i].Last = &u
	}
	return out, nil
}

// Publish implements Store.
func (s *RedisStore) Publish(ctx context.Context, owner, key string, u Update, keep time.Duration) (int64, bool, error) {
	body, err := json.Marshal(u)
	if err != nil {
		return 0, false, err
	}
	final := "0"
	if u.Final {
		final = "1"
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	seq, err := publishLua.Run(ctx, s.rdb, []string{s.lease(key), s.state(key)},
		owner, body, final, max(keep.Milliseconds(), 1), s.channel, key).Int64()
	if err != nil {
		return 0, false, err
	}
	if seq < 0 {
		return 0, false, nil
	}
	return seq, true, nil
}

// Release implements Store.
func (s *RedisStore) Release(ctx context.Context, owner string, keys ...string) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var errs []error
	for _, k := range keys {
		if err := releaseLua.Run(ctx, s.rdb, []string{s.lease(k)}, owner).Err(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Listen implements Store. go-redis keeps the subscription's connection
// alive and reconnects it; updates published while it was down are
// missed here, and the Hub's next Acquire reads them from the states.
func (s *RedisStore) Listen(fn func(string, Update)) (func(), error) {
	ctx := context.Background()
	ps := s.rdb.Subscribe(ctx, s.channel)
	// Wait for the confirmation, briefly: with Redis down, go-redis
	// subscribes when it reconnects.
	rctx, cancel := context.WithTimeout(ctx, s.timeout)
	_, err := ps.Receive(rctx)
	cancel()
	ch := ps.Channel(redis.WithChannelSize(1024))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for msg := range ch {
			key, seqText, body, ok := splitMessage(msg.Payload)
			if !ok {
				continue
			}
			u, err := decodeUpdate(seqText, body)
			if err != nil {
				continue
			}
			fn(key, u)
		}
	}()
	stop := func() {
		_ = ps.Close()
		<-done
	}
	return stop, err
}

func splitMessage(payload string) (key, seq, body string, ok bool) {
	key, rest, ok1 := strings.Cut(payload, "\n")
	seq, body, ok2 := strings.Cut(rest, "\n")
	return key, seq, body, ok1 && ok2
}

func decodeUpdate(seqText, body string) (Update, error) {
	var u Update
	if err := json.Unmarshal([]byte(body), &u); err != nil {
		return Update{}, err
	}
	seq, err := strconv.ParseInt(seqText, 10, 64)
	if err != nil {
		return Update{}, err
	}
	u.Seq = seq
	return u, nil
}

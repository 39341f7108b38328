package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/redis/go-redis/v9"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/sailgraph/sailgraph/apierr"
)

// CodeSubscriptionLimit is the extensions.code of a subscription refused
// because its caller has as many open as it may.
const CodeSubscriptionLimit = "SUBSCRIPTION_LIMIT_EXCEEDED"

// DefaultMaxSubscriptions is how many subscriptions one caller may have
// open at once unless configured (SAILGRAPH_MAX_SUBSCRIPTIONS_PER_KEY).
const DefaultMaxSubscriptions = 1000

// openTTL is how long an open subscription counts in Redis without being
// refreshed: a replica that dies stops refreshing its subscriptions, and
// they stop counting within openTTL. refreshEvery is how often a live
// replica refreshes them.
const (
	openTTL      = 30 * time.Second
	refreshEvery = 10 * time.Second
)

// Streams returns the gqlgen extension for the streaming transports:
//
//   - A subscription is admitted only while its caller has fewer than
//     MaxSubscriptions open, across every replica when Redis is
//     configured; beyond that it is refused with
//     SUBSCRIPTION_LIMIT_EXCEEDED. It counts until it ends, however it
//     ends (completed, stopped by the client, connection closed).
//   - An operation sent over a WebSocket counts against the caller's
//     request rate (when one is set), as an HTTP request does: the
//     connection's upgrade was counted once, by Middleware.
//
// Its events cost the caller nothing: the job watchers poll for everyone,
// outside any caller's request. Opening one is admitted by Extension like
// any operation (the schema gives subscription fields a cost of 1).
func (f *FairShare) Streams() graphql.HandlerExtension { return streams{f} }

type streams struct{ f *FairShare }

var (
	_ graphql.HandlerExtension     = streams{}
	_ graphql.OperationInterceptor = streams{}
)

func (streams) ExtensionName() string                   { return "FairShareStreams" }
func (streams) Validate(graphql.ExecutableSchema) error { return nil }

func (s streams) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	f := s.f
	bucket, r, _ := f.limits(ctx)
	if r.N > 0 && overWebSocket(ctx) {
		if wait := f.take(ctx, bucket+":rate", r, 1); wait > 0 {
			secs := apierr.RetryAfterSeconds(wait)
			return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
				Message:    fmt.Sprintf("your API key's request rate is spent; retry after %d s", secs),
				Extensions: map[string]any{"code": string(apierr.RateLimited), "retryAfterSeconds": secs},
			}}})
		}
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
		return next(ctx)
	}
	release, ok := f.open.open(ctx, bucket, f.maxSubs)
	if !ok {
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
			Message: fmt.Sprintf("your API key has %d subscriptions open, the most it may; close one first", f.maxSubs),
			Extensions: map[string]any{
				"code":             CodeSubscriptionLimit,
				"maxSubscriptions": f.maxSubs,
			},
		}}})
	}
	var once sync.Once
	done := func() { once.Do(release) }
	// The subscription ends when its handler has nothing more, or when
	// its context ends (the client stopped it, the connection closed)
	// even if the transport never asks the handler again.
	stop := context.AfterFunc(ctx, done)
	h := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		resp := h(ctx)
		if resp == nil {
			stop()
			done()
		}
		return resp
	}
}

type webSocketKey struct{}

// overWebSocket reports whether ctx is an operation of a WebSocket
// connection (WebSocketInit marked it).
func overWebSocket(ctx context.Context) bool { return ctx.Value(webSocketKey{}) != nil }

// openCounter counts each caller's open subscriptions.
type openCounter interface {
	// open admits one more subscription of bucket if it has fewer than
	// max, and returns the function that ends it.
	open(ctx context.Context, bucket string, max int) (release func(), ok bool)
	close() error
}

// memoryOpen counts in memory, for one replica.
type memoryOpen struct {
	mu sync.Mutex
	n  map[string]int
}

func newMemoryOpen() *memoryOpen { return &memoryOpen{n: map[string]int{}} }

func (m *memoryOpen) open(_ context.Context, bucket string, max int) (func(), bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n[bucket] >= max {
		return nil, false
	}
	m.n[bucket]++
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.n[bucket]--; m.n[bucket] <= 0 {
			delete(m.n, bucket)
		}
	}, true
}

func (m *memoryOpen) close() error { return nil }

// redisOpen counts in Redis, for every replica: a sorted set per caller,
// <prefix>:subs:{<bucket>}, whose members are open subscriptions scored
// by when they stop counting. This replica refreshes the score of its own
// every refreshEvery; one that dies leaves entries that lapse within
// openTTL, so the count cannot leak. While Redis does not answer, each
// replica admits up to the limit on its own count (logged once); its
// subscriptions join the set when Redis answers again.
type redisOpen struct {
	rdb    redis.UniversalClient
	prefix string
	log    *slog.Logger
	local  *memoryOpen
	// ttl and every are openTTL and refreshEvery (shorter in tests).
	ttl, every time.Duration

	mu   sync.Mutex
	mine map[string]map[string]struct{} // bucket -> ids open here
	down bool

	stop context.CancelFunc
	done chan struct{}
}

// openScript drops lapsed entries of KEYS[1], and adds ARGV[1] until
// ARGV[2] ms from now unless ARGV[3] are already open. Redis's clock
// scores every entry, so replicas' clocks need not agree.
const openScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`

// refreshScript moves the entries ARGV[2..] of KEYS[1] to ARGV[1] ms from
// now (adding them if they lapsed or never made it while Redis was down).
const refreshScript = `
local t = redis.call('TIME')
local expiry = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], expiry, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 0
`

var (
	openLua    = redis.NewScript(openScript)
	refreshLua = redis.NewScript(refreshScript)
)

func newRedisOpen(rdb redis.UniversalClient, prefix string, log *slog.Logger) *redisOpen {
	return startRedisOpen(rdb, prefix, log, openTTL, refreshEvery)
}

func startRedisOpen(rdb redis.UniversalClient, prefix string, log *slog.Logger, ttl, every time.Duration) *redisOpen {
	ctx, stop := context.WithCancel(context.Background())
	o := &redisOpen{rdb: rdb, prefix: prefix, log: log, local: newMemoryOpen(), ttl: ttl, every: every,
		mine: map[string]map[string]struct{}{}, stop: stop, done: make(chan struct{})}
	go o.refreshLoop(ctx)
	return o
}

// key is the caller's set; the bucket is hashed so that a key's name
// cannot end the hash tag early.
func (o *redisOpen) key(bucket string) string {
	sum := sha256.Sum256([]byte(bucket))
	return o.prefix + ":subs:{" + hex.EncodeToString(sum[:16]) + "}"
}

func (o *redisOpen) open(ctx context.Context, bucket string, max int) (func(), bool) {
	id := newOpenID()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 500*time.Millisecond)
	defer cancel()
	n, err := openLua.Run(rctx, o.rdb, []string{o.key(bucket)}, id, o.ttl.Milliseconds(), max).Int()
	o.observe(err)
	var localRelease func()
	if err != nil {
		var ok bool
		if localRelease, ok = o.local.open(ctx, bucket, max); !ok {
			return nil, false
		}
	} else if n == 0 {
		return nil, false
	}
	o.mu.Lock()
	if o.mine[bucket] == nil {
		o.mine[bucket] = map[string]struct{}{}
	}
	o.mine[bucket][id] = struct{}{}
	o.mu.Unlock()
	return func() {
		if localRelease != nil {
			localRelease()
		}
		o.mu.Lock()
		delete(o.mine[bucket], id)
		if len(o.mine[bucket]) == 0 {
			delete(o.mine, bucket)
		}
		o.mu.Unlock()
		rctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		_ = o.rdb.ZRem(rctx, o.key(bucket), id).Err()
	}, true
}

func (o *redisOpen) refreshLoop(ctx context.Context) {
	defer close(o.done)
	t := time.NewTicker(o.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		o.mu.Lock()
		batch := make(map[string][]any, len(o.mine))
		for bucket, ids := range o.mine {
			args := []any{o.ttl.Milliseconds()}
			for id := range ids {
				args = append(args, id)
			}
			batch[bucket] = args
		}
		o.mu.Unlock()
		for bucket, args := range batch {
			rctx, cancel := context.WithTimeout(ctx, time.Second)
			err := refreshLua.Run(rctx, o.rdb, []string{o.key(bucket)}, args...).Err()
			cancel()
			o.observe(err)
		}
	}
}

func (o *redisOpen) observe(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case err != nil && !o.down:
		o.down = true
		o.log.Warn("subscription limit: Redis is not answering; each replica counts its own subscriptions", "error", err.Error())
	case err == nil && o.down:
		o.down = false
		o.log.Info("subscription limit: Redis answers again; subscriptions counted across replicas")
	}
}

func (o *redisOpen) close() error {
	o.stop()
	<-o.done
	return nil
}

func newOpenID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

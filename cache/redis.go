package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisOptions tune a Redis store. The zero value is usable.
type RedisOptions struct {
	// Timeout bounds each Redis call (default 100ms). It reaches the
	// network only if the client has ContextTimeoutEnabled; give the
	// client short dial/read/write timeouts and few retries as well,
	// since a slow Redis would otherwise cost every request.
	Timeout time.Duration
	// Rest is how long the store stops trying after Redis failed; calls
	// meanwhile return ErrStoreUnavailable at once (default 1s).
	Rest time.Duration
	// Logger gets one line when Redis fails and one when it answers again
	// (default slog.Default()).
	Logger *slog.Logger
}

// Redis is a Store in Redis, a single node or a Cluster. Every command
// touches one key; an entry and its lease share a hash tag, so they live
// on one Cluster node.
//
// It fails open by design: a call that fails or takes longer than Timeout
// returns its error, and for the next Rest every call returns
// ErrStoreUnavailable without trying, so an outage costs each request
// nothing but a skipped cache.
type Redis struct {
	client  redis.UniversalClient
	timeout time.Duration
	rest    time.Duration
	log     *slog.Logger

	restUntil atomic.Int64 // UnixNano; 0 when healthy
	down      atomic.Bool  // for logging transitions once
}

var _ Store = (*Redis)(nil)

var errNoTTL = errors.New("cache: a redis key needs a positive ttl")

// NewRedis returns a store over client, which the caller keeps and closes.
func NewRedis(client redis.UniversalClient, opts RedisOptions) *Redis {
	if opts.Timeout <= 0 {
		opts.Timeout = 100 * time.Millisecond
	}
	if opts.Rest <= 0 {
		opts.Rest = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Redis{client: client, timeout: opts.Timeout, rest: opts.Rest, log: opts.Logger}
}

// Get implements Store.
func (r *Redis) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := r.resting(); err != nil {
		return nil, false, err
	}
	cctx, cancel := context.WithTimeout(ctx, r.timeout)
	b, err := r.client.Get(cctx, key).Bytes()
	cancel()
	if errors.Is(err, redis.Nil) {
		r.healthy()
		return nil, false, nil
	}
	if err != nil {
		return nil, false, r.failed(ctx, "get", err)
	}
	r.healthy()
	return b, true, nil
}

// Set implements Store.
func (r *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 { // Redis would keep the key forever
		return errNoTTL
	}
	if err := r.resting(); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, r.timeout)
	err := r.client.Set(cctx, key, value, ttl).Err()
	cancel()
	if err != nil {
		return r.failed(ctx, "set", err)
	}
	r.healthy()
	return nil
}

// Add implements Store with SET NX PX.
func (r *Redis) Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, errNoTTL
	}
	if err := r.resting(); err != nil {
		return false, err
	}
	cctx, cancel := context.WithTimeout(ctx, r.timeout)
	ok, err := r.client.SetNX(cctx, key, value, ttl).Result()
	cancel()
	if err != nil {
		return false, r.failed(ctx, "add", err)
	}
	r.healthy()
	return ok, nil
}

// Delete implements Store. Keys in different Cluster slots are deleted by
// separate commands, pipelined.
func (r *Redis) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	if err := r.resting(); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	var err error
	if len(keys) == 1 {
		err = r.client.Del(cctx, keys[0]).Err()
	} else {
		_, err = r.client.Pipelined(cctx, func(p redis.Pipeliner) error {
			for _, k := range keys {
				p.Del(cctx, k)
			}
			return nil
		})
	}
	if err != nil {
		return r.failed(ctx, "delete", err)
	}
	r.healthy()
	return nil
}

// resting returns ErrStoreUnavailable while the store rests after a
// failure.
func (r *Redis) resting() error {
	until := r.restUntil.Load()
	if until != 0 && time.Now().UnixNano() < until {
		return ErrStoreUnavailable
	}
	return nil
}

// failed wraps err and, unless the caller gave up (its own context ended)
// or Redis answered with an error reply (so it is up), starts a rest.
func (r *Redis) failed(ctx context.Context, op string, err error) error {
	var reply redis.Error
	if ctx.Err() == nil && !errors.As(err, &reply) {
		r.restUntil.Store(time.Now().Add(r.rest).UnixNano())
		if !r.down.Swap(true) {
			r.log.Warn("cache: redis failed; serving without the cache", slog.String("op", op), slog.Any("error", err), slog.Duration("rest", r.rest))
		}
	}
	return fmt.Errorf("cache: redis %s: %w", op, err)
}

func (r *Redis) healthy() {
	if r.down.Load() && r.down.Swap(false) {
		r.restUntil.Store(0)
		r.log.Info("cache: redis answers again")
	}
}

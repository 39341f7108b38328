package gateway

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sailgraph/sailgraph/config"
)

// ErrRedisMode is returned by New when SAILGRAPH_REDIS_URL names a Redis
// Cluster and the Redis there is a single one, or the other way round.
var ErrRedisMode = errors.New("SAILGRAPH_REDIS_URL does not match the Redis it names")

// newRedis connects to SAILGRAPH_REDIS_URL with short timeouts: a slow
// Redis must cost a request milliseconds, never seconds. It does not fail
// when Redis is down at start (the cache and the limiter fail open), only
// when the Redis there is not the kind the URL says (checkRedisMode).
func newRedis(ctx context.Context, raw string) (redis.UniversalClient, error) {
	opts, err := config.RedisOptions(raw)
	if err != nil {
		return nil, fmt.Errorf("SAILGRAPH_REDIS_URL: %w", err)
	}
	if err := checkRedisMode(ctx, opts); err != nil {
		return nil, err
	}
	opts.ContextTimeoutEnabled = true
	return redis.NewUniversalClient(opts), nil
}

// checkRedisMode asks the Redis that opts name whether it is what they
// say: a cluster node for a cluster URL, a single Redis otherwise. A
// mismatch would otherwise only show as every Redis call failing, read as
// "Redis is not answering" forever while the gateway runs on its
// fallbacks. A Redis that does not answer (down, or refusing INFO) is no
// reason not to start: the cache and the budget fail open, and the gateway
// uses Redis once it answers.
func checkRedisMode(ctx context.Context, opts *redis.UniversalOptions) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	for _, addr := range opts.Addrs {
		// Each node as the URL reaches it (credentials, TLS, timeouts),
		// asked once: database 0, which a cluster node also has, and no
		// retries.
		node := opts.Simple()
		node.Addr, node.DB, node.MaxRetries, node.ContextTimeoutEnabled = addr, 0, -1, true
		c := redis.NewClient(node)
		info := c.InfoMap(ctx, "cluster")
		_ = c.Close()
		if info.Err() != nil {
			continue // try the next node; none answering is no error
		}
		switch enabled := info.Item("Cluster", "cluster_enabled"); {
		case enabled == "":
			return nil // a Redis that does not say
		case opts.IsClusterMode && enabled != "1":
			return fmt.Errorf("%w: it names a Redis Cluster (several hosts, or cluster=true), but the Redis at %s is not a cluster node (cluster_enabled:0); for a single Redis, give one host without cluster=true",
				ErrRedisMode, addr)
		case !opts.IsClusterMode && enabled == "1":
			return fmt.Errorf("%w: it names a single Redis, but the Redis at %s is a Redis Cluster node (cluster_enabled:1); list the cluster's nodes (redis://h1:7000,h2:7001,h3:7002) or add cluster=true",
				ErrRedisMode, addr)
		}
		return nil
	}
	return nil
}

package gateway

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrRedisMode is returned by New when SAILGRAPH_REDIS_URL names a Redis
// Cluster and the Redis there is a single one, or the other way round.
var ErrRedisMode = errors.New("SAILGRAPH_REDIS_URL does not match the Redis it names")

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
		c := redis.NewClient(&redis.Options{
			Addr: addr, Username: opts.Username, Password: opts.Password, TLSConfig: opts.TLSConfig,
			DialTimeout: opts.DialTimeout, ReadTimeout: opts.ReadTimeout, WriteTimeout: opts.WriteTimeout,
			MaxRetries: -1, ContextTimeoutEnabled: true,
		})
		info, err := c.Info(ctx, "cluster").Result()
		_ = c.Close()
		if err != nil {
			continue // try the next node; none answering is no error
		}
		enabled, known := clusterEnabled(info)
		switch {
		case !known:
			return nil
		case opts.IsClusterMode && !enabled:
			return fmt.Errorf("%w: it names a Redis Cluster (several hosts, or cluster=true), but the Redis at %s is not a cluster node (cluster_enabled:0); for a single Redis, give one host without cluster=true",
				ErrRedisMode, addr)
		case !opts.IsClusterMode && enabled:
			return fmt.Errorf("%w: it names a single Redis, but the Redis at %s is a Redis Cluster node (cluster_enabled:1); list the cluster's nodes (redis://h1:7000,h2:7001,h3:7002) or add cluster=true",
				ErrRedisMode, addr)
		}
		return nil
	}
	return nil
}

// clusterEnabled reads cluster_enabled from an INFO cluster answer.
func clusterEnabled(info string) (enabled, known bool) {
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "cluster_enabled:"); ok {
			return v == "1", true
		}
	}
	return false, false
}

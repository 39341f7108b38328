package jobs

import (
	"context"
	"time"
)

// Store is where replicas elect one poller per job and share its states:
// a lease per job, the job's last update, and a feed of every update
// published. RedisStore shares them between replicas; MemoryStore keeps
// them in one process.
type Store interface {
	// Acquire takes, or renews, the lease of each key for owner until ttl
	// from now, unless another owner holds it, and returns each key's
	// last update. The Leases are in the order of keys.
	Acquire(ctx context.Context, owner string, keys []string, ttl time.Duration) ([]Lease, error)
	// Publish stores u as key's last update for keep and sends it to
	// every listener, with the next sequence number, if owner holds key's
	// lease; held is false (and nothing is stored) when it does not.
	Publish(ctx context.Context, owner, key string, u Update, keep time.Duration) (seq int64, held bool, err error)
	// Release gives up owner's leases of keys, so that another owner can
	// take them at once.
	Release(ctx context.Context, owner string, keys ...string) error
	// Listen calls fn with every update published from now on, by any
	// owner, until stop is called. fn must not block.
	Listen(fn func(key string, u Update)) (stop func(), err error)
}

// Lease is what Acquire found for one key.
type Lease struct {
	// Held is true when the caller holds the lease.
	Held bool
	// Last is the key's last update, nil when there is none.
	Last *Update
}

// keepRunning is how long the Store keeps the last state of a job that
// has not ended, under leases of ttl: the Hub publishes such a state for
// that long, and RedisStore's Acquire keeps it at least that long while
// the lease is held, so a long job whose state does not change keeps its
// sequence for the next holder.
func keepRunning(ttl time.Duration) time.Duration { return max(10*ttl, time.Minute) }

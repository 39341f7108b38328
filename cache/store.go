package cache

import (
	"context"
	"errors"
	"time"
)

// Store keeps opaque byte values under string keys, each with a time to
// live. Implementations are safe for concurrent use.
//
// Values are shared, not copied: Set takes ownership of value, and the
// slice Get returns must not be modified.
type Store interface {
	// Get returns the value under key; ok is false when the key is absent
	// or expired.
	Get(ctx context.Context, key string) (value []byte, ok bool, err error)
	// Set stores value under key for ttl (which must be positive).
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Add stores value under key for ttl only if the key is absent, and
	// reports whether it did. It is the lease the engine fills under.
	Add(ctx context.Context, key string, value []byte, ttl time.Duration) (added bool, err error)
	// Delete removes keys; absent keys are not an error. The keys need not
	// share a Redis Cluster slot.
	Delete(ctx context.Context, keys ...string) error
}

// ErrStoreUnavailable is returned, without trying, by a store that has
// recently failed and is resting before it tries again. The engine counts
// it as a bypass, not as a new error.
var ErrStoreUnavailable = errors.New("cache: store unavailable")

// ErrTooLarge is returned by Set when a value can never fit the store.
var ErrTooLarge = errors.New("cache: value too large for the store")

package ratelimit

import (
	"context"
	"time"
)

// ByAPI is a Limiter that sends each Key to the limiter of its API when it
// has one of its own (an API with its own configured budget), and to def
// otherwise. Every limiter keeps its buckets by the whole Key, so APIs
// that share def still have a bucket each.
type ByAPI struct {
	def   Limiter
	byAPI map[string]Limiter
}

var _ Limiter = (*ByAPI)(nil)

// NewByAPI returns a Limiter over def and the limiters of byAPI.
func NewByAPI(def Limiter, byAPI map[string]Limiter) *ByAPI {
	return &ByAPI{def: def, byAPI: byAPI}
}

func (b *ByAPI) pick(key Key) Limiter {
	if l, ok := b.byAPI[key.API]; ok {
		return l
	}
	return b.def
}

// Wait implements Limiter.
func (b *ByAPI) Wait(ctx context.Context, key Key) error { return b.pick(key).Wait(ctx, key) }

// Cooldown implements Limiter.
func (b *ByAPI) Cooldown(ctx context.Context, key Key, d time.Duration) error {
	return b.pick(key).Cooldown(ctx, key, d)
}

// Replicas is the live replicas def counts (1 when it counts none).
func (b *ByAPI) Replicas() int {
	if r, ok := b.def.(interface{ Replicas() int }); ok {
		return r.Replicas()
	}
	return 1
}

// NewReplicaID names this process among the replicas' heartbeats; give
// the same one to every Redis limiter of one gateway.
func NewReplicaID() string { return defaultReplicaID() }

var _ Headroomer = (*ByAPI)(nil)

// Headroom implements Headroomer with the limiter of key's API (1 when it
// cannot say: nothing is known to be busy).
func (b *ByAPI) Headroom(ctx context.Context, key Key) (float64, error) {
	if h, ok := b.pick(key).(Headroomer); ok {
		return h.Headroom(ctx, key)
	}
	return 1, nil
}

package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// APQStore holds persisted queries where every replica sees them;
// cache.Store (Redis or memory) satisfies it.
type APQStore interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Set(ctx context.Context, key string, v []byte, ttl time.Duration) error
}

// NewStoreAPQCache returns an Options.APQCache over store: a query
// registered on one replica is found by its hash on all of them. Store
// errors read as a miss (the client then sends the full query once more),
// so a Redis outage costs a round trip, never a failed request.
func NewStoreAPQCache(store APQStore, ttl time.Duration) graphql.Cache[string] {
	return &storeAPQ{store: store, ttl: ttl}
}

type storeAPQ struct {
	store APQStore
	ttl   time.Duration
}

const apqPrefix = "sg:apq:"

func (s *storeAPQ) Get(ctx context.Context, hash string) (string, bool) {
	v, ok, err := s.store.Get(ctx, apqPrefix+hash)
	if err != nil || !ok {
		return "", false
	}
	return string(v), true
}

func (s *storeAPQ) Add(ctx context.Context, hash, query string) {
	_ = s.store.Set(ctx, apqPrefix+hash, []byte(query), s.ttl)
}

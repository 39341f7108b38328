package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"
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

// The extensions.code of persisted-query refusals, as Apollo's clients
// know them (PERSISTED_QUERY_NOT_FOUND comes from gqlgen's own
// extension).
const (
	CodePersistedQueryNotSupported = "PERSISTED_QUERY_NOT_SUPPORTED"
	CodeBadRequest                 = "BAD_REQUEST"
)

// persistedQueries is gqlgen's AutomaticPersistedQuery with the request's
// persistedQuery extension checked first, so that every refusal carries a
// code a client can act on: a malformed extension or a hash that does not
// match the query is BAD_REQUEST, a version other than 1 is
// PERSISTED_QUERY_NOT_SUPPORTED, an unknown hash PERSISTED_QUERY_NOT_FOUND
// (the client then sends the query).
type persistedQueries struct {
	inner extension.AutomaticPersistedQuery
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = persistedQueries{}

func (p persistedQueries) ExtensionName() string { return p.inner.ExtensionName() }

func (p persistedQueries) Validate(es graphql.ExecutableSchema) error { return p.inner.Validate(es) }

func (p persistedQueries) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	v, ok := raw.Extensions["persistedQuery"]
	if !ok || v == nil {
		return nil
	}
	pq, ok := v.(map[string]any)
	if !ok {
		return codedError(CodeBadRequest, "extensions.persistedQuery must be an object with version and sha256Hash")
	}
	switch version := pq["version"].(type) {
	case json.Number:
		if version.String() != "1" {
			return codedError(CodePersistedQueryNotSupported, "persisted query version "+version.String()+" is not supported; use version 1")
		}
	case float64:
		if version != 1 {
			return codedError(CodePersistedQueryNotSupported, "persisted query versions other than 1 are not supported")
		}
	default:
		return codedError(CodeBadRequest, "extensions.persistedQuery.version must be the number 1")
	}
	hash, ok := pq["sha256Hash"].(string)
	if _, err := hex.DecodeString(hash); !ok || err != nil || len(hash) != 64 {
		return codedError(CodeBadRequest, "extensions.persistedQuery.sha256Hash must be the query's SHA-256 in hex")
	}
	if raw.Query != "" {
		if sum := sha256.Sum256([]byte(raw.Query)); hex.EncodeToString(sum[:]) != strings.ToLower(hash) {
			return codedError(CodeBadRequest, "extensions.persistedQuery.sha256Hash does not match the query")
		}
	}
	return p.inner.MutateOperationParameters(ctx, raw)
}

func codedError(code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": code}}
}

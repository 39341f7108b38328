package graph

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/cache"
	"github.com/sailgraph/sailgraph/internal/redistest"
)

// A query persisted through one replica is found by its hash on another
// that shares the Redis store; with Redis gone, the hash alone is a
// PERSISTED_QUERY_NOT_FOUND (the client resends the query), not a failure.
func TestPersistedQueriesSharedThroughRedis(t *testing.T) {
	rs := redistest.Start(t)
	store := cache.NewRedis(rs.Client(), cache.RedisOptions{Timeout: time.Second})
	one := newTestServer(t, Options{APQCache: NewStoreAPQCache(store, time.Hour)})
	two := newTestServer(t, Options{APQCache: NewStoreAPQCache(store, time.Hour)})

	query := "{ gateway { tenant } }"
	sum := sha256.Sum256([]byte(query))
	hash := hex.EncodeToString(sum[:])
	ext := fmt.Sprintf(`{"persistedQuery":{"version":1,"sha256Hash":%q}}`, hash)

	reg := post(t, one, mediaGraphQLResponse, mediaJSON, fmt.Sprintf(`{"query":%q,"extensions":%s}`, query, ext))
	if reg.status != 200 || len(reg.body.Errors) != 0 {
		t.Fatalf("register: %d %+v", reg.status, reg.body.Errors)
	}
	hit := get(t, two, mediaGraphQLResponse, url.Values{"extensions": {ext}})
	if hit.status != 200 || len(hit.body.Errors) != 0 || len(hit.body.Data) == 0 {
		t.Fatalf("hash only, other replica: %d %+v", hit.status, hit.body.Errors)
	}

	rs.Stop()
	miss := get(t, two, mediaGraphQLResponse, url.Values{"extensions": {ext}})
	if len(miss.body.Errors) != 1 || miss.body.Errors[0].code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("hash only, Redis down: %d %+v", miss.status, miss.body.Errors)
	}
}

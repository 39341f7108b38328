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

// Every persisted-query refusal carries the code a client acts on, over
// POST and GET, never INTERNAL.
func TestPersistedQueryRefusalsAreCoded(t *testing.T) {
	srv := newTestServer(t, Options{})
	query := "{ gateway { tenant } }"
	sum := sha256.Sum256([]byte(query))
	hash := hex.EncodeToString(sum[:])
	other := hex.EncodeToString(make([]byte, 32))
	cases := []struct {
		name, body string
		code       string
	}{
		{"hash does not match", fmt.Sprintf(`{"query":%q,"extensions":{"persistedQuery":{"version":1,"sha256Hash":%q}}}`, query, other), "BAD_REQUEST"},
		{"version 2", fmt.Sprintf(`{"query":%q,"extensions":{"persistedQuery":{"version":2,"sha256Hash":%q}}}`, query, hash), "PERSISTED_QUERY_NOT_SUPPORTED"},
		{"hash not a string", fmt.Sprintf(`{"query":%q,"extensions":{"persistedQuery":{"version":1,"sha256Hash":12}}}`, query), "BAD_REQUEST"},
		{"not an object", `{"extensions":{"persistedQuery":1}}`, "BAD_REQUEST"},
		{"unknown hash", fmt.Sprintf(`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":%q}}}`, other), "PERSISTED_QUERY_NOT_FOUND"},
	}
	for _, c := range cases {
		ex := post(t, srv, mediaJSON, mediaJSON, c.body)
		if len(ex.body.Errors) != 1 || ex.body.Errors[0].code() != c.code || ex.status != 200 {
			t.Errorf("%s: %d %+v, want %s", c.name, ex.status, ex.body.Errors, c.code)
		}
	}
	if ex := get(t, srv, mediaJSON, url.Values{"extensions": {`{"persistedQuery":1}`}}); len(ex.body.Errors) != 1 || ex.body.Errors[0].code() != "BAD_REQUEST" {
		t.Errorf("GET with persistedQuery 1: %d %+v", ex.status, ex.body.Errors)
	}
	// The right hash and query still register and run.
	if ex := post(t, srv, mediaJSON, mediaJSON, fmt.Sprintf(`{"query":%q,"extensions":{"persistedQuery":{"version":1,"sha256Hash":%q}}}`, query, hash)); len(ex.body.Errors) != 0 {
		t.Errorf("a good persisted query: %+v", ex.body.Errors)
	}
}

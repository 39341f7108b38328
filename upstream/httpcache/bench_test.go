package httpcache

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/optest"

	"github.com/redis/go-redis/v9"

	"github.com/sailgraph/sailgraph/cache"
	"github.com/sailgraph/sailgraph/internal/redistest"
)

// BenchmarkRoundTripHit measures a cache hit through the RoundTripper:
// route match, canonical key, the cache hit and the rebuilt response with
// its body read.
func BenchmarkRoundTripHit(b *testing.B) {
	payloads := []struct{ name, path, body string }{
		{"identity", "/beta/historical-identities/bc693f07e7b645539626c25954c58554", identityJSON()},
		{"accessPage250", "/beta/historical-identities/bc693f07e7b645539626c25954c58554/access-items?type=account&limit=250&count=true", accessPageJSON()},
	}
	stores := []struct {
		name string
		make func(b *testing.B) cache.Store
	}{
		{"memory", func(*testing.B) cache.Store { return cache.NewMemory(cache.MemoryOptions{}) }},
		{"redis", func(b *testing.B) cache.Store {
			c := redis.NewClient(&redis.Options{Addr: redistest.Start(b).Addr(), ContextTimeoutEnabled: true})
			b.Cleanup(func() { _ = c.Close() })
			return cache.NewRedis(c, cache.RedisOptions{})
		}},
	}
	for _, st := range stores {
		for _, p := range payloads {
			b.Run(st.name+"/"+p.name, func(b *testing.B) {
				c, err := cache.New(st.make(b), cache.Options{})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					_ = c.Close(ctx)
				})
				up := newUpstream(b, func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.Header().Set("X-Total-Count", "250")
					_, _ = io.WriteString(w, p.body)
				})
				tr := New(c, http.DefaultTransport, Options{})
				req, _ := http.NewRequestWithContext(optest.WithCall(as(alice), http.MethodGet, p.path), http.MethodGet, up.srv.URL+p.path, nil)
				get := func() {
					resp, err := tr.RoundTrip(req)
					if err != nil {
						b.Fatal(err)
					}
					n, _ := io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					if n != int64(len(p.body)) {
						b.Fatalf("body %d bytes, want %d", n, len(p.body))
					}
				}
				get()
				b.SetBytes(int64(len(p.body)))
				b.ReportAllocs()
				for b.Loop() {
					get()
				}
				if up.total() != 1 {
					b.Fatalf("upstream called %d times", up.total())
				}
			})
		}
	}
}

func identityJSON() string {
	b, _ := json.Marshal(map[string]any{
		"id": "bc693f07e7b645539626c25954c58554", "displayName": "Adam Zampa",
		"snapshot":        "2025-03-01T13:00:00.000Z",
		"accessItemCount": map[string]int{"app": 0, "role": 2, "entitlement": 4, "accessProfile": 3, "account": 1},
		"attributes": map[string]any{
			"jobTitle": "HR Manager", "location": "NYC", "firstname": "Adam", "lastname": "Zampa",
			"department": "HR", "email": "adam.zampa@example.com", "manager": "Mary Brown",
			"employeeNumber": "E1024", "costCenter": "CC-4410", "startDate": "2019-06-03",
		},
	})
	return string(b)
}

func accessPageJSON() string {
	items := make([]map[string]any, 250)
	for i := range items {
		items[i] = map[string]any{
			"id": fmt.Sprintf("2c918087763e69d901763e72e97f%04x", i), "accessType": "account",
			"displayName": fmt.Sprintf("Account %d of Adam Zampa", i), "sourceName": fmt.Sprintf("Source-%d", i%7),
			"nativeIdentity": fmt.Sprintf("adam.zampa.%d", i), "sourceId": fmt.Sprintf("2793o32dwd%02d", i%7),
			"entitlementCount": i % 13,
		}
	}
	b, _ := json.Marshal(items)
	return string(b)
}

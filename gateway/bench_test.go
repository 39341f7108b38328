package gateway_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
	"github.com/sailgraph/sailgraph/simtenant"
)

// BenchmarkCachedIdentityPage is a whole identity page answered from the
// result cache, through the gateway's whole handler (middlewares,
// authentication, fair share, GraphQL transport), without the network.
// bench/pagebench measures the same over loopback against a bare server.
func BenchmarkCachedIdentityPage(b *testing.B) {
	g := gatewaytest.New(b, gatewaytest.Options{Tenant: simtenant.Options{Seed: 1, Identities: 200}, NoSpec: true})
	id := g.IdentityIDs(1)[0]
	body, _ := json.Marshal(map[string]any{
		"query": `query Page($id: ID!) { identity(id: $id) { id displayName snapshotDate accessItemCounts { type count }
  snapshots(first: 250) { nodes { date } } accessItems(type: ROLE, first: 250) { nodes { id accessType displayName } }
  events(first: 250) { nodes { eventType dateTime } } } }`,
		"operationName": "Page", "variables": map[string]any{"id": id},
	})
	h := g.GW.Handler()
	do := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := do(); rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
		b.Fatalf("%d %s", rec.Code, rec.Body)
	}
	b.ReportAllocs()
	for b.Loop() {
		rec := do()
		if rec.Code != http.StatusOK || rec.Header().Get("Sailgraph-Cache") != "HIT" {
			b.Fatal(rec.Code, rec.Header())
		}
		_, _ = io.Copy(io.Discard, rec.Body)
	}
}

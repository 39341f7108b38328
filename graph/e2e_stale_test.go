package graph_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
	"github.com/sailgraph/sailgraph/internal/clocktest"
	"github.com/sailgraph/sailgraph/simtenant"
)

// Through the real cache: once the tenant fails, an identity page past its
// freshness is served from the cache, and the response says which fields
// are stale and how old they are.
func TestStaleServeThroughTheRealCache(t *testing.T) {
	inEachGeneration(t, testStaleServeThroughTheRealCache)
}

func testStaleServeThroughTheRealCache(t *testing.T, gen string) {
	clock := clocktest.New(time.Now())
	gw := gatewaytest.New(t, gatewaytest.Options{UpstreamAPI: gen, Tenant: simtenant.Options{Identities: 30, Seed: 3}, Clock: clock.Now})
	tn := gw.Tenant
	e := &env{t: t, gen: generationOf(gen), tn: tn, gw: gw, calls: gw.Calls}

	var list struct {
		Identities struct{ Nodes []struct{ ID string } }
	}
	e.mustQuery(`{ identities(first: 1) { nodes { id } } }`, nil, &list)
	doc := `query($id: ID!) { identity(id: $id) { displayName accessItems(first: 3) { nodes { id } } } }`
	vars := map[string]any{"id": list.Identities.Nodes[0].ID}
	fresh := e.query(doc, vars)
	if len(fresh.Errors) > 0 || fresh.Extensions["stale"] != nil {
		t.Fatalf("first read: %+v %v", fresh.Errors, fresh.Extensions)
	}

	clock.Advance(20 * time.Minute) // past fresh and revalidate, inside grace
	tn.SetFailureRate(1)
	stale := e.query(doc, vars)
	if len(stale.Errors) > 0 {
		t.Fatalf("stale read answered with errors: %+v", stale.Errors)
	}
	if string(stale.Data) != string(fresh.Data) {
		t.Fatalf("stale data differs:\n%s\n%s", fresh.Data, stale.Data)
	}
	raw, _ := json.Marshal(stale.Extensions["stale"])
	var notes []struct {
		Field      string  `json:"field"`
		Operation  string  `json:"operation"`
		AgeSeconds float64 `json:"ageSeconds"`
	}
	if err := json.Unmarshal(raw, &notes); err != nil || len(notes) < 2 {
		t.Fatalf("extensions.stale = %s (%v)", raw, err)
	}
	seen := map[string]bool{}
	for _, n := range notes {
		seen[n.Operation] = true
		if n.Field == "" || n.AgeSeconds < 20*60 {
			t.Errorf("note %+v: want a field path and an age of 20 min", n)
		}
	}
	if !seen["getHistoricalIdentity"] || !seen["listIdentityAccessItems"] {
		t.Fatalf("stale notes %+v miss an operation", notes)
	}
	if tn.Stats().Total(500) == 0 {
		t.Fatal("the tenant was never asked: the answer was fresh, not stale")
	}
}

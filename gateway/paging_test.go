package gateway_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/tasks"
)

// A connection of more than 250 items is read as concurrent upstream
// pages: each must ask for its own offset. The tasks resolver shared one
// ListParams between its pages, so they raced on its Paging and could ask
// for each other's offsets (found by the property test under -race).
func TestLongTaskListReadsEachPageOnce(t *testing.T) {
	// Without the result cache each round runs the resolver again (on
	// the upstream cache's pages), rather than replaying the first answer.
	gw := gatewaytest.New(t, gatewaytest.Options{
		Tenant: simtenant.Options{Identities: 600},
		Config: func(c *config.Config) { c.ResultCacheBytes = 0 },
	})
	direct, err := tasks.New(gw.TenantURL, gw.Direct())
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for off := 0; ; off += isc.MaxLimit {
		p, err := direct.ListTaskStatus(t.Context(), tasks.ListParams{Sort: []isc.Sort[tasks.SortField]{isc.Desc(tasks.SortCreated)}, Paging: isc.Paging{Offset: off, Limit: isc.MaxLimit}})
		if err != nil {
			t.Fatal(err)
		}
		for _, ts := range p.Items {
			want = append(want, ts.ID)
		}
		if len(p.Items) < isc.MaxLimit {
			break
		}
	}
	if len(want) <= isc.MaxLimit {
		t.Fatalf("the tenant has %d completed tasks; the test needs more than %d", len(want), isc.MaxLimit)
	}
	for range 5 {
		r := gw.Query(`{ tasks(first: 1000, orderBy: [{field: CREATED, direction: DESC}]) { nodes { id } } }`, nil)
		var d struct {
			Tasks struct{ Nodes []struct{ ID string } }
		}
		if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) != 0 {
			t.Fatalf("%v %+v", err, r.Errors)
		}
		got := make([]string, len(d.Tasks.Nodes))
		for i, n := range d.Tasks.Nodes {
			got[i] = n.ID
		}
		if !slices.Equal(got, want[:min(len(want), 1000)]) {
			t.Fatalf("tasks(first: 1000) has %d ids, not the tenant's %d in order", len(got), min(len(want), 1000))
		}
	}
}

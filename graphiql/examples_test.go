package graphiql_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sailgraph/sailgraph/graphiql"
)

// Every example the page offers runs without errors against the gateway
// over the simulated tenant, and answers data: an example that the schema
// has outgrown fails here, not in front of a user.
func TestDefaultExamplesRun(t *testing.T) {
	gw := newGateway(t)
	examples := graphiql.DefaultExamples()
	if len(examples) < 4 {
		t.Fatalf("%d default examples, want at least 4", len(examples))
	}
	answers := map[string]json.RawMessage{}
	for _, ex := range examples {
		r := post(t, gw, ex.Query, ex.Variables)
		if len(r.Errors) > 0 {
			t.Errorf("example %q: errors %+v", ex.Title, r.Errors)
			continue
		}
		if len(r.Data) == 0 || string(r.Data) == "null" {
			t.Errorf("example %q: no data", ex.Title)
		}
		answers[ex.Title] = r.Data
	}

	var page struct {
		Identities struct {
			Nodes []struct {
				DisplayName      string
				AccessItemCounts []struct{ Count int }
			}
		}
	}
	decode(t, answers["An identity page"], &page)
	if n := len(page.Identities.Nodes); n == 0 || n > 5 {
		t.Fatalf("identity page: %d identities, want 1 to 5", n)
	}
	for _, id := range page.Identities.Nodes {
		if !strings.Contains(id.DisplayName, "Ada") || len(id.AccessItemCounts) == 0 {
			t.Errorf("identity page: %+v does not match Ada or has no access counts", id)
		}
	}

	var diff struct {
		Identities struct {
			Nodes []struct {
				DisplayName string
				Compare     []struct{ Added, Removed int }
				Gained      struct {
					Nodes []struct{ DisplayName string }
				}
			}
		}
	}
	decode(t, answers["What changed between two snapshots"], &diff)
	if len(diff.Identities.Nodes) != 1 || diff.Identities.Nodes[0].DisplayName != "Ada Bauer" {
		t.Fatalf("snapshot diff: %+v, want Ada Bauer", diff.Identities.Nodes)
	}
	changed := 0
	for _, c := range diff.Identities.Nodes[0].Compare {
		changed += c.Added + c.Removed
	}
	if changed == 0 || len(diff.Identities.Nodes[0].Gained.Nodes) == 0 {
		t.Errorf("snapshot diff shows no change: %+v", diff.Identities.Nodes[0])
	}

	var pending struct {
		PendingTaskCount int
		PendingTasks     struct{ Nodes []struct{ UniqueName string } }
	}
	decode(t, answers["Tasks still running"], &pending)
	if pending.PendingTaskCount == 0 || len(pending.PendingTasks.Nodes) == 0 {
		t.Errorf("pending tasks: %+v, want some", pending)
	}

	var run struct {
		StartReport struct {
			ID          string
			TaskDefName string
		}
	}
	decode(t, answers["Run a report"], &run)
	if run.StartReport.ID == "" {
		t.Errorf("report run: no task id in %+v", run)
	}
}

func decode(t *testing.T, data json.RawMessage, out any) {
	t.Helper()
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
}

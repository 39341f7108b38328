package tasks_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/tasks"
)

// ByID finds finished and running tasks by id, asking first where the
// caller says most are: one list call when they are all there, two when
// some are in the other list or unknown.
func TestByID(t *testing.T) {
	tn, client, ctx := start(t)
	done, err := client.ListTaskStatus(ctx, tasks.ListParams{Paging: isc.Paging{Limit: 2}})
	if err != nil || len(done.Items) != 2 {
		t.Fatalf("finished tasks: %v", err)
	}
	running, err := client.ListPendingTasks(ctx, isc.Paging{Limit: 1})
	if err != nil || len(running.Items) != 1 {
		t.Fatalf("running tasks: %v", err)
	}
	const unknown = "0000000000000000000000000000dead"
	lists := func() int { return tn.Stats().Requests["getTaskStatusList"][http.StatusOK] }
	for _, c := range []struct {
		name         string
		ids          []string
		pendingFirst bool
		calls        int
	}{
		{"finished, asked first", []string{done.Items[0].ID, done.Items[1].ID}, false, 1},
		{"running, asked first", []string{running.Items[0].ID}, true, 1},
		{"finished and running", []string{done.Items[0].ID, running.Items[0].ID}, false, 2},
		{"running first, then finished", []string{running.Items[0].ID, done.Items[1].ID}, true, 2},
		{"unknown", []string{done.Items[0].ID, unknown}, false, 2},
	} {
		before := lists()
		ids := append([]string(nil), c.ids...)
		found, err := tasks.ByID(ctx, client, ids, c.pendingFirst)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if n := lists() - before; n != c.calls {
			t.Errorf("%s: %d list calls, want %d", c.name, n, c.calls)
		}
		for _, id := range c.ids {
			if ts := found[id]; (ts == nil) != (id == unknown) || (ts != nil && ts.ID != id) {
				t.Errorf("%s: %s found as %+v", c.name, id, ts)
			}
		}
		want := len(c.ids)
		if slices.Contains(c.ids, unknown) {
			want--
		}
		if len(found) != want {
			t.Errorf("%s: found %d tasks for %v, want %d", c.name, len(found), c.ids, want)
		}
		for i := range ids {
			if ids[i] != c.ids[i] {
				t.Fatalf("%s: ByID changed its argument: %v", c.name, ids)
			}
		}
	}
}

package tasks_test

import (
	"slices"
	"testing"

	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/isc/isctest"
	"github.com/sailgraph/sailgraph/upstream/tasks"
)

// FuzzListFilters: whatever ids and source ids a caller filters tasks on,
// the filter the client emits is one the simulated tenant's parser takes
// (never a 400) and means what it says there: every task listed has one
// of the ids and the source id, and a real task's id finds it. Every
// exchange is held to the spec.
func FuzzListFilters(f *testing.F) {
	tn := isctest.Start(f, simtenant.Options{Seed: 1, Identities: 50, RateLimit: -1})
	c, err := tasks.New(tn.URL, tn.HTTP)
	if err != nil {
		f.Fatal(err)
	}
	all, err := c.ListTaskStatus(tn.Context(f), tasks.ListParams{Paging: isc.Paging{Limit: 1}})
	if err != nil || len(all.Items) != 1 {
		f.Fatalf("a task to find: %v", err)
	}
	known := all.Items[0]
	f.Fuzz(func(t *testing.T, id1, id2, source string, withKnown, bySource bool) {
		ids := []string{id1, id2}
		if withKnown {
			ids = append(ids, known.ID)
		}
		vals := make([]isc.Value, len(ids))
		for i, id := range ids {
			vals[i] = isc.Str(id)
		}
		filter := isc.And(isc.In(tasks.FieldID, vals...))
		if bySource {
			filter = append(filter, isc.Eq(tasks.FieldSourceID, isc.Str(source)))
		}
		page, err := c.ListTaskStatus(tn.Context(t), tasks.ListParams{Filter: filter})
		if err != nil {
			t.Fatalf("ids %q, source %q: %v", ids, source, err)
		}
		for _, ts := range page.Items {
			if !slices.Contains(ids, ts.ID) {
				t.Fatalf("ids %q listed %s", ids, ts.ID)
			}
			if bySource && (ts.Target == nil || ts.Target.ID != source) {
				t.Fatalf("source %q listed a task of %+v", source, ts.Target)
			}
		}
		if withKnown && !bySource && !slices.ContainsFunc(page.Items, func(ts tasks.TaskStatus) bool { return ts.ID == known.ID }) {
			t.Fatalf("ids %q did not find %s", ids, known.ID)
		}
	})
}

package tasks_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/isc/isctest"
	"github.com/sailgraph/sailgraph/upstream/op"
	"github.com/sailgraph/sailgraph/upstream/tasks"
)

// sent records each request's path, query and experimental header.
type sent struct {
	mu   sync.Mutex
	next http.RoundTripper
	reqs []*http.Request
}

func (s *sent) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.reqs = append(s.reqs, r)
	s.mu.Unlock()
	return s.next.RoundTrip(r)
}

func (s *sent) take() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.reqs
	s.reqs = nil
	return out
}

// clientsIn returns a legacy and a v1 client of one tenant (clock
// stopped, so both read the same data), and what the v1 one sent.
func clientsIn(t *testing.T, gens simtenant.Generations) (legacy, v1 *tasks.Client, v1Sent *sent, tn *isctest.Tenant, ctx context.Context) {
	t.Helper()
	now := time.Now()
	tn = isctest.Start(t, simtenant.Options{Seed: 3, RateLimit: -1, Now: func() time.Time { return now }, Generations: gens})
	legacy, err := tasks.New(tn.URL, tn.HTTP, isc.WithGenerations(isc.FixedGeneration(op.Legacy)))
	if err != nil {
		t.Fatal(err)
	}
	v1Sent = &sent{next: tn.HTTP.Transport}
	v1, err = tasks.New(tn.URL, &http.Client{Transport: v1Sent}, isc.WithGenerations(isc.FixedGeneration(op.V1)))
	if err != nil {
		t.Fatal(err)
	}
	return legacy, v1, v1Sent, tn, tn.Context(t)
}

func ids(p isc.Page[tasks.TaskStatus]) []string {
	out := make([]string, len(p.Items))
	for i, ts := range p.Items {
		out[i] = ts.ID + "/" + string(ts.CompletionStatus) + "/" + ts.Created.String()
	}
	return out
}

// The v1 client answers as the legacy one: the list holds the completed
// tasks unless asked for the pending ones, the pending list and count are
// the list's `completionStatus isnull`, with the same totals, order and
// paging; and it reaches only v1 paths, without the experimental header
// (task management v1 does not want it), spec-valid.
func TestV1AnswersAsLegacy(t *testing.T) {
	legacy, v1, v1Sent, tn, ctx := clientsIn(t, simtenant.GenAll)
	all := must(legacy.ListTaskStatus(ctx, tasks.ListParams{Paging: isc.Paging{Limit: 5}}))
	pend := must(legacy.ListPendingTasks(ctx, isc.Paging{Limit: 2}))
	if len(all.Items) < 5 || len(pend.Items) < 2 {
		t.Fatalf("tenant has %d completed and %d pending tasks", len(all.Items), len(pend.Items))
	}
	src := ""
	for _, ts := range must(legacy.ListTaskStatus(ctx, tasks.ListParams{})).Items {
		if ts.Target != nil && ts.Target.Type == "APPLICATION" {
			src = ts.Target.ID
		}
	}
	if src == "" {
		t.Fatal("no task works on a source")
	}
	anyID := []isc.Value{isc.Str(all.Items[0].ID), isc.Str(pend.Items[0].ID), isc.Str(all.Items[3].ID)}
	byCreated := []isc.Sort[tasks.SortField]{isc.Asc(tasks.SortCreated)}
	for name, p := range map[string]tasks.ListParams{
		"no filter":                  {Paging: isc.Paging{Count: true}},
		"second page":                {Paging: isc.Paging{Limit: 7, Offset: 7, Count: true}},
		"past the end":               {Paging: isc.Paging{Offset: 100000, Count: true}},
		"ids, one of them pending":   {Filter: isc.And(isc.In(tasks.FieldID, anyID...)), Paging: isc.Paging{Count: true}},
		"pending ids":                {Filter: isc.And(isc.In(tasks.FieldID, anyID...), isc.IsNull(tasks.FieldCompletionStatus))},
		"two statuses, oldest first": {Filter: isc.And(isc.In(tasks.FieldCompletionStatus, isc.Str("ERROR"), isc.Str("TEMPERROR"))), Sort: byCreated, Paging: isc.Paging{Count: true}},
		"a status spelt as ISC does": {Filter: isc.And(isc.Eq(tasks.FieldCompletionStatus, isc.Str("Success"))), Paging: isc.Paging{Limit: 20}},
		"type":                       {Filter: isc.And(isc.Eq(tasks.FieldType, isc.Str("QUARTZ"))), Paging: isc.Paging{Count: true}},
		"types, newest first":        {Filter: isc.And(isc.In(tasks.FieldType, isc.Str("QPOC"), isc.Str("QUEUED_TASK"))), Sort: []isc.Sort[tasks.SortField]{isc.Desc(tasks.SortCreated)}},
		"pending, oldest first":      {Filter: isc.And(isc.IsNull(tasks.FieldCompletionStatus)), Sort: byCreated, Paging: isc.Paging{Count: true}},
		"source":                     {Filter: isc.And(isc.Eq(tasks.FieldSourceID, isc.Str(src))), Paging: isc.Paging{Count: true}},
	} {
		want := must(legacy.ListTaskStatus(ctx, p))
		got := must(v1.ListTaskStatus(ctx, p))
		if !slices.Equal(ids(got), ids(want)) || got.Total != want.Total || got.HasTotal != want.HasTotal {
			t.Errorf("%s: v1 %d items (total %d, %v), legacy %d (total %d, %v)", name, len(got.Items), got.Total, got.HasTotal, len(want.Items), want.Total, want.HasTotal)
		}
	}
	for _, p := range []isc.Paging{{}, {Limit: 3, Offset: 1, Count: true}} {
		want := must(legacy.ListPendingTasks(ctx, p))
		got := must(v1.ListPendingTasks(ctx, p))
		if !slices.Equal(ids(got), ids(want)) || got.Total != want.Total || got.HasTotal != want.HasTotal || len(want.Items) == 0 {
			t.Errorf("pending %+v: v1 %v, legacy %v", p, ids(got), ids(want))
		}
	}
	wantN, gotN := must(legacy.CountPendingTasks(ctx)), must(v1.CountPendingTasks(ctx))
	if wantN == 0 || gotN != wantN {
		t.Errorf("pending count: v1 %d, legacy %d", gotN, wantN)
	}
	one := must(v1.GetTaskStatus(ctx, pend.Items[1].ID))
	if one.ID != pend.Items[1].ID || !one.Pending() {
		t.Errorf("v1 task %+v", one)
	}

	reqs := v1Sent.take()
	for _, r := range reqs {
		if !strings.HasPrefix(r.URL.Path, "/task-status/v1") || r.Header.Get(isc.HeaderExperimental) != "" || r.Method != http.MethodGet {
			t.Errorf("v1 client sent %s %s (experimental %q)", r.Method, r.URL.Path, r.Header.Get(isc.HeaderExperimental))
		}
	}
	count := reqs[len(reqs)-2].URL.Query() // the count, before the one task
	if count.Get("limit") != "0" || count.Get("count") != "true" || count.Get("filters") != "completionStatus isnull" {
		t.Errorf("the v1 pending count asked %v", count)
	}
	tn.RequireCovered(t, "getTaskStatusListV1", "getTaskStatusV1")
	if st := tn.Stats(); st.Requests["getPendingTasks"] == nil && st.Requests["getPendingTaskHeaders"] == nil {
		t.Error("the legacy client never used its pending operations")
	}
}

// A v1 client works against a tenant that serves v1 only, pending tasks
// and the update included.
func TestV1OnlyTenant(t *testing.T) {
	_, v1, _, tn, ctx := clientsIn(t, simtenant.GenV1)
	before := must(v1.CountPendingTasks(ctx))
	pend := must(v1.ListPendingTasks(ctx, isc.Paging{Limit: 1}))
	if before == 0 || len(pend.Items) != 1 {
		t.Fatalf("%d pending, %d listed", before, len(pend.Items))
	}
	got := must(v1.UpdateTaskStatus(ctx, pend.Items[0].ID, []tasks.PatchOp{tasks.Replace("/completionStatus", "Terminated"), tasks.Replace("/completed", "2026-01-02T03:04:05Z")}))
	if got.Pending() {
		t.Fatalf("updated %+v", got)
	}
	if after := must(v1.CountPendingTasks(ctx)); after != before-1 {
		t.Errorf("pending %d -> %d", before, after)
	}
	done := must(v1.ListTaskStatus(ctx, tasks.ListParams{Filter: isc.And(isc.Eq(tasks.FieldID, isc.Str(got.ID)))}))
	if len(done.Items) != 1 || done.Items[0].CompletionStatus != tasks.StatusTerminated {
		t.Errorf("the finished task in the completed list: %v", ids(done))
	}
	for op := range tn.Stats().Requests {
		if !strings.HasSuffix(op, "V1") && op != "" {
			t.Errorf("a v1 client called %s", op)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

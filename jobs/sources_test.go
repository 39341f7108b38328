package jobs

import (
	"encoding/json"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/clocktest"
	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/isc/isctest"
	"github.com/sailgraph/sailgraph/upstream/reports"
	"github.com/sailgraph/sailgraph/upstream/rolemining"
	"github.com/sailgraph/sailgraph/upstream/tasks"
)

func sourcesFor(t *testing.T, tn *isctest.Tenant) (*reports.Client, *tasks.Client, *rolemining.Client, map[Kind]Source) {
	t.Helper()
	rc, err := reports.New(tn.URL, tn.HTTP)
	if err != nil {
		t.Fatal(err)
	}
	tc, err := tasks.New(tn.URL, tn.HTTP)
	if err != nil {
		t.Fatal(err)
	}
	mc, err := rolemining.New(tn.URL, tn.HTTP)
	if err != nil {
		t.Fatal(err)
	}
	return rc, tc, mc, Sources(rc, tc, mc)
}

func calls(tn *isctest.Tenant, op string) int {
	n := 0
	for _, c := range tn.Stats().Requests[op] {
		n += c
	}
	return n
}

// TestTaskSourceBatches polls three running tasks, a finished one and an
// unknown one in one call per kind of list, over real HTTP against the
// simulated tenant and its spec.
func TestTaskSourceBatches(t *testing.T) {
	tn := isctest.Start(t, simtenant.Options{Seed: 1, RateLimit: -1})
	ctx := tn.Context(t)
	_, tc, _, src := sourcesFor(t, tn)
	pending, err := tc.ListPendingTasks(ctx, isc.Paging{Limit: 3})
	if err != nil || len(pending.Items) != 3 {
		t.Fatalf("pending tasks: %d, %v", len(pending.Items), err)
	}
	done, err := tc.ListTaskStatus(ctx, tasks.ListParams{Paging: isc.Paging{Limit: 1}})
	if err != nil || len(done.Items) != 1 {
		t.Fatalf("finished tasks: %v", err)
	}
	var jobs []Job
	for _, ts := range pending.Items {
		jobs = append(jobs, TaskJob(tn.Principal, ts.ID))
	}
	jobs = append(jobs, TaskJob(tn.Principal, done.Items[0].ID), TaskJob(tn.Principal, "0000000000000000000000000000dead"))
	before := calls(tn, "getTaskStatusList")
	res := src[Task].Poll(ctx, jobs)
	if got := calls(tn, "getTaskStatusList") - before; got != 2 {
		t.Fatalf("%d list calls for 5 tasks, want 2 (running, then the rest)", got)
	}
	for i, r := range res[:3] {
		ts, ok := r.State.(*tasks.TaskStatus)
		if r.Err != nil || !ok || ts.ID != pending.Items[i].ID || r.Final {
			t.Fatalf("running task %d: %+v", i, r)
		}
	}
	if ts, ok := res[3].State.(*tasks.TaskStatus); !ok || !res[3].Final || ts.CompletionStatus == "" {
		t.Fatalf("finished task: %+v", res[3])
	}
	if !errors.Is(res[4].Err, isc.ErrNotFound) {
		t.Fatalf("unknown task: %+v", res[4])
	}
	// Running tasks alone: one call.
	before = calls(tn, "getTaskStatusList")
	src[Task].Poll(ctx, jobs[:3])
	if got := calls(tn, "getTaskStatusList") - before; got != 1 {
		t.Fatalf("%d list calls for 3 running tasks, want 1", got)
	}
}

// TestReportAndExportSources follows a report and an export to their ends;
// a running report's growing duration alone leaves its digest alone.
func TestReportAndExportSources(t *testing.T) {
	clk := clocktest.New(time.Now())
	tn := isctest.Start(t, simtenant.Options{Seed: 1, RateLimit: -1, ReportDuration: 4 * time.Second, ExportStep: time.Second, Now: clk.Now})
	ctx := tn.Context(t)
	rc, tc, mc, src := sourcesFor(t, tn)

	run, err := rc.StartReport(ctx, reports.IdentitiesArgs{})
	if err != nil {
		t.Fatal(err)
	}
	first := src[Report].Poll(ctx, []Job{ReportJob(tn.Principal, run.ID)})[0]
	clk.Advance(time.Second) // the duration grows
	second := src[Report].Poll(ctx, []Job{ReportJob(tn.Principal, run.ID)})[0]
	if first.Err != nil || second.Err != nil || first.Final || first.Digest == "" || first.Digest != second.Digest {
		t.Fatalf("running report: %+v then %+v, want equal digests", first, second)
	}
	if a, b := first.State.(*reports.Result), second.State.(*reports.Result); b.Duration <= a.Duration {
		t.Fatalf("durations %v then %v: the test means nothing", a.Duration, b.Duration)
	}
	clk.Advance(3 * time.Second)
	last := src[Report].Poll(ctx, []Job{ReportJob(tn.Principal, run.ID)})[0]
	if r := last.State.(*reports.Result); r.Status != reports.StatusSuccess || len(r.AvailableFormats) == 0 || last.Digest == first.Digest {
		t.Fatalf("finished report: %+v", r)
	}
	if r := src[Report].Poll(ctx, []Job{ReportJob(tn.Principal, "nope")})[0]; !errors.Is(r.Err, isc.ErrNotFound) {
		t.Fatalf("unknown report: %+v", r)
	}

	role := rolemining.PotentialRole{SessionID: "8c190e67-87aa-4ed9-a90b-d9d5344523fb", ID: "e0cc5d7d-bf7f-4f81-b2af-8885b09d9923"}
	e, err := mc.StartExport(ctx, role, rolemining.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	job := ExportJob(tn.Principal, role.SessionID, role.ID, e.ExportID)
	for _, want := range []rolemining.State{rolemining.StateQueued, rolemining.StateInProgress, rolemining.StateSuccess} {
		r := src[Export].Poll(ctx, []Job{job})[0]
		if r.Err != nil || r.State.(*rolemining.Export).Status != want || r.Final != (want == rolemining.StateSuccess) {
			t.Fatalf("export: %+v, want %s", r, want)
		}
		clk.Advance(time.Second)
	}
	bad := src[Export].Poll(ctx, []Job{ExportJob(tn.Principal, "not-a-uuid", role.ID, e.ExportID)})[0]
	if _, ok := errors.AsType[*isc.ArgumentError](bad.Err); !ok {
		t.Fatalf("bad session id: %+v", bad)
	}

	n := src[PendingTasks].Poll(ctx, []Job{PendingTasksJob(tn.Principal)})[0]
	count, err := tc.CountPendingTasks(ctx)
	if n.Err != nil || err != nil || n.State != count || n.Final {
		t.Fatalf("pending count: %+v, want %d (%v)", n, count, err)
	}
	if b, err := json.Marshal(n.State); err != nil || string(b) != strconv.Itoa(count) {
		t.Fatalf("count encodes as %s (%v), want %d", b, err, count)
	}
}

package isctest_test

import (
	"context"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/history"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/isc/isctest"
	"github.com/sailgraph/sailgraph/upstream/op"
	"github.com/sailgraph/sailgraph/upstream/reports"
	"github.com/sailgraph/sailgraph/upstream/rolemining"
	"github.com/sailgraph/sailgraph/upstream/tasks"
)

// TestEveryOperationAgainstTheSpec calls all 23 operations through the four
// clients and one spec-validating transport, then checks that every
// operation of both specs was exercised. The per-package tests look at the
// answers in depth; this one guards the whole contract.
func TestEveryOperationAgainstTheSpec(t *testing.T) {
	tn := isctest.Start(t, simtenant.Options{Seed: 1, RateLimit: -1, ReportDuration: 100 * time.Millisecond, ExportStep: 50 * time.Millisecond})
	ctx := tn.Context(t)
	hc, err := history.New(tn.URL, tn.HTTP)
	must(t, err)
	tc, err := tasks.New(tn.URL, tn.HTTP)
	must(t, err)
	rc, err := reports.New(tn.URL, tn.HTTP)
	must(t, err)
	mc, err := rolemining.New(tn.URL, tn.HTTP)
	must(t, err)

	ids, err := hc.ListIdentities(ctx, history.ListIdentitiesParams{Paging: isc.Paging{Limit: 1}})
	must(t, err)
	id := ids.Items[0].ID
	_, err = hc.GetIdentity(ctx, id)
	must(t, err)
	_, err = hc.ListAccessItems(ctx, id, history.AccessItemsParams{Paging: isc.Paging{Count: true}})
	must(t, err)
	_, err = hc.ListEvents(ctx, id, history.EventsParams{})
	must(t, err)
	snaps, err := hc.ListSnapshots(ctx, id, history.SnapshotsParams{})
	must(t, err)
	at := snaps.Items[len(snaps.Items)-1].Snapshot
	_, err = hc.GetSnapshot(ctx, id, at)
	must(t, err)
	_, err = hc.ListSnapshotAccessItems(ctx, id, at, history.Role)
	must(t, err)
	_, err = hc.GetSnapshotSummary(ctx, id, history.SummaryParams{Interval: history.Day})
	must(t, err)
	_, err = hc.GetStartDate(ctx, id)
	must(t, err)
	_, err = hc.CompareSnapshots(ctx, id, history.CompareParams{})
	must(t, err)
	_, err = hc.CompareAccessType(ctx, id, history.Entitlement, history.DiffParams{})
	must(t, err)

	pending, err := tc.ListPendingTasks(ctx, isc.Paging{Limit: 1})
	must(t, err)
	_, err = tc.CountPendingTasks(ctx)
	must(t, err)
	done, err := tc.ListTaskStatus(ctx, tasks.ListParams{Paging: isc.Paging{Limit: 1}})
	must(t, err)
	_, err = tc.GetTaskStatus(ctx, done.Items[0].ID)
	must(t, err)
	_, err = tc.UpdateTaskStatus(ctx, pending.Items[0].ID, []tasks.PatchOp{tasks.Replace("/completionStatus", "Terminated")})
	must(t, err)

	running, err := rc.StartReport(ctx, reports.IdentitiesArgs{})
	must(t, err)
	must(t, rc.CancelReport(ctx, running.ID))
	task, err := rc.StartReport(ctx, reports.IdentitiesDetailsArgs{})
	must(t, err)
	poll(t, ctx, func() bool {
		res, err := rc.GetReportResult(ctx, task.ID, reports.ResultParams{})
		must(t, err)
		return res.Status != ""
	})
	f, err := rc.GetReport(ctx, task.ID, reports.FileParams{Format: reports.CSV})
	must(t, err)
	drain(t, f)

	role := rolemining.PotentialRole{SessionID: "8c190e67-87aa-4ed9-a90b-d9d5344523fb", ID: "278359a6-04b7-4669-9468-924cf580964a"}
	e, err := mc.StartExport(ctx, role, rolemining.ExportOptions{})
	must(t, err)
	poll(t, ctx, func() bool {
		e, err = mc.GetExport(ctx, role, e.ExportID)
		must(t, err)
		return e.Status.Done()
	})
	z, err := mc.DownloadExport(ctx, role, e.ExportID)
	must(t, err)
	drain(t, z)

	want := tn.Spec.Specs.OperationIDs()
	if len(want) != 23 || !slices.Equal(sorted(want), sorted(op.Names())) {
		t.Fatalf("the specs list %d operations, the route table %d", len(want), len(op.Names()))
	}
	tn.RequireCovered(t, want...)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func drain(t *testing.T, f *isc.File) {
	t.Helper()
	defer f.Body.Close()
	if n, err := io.Copy(io.Discard, f.Body); err != nil || n == 0 {
		t.Fatalf("download: %d bytes, %v", n, err)
	}
}

// poll calls done every 50ms until it says so, for at most a minute.
func poll(t *testing.T, ctx context.Context, done func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !done() {
		select {
		case <-ctx.Done():
			t.Fatal("gave up waiting: ", ctx.Err())
		case <-tick.C:
		}
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

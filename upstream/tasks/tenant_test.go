package tasks_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/isc/isctest"
	"github.com/sailgraph/sailgraph/upstream/tasks"
)

func start(t *testing.T) (*isctest.Tenant, *tasks.Client, context.Context) {
	t.Helper()
	tn := isctest.Start(t, simtenant.Options{Seed: 1, RateLimit: -1})
	c, err := tasks.New(tn.URL, tn.HTTP)
	if err != nil {
		t.Fatal(err)
	}
	return tn, c, tn.Context(t)
}

func TestEveryTaskOperation(t *testing.T) {
	tn, c, ctx := start(t)

	all, err := c.ListTaskStatus(ctx, tasks.ListParams{Paging: isc.Paging{Count: true}})
	if err != nil {
		t.Fatal(err)
	}
	if !all.HasTotal || all.Total < 2 || len(all.Items) != min(all.Total, isc.MaxLimit) {
		t.Fatalf("%d completed tasks, total %d (sent %v)", len(all.Items), all.Total, all.HasTotal)
	}
	for _, ts := range all.Items {
		if ts.Pending() || ts.Completed == nil || ts.Created.IsZero() || ts.ID == "" {
			t.Fatalf("completed-task list holds %+v", ts)
		}
	}

	t.Run("get by id", func(t *testing.T) {
		want := all.Items[0]
		got, err := c.GetTaskStatus(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != want.ID || got.UniqueName != want.UniqueName || !got.Created.Equal(want.Created) || got.CompletionStatus != want.CompletionStatus {
			t.Fatalf("got %+v, want %+v", got, want)
		}
		_, err = c.GetTaskStatus(ctx, "00000000000000000000000000000000")
		if !errors.Is(err, isc.ErrNotFound) {
			t.Fatalf("unknown id: %v", err)
		}
	})

	t.Run("filters, sorters and paging", func(t *testing.T) {
		ids := []isc.Value{isc.Str(all.Items[0].ID), isc.Str(all.Items[1].ID)}
		two, err := c.ListTaskStatus(ctx, tasks.ListParams{Filter: isc.And(isc.In(tasks.FieldID, ids...))})
		if err != nil || len(two.Items) != 2 {
			t.Fatalf("id in (2 ids): %d, %v", len(two.Items), err)
		}
		status := all.Items[0].CompletionStatus
		same, err := c.ListTaskStatus(ctx, tasks.ListParams{
			Filter: isc.And(isc.Eq(tasks.FieldCompletionStatus, isc.Str(string(status))), isc.Eq(tasks.FieldType, isc.Str(string(all.Items[0].Type)))),
			Paging: isc.Paging{Count: true},
		})
		if err != nil || same.Total == 0 || same.Total > all.Total {
			t.Fatalf("status and type filter: total %d of %d, %v", same.Total, all.Total, err)
		}
		for _, ts := range same.Items {
			if ts.CompletionStatus != status || ts.Type != all.Items[0].Type {
				t.Fatalf("filter let through %s %s", ts.CompletionStatus, ts.Type)
			}
		}
		oldest, err := c.ListTaskStatus(ctx, tasks.ListParams{Sort: []isc.Sort[tasks.SortField]{isc.Asc(tasks.SortCreated)}})
		if err != nil || !slices.IsSortedFunc(oldest.Items, func(a, b tasks.TaskStatus) int { return a.Created.Compare(b.Created) }) {
			t.Fatalf("created ascending is not sorted: %v", err)
		}
		var paged []tasks.TaskStatus
		for off := 0; off < 30; off += 10 {
			p, err := c.ListTaskStatus(ctx, tasks.ListParams{Sort: []isc.Sort[tasks.SortField]{isc.Desc(tasks.SortCreated)}, Paging: isc.Paging{Limit: 10, Offset: off}})
			if err != nil {
				t.Fatal(err)
			}
			paged = append(paged, p.Items...)
		}
		newest, err := c.ListTaskStatus(ctx, tasks.ListParams{Sort: []isc.Sort[tasks.SortField]{isc.Desc(tasks.SortCreated)}, Paging: isc.Paging{Limit: 30}})
		if err != nil || !slices.EqualFunc(paged, newest.Items, func(a, b tasks.TaskStatus) bool { return a.ID == b.ID }) {
			t.Fatalf("three pages of 10 differ from one page of 30: %v", err)
		}
	})

	t.Run("pending tasks three ways", func(t *testing.T) {
		n, err := c.CountPendingTasks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pending, err := c.ListPendingTasks(ctx, isc.Paging{Count: true})
		if err != nil {
			t.Fatal(err)
		}
		viaFilter, err := c.ListTaskStatus(ctx, tasks.ListParams{Filter: isc.And(isc.IsNull(tasks.FieldCompletionStatus)), Paging: isc.Paging{Count: true}})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 || pending.Total != n || viaFilter.Total != n || len(pending.Items) != min(n, isc.MaxLimit) {
			t.Fatalf("pending: HEAD %d, list total %d (%d items), filter total %d", n, pending.Total, len(pending.Items), viaFilter.Total)
		}
		for _, ts := range pending.Items {
			if !ts.Pending() {
				t.Fatalf("pending list holds %s %s", ts.ID, ts.CompletionStatus)
			}
		}
	})

	t.Run("update clears a pending task", func(t *testing.T) {
		pending, err := c.ListPendingTasks(ctx, isc.Paging{Limit: 1})
		if err != nil || len(pending.Items) != 1 {
			t.Fatalf("%d pending, %v", len(pending.Items), err)
		}
		before, err := c.CountPendingTasks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		done := time.Now().Add(-time.Minute).UTC().Truncate(time.Millisecond)
		got, err := c.UpdateTaskStatus(ctx, pending.Items[0].ID, []tasks.PatchOp{
			tasks.Replace("/completionStatus", "Error"),
			tasks.Replace("/completed", isc.FormatTime(done)),
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.Pending() || got.CompletionStatus != tasks.StatusError || got.Completed == nil || !got.Completed.Equal(done) || got.Modified == nil {
			t.Fatalf("updated task %+v", got)
		}
		after, err := c.CountPendingTasks(ctx)
		if err != nil || after != before-1 {
			t.Fatalf("pending count %d -> %d, %v", before, after, err)
		}
		_, err = c.UpdateTaskStatus(ctx, "00000000000000000000000000000000", []tasks.PatchOp{tasks.Replace("/progress", "x")})
		if !errors.Is(err, isc.ErrNotFound) {
			t.Fatalf("patching an unknown task: %v", err)
		}
		// Only the tenant knows the task's progress: a test that fails
		// passes every check the client can make.
		_, err = c.UpdateTaskStatus(ctx, got.ID, []tasks.PatchOp{{Op: "test", Path: "/progress", Value: "not its progress"}})
		var ae *isc.APIError
		if !errors.Is(err, isc.ErrBadRequest) || !errors.As(err, &ae) || ae.DetailCode == "" {
			t.Fatalf("a patch the tenant refuses: %v", err)
		}
	})

	tn.RequireCovered(t, "getTaskStatus", "updateTaskStatus", "getTaskStatusList", "getPendingTasks", "getPendingTaskHeaders")
}

func TestTaskArgumentsRefusedBeforeAnyCall(t *testing.T) {
	tn, c, ctx := start(t)
	checks := map[string]func() error{
		"unknown filter field": func() error {
			_, err := c.ListTaskStatus(ctx, tasks.ListParams{Filter: isc.And(isc.Eq(tasks.Field("launcher"), isc.Str("x")))})
			return err
		},
		"isnull on id": func() error {
			_, err := c.ListTaskStatus(ctx, tasks.ListParams{Filter: isc.And(isc.IsNull(tasks.FieldID))})
			return err
		},
		"sort field": func() error {
			_, err := c.ListTaskStatus(ctx, tasks.ListParams{Sort: []isc.Sort[tasks.SortField]{isc.Asc(tasks.SortField("modified"))}})
			return err
		},
		"offset":      func() error { _, err := c.ListPendingTasks(ctx, isc.Paging{Offset: -1}); return err },
		"empty patch": func() error { _, err := c.UpdateTaskStatus(ctx, "x", nil); return err },
		"patch value": func() error {
			_, err := c.UpdateTaskStatus(ctx, "x", []tasks.PatchOp{{Op: "replace", Path: "/a"}})
			return err
		},
		"patch path": func() error {
			_, err := c.UpdateTaskStatus(ctx, "x", []tasks.PatchOp{tasks.Replace("a", 1)})
			return err
		},
		"patch op": func() error {
			_, err := c.UpdateTaskStatus(ctx, "x", []tasks.PatchOp{{Op: "merge", Path: "/a"}})
			return err
		},
		"empty task id": func() error { _, err := c.GetTaskStatus(ctx, ""); return err },
	}
	for name, f := range checks {
		var ae *isc.ArgumentError
		if err := f(); !errors.As(err, &ae) || !errors.Is(err, isc.ErrBadRequest) {
			t.Errorf("%s: err = %v, want an *isc.ArgumentError", name, err)
		}
	}
	if st := tn.Stats(); len(st.Requests) != 0 {
		t.Fatalf("refused calls reached the tenant: %v", st.Requests)
	}
}

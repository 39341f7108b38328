package graph_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/graph"
	"github.com/sailgraph/sailgraph/graph/loaders"
	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/tasks"
)

type taskData struct {
	ID               string
	Type             string
	UniqueName       string
	Description      *string
	Launcher         string
	Target           *struct{ ID, Type, Name *string }
	Created          time.Time
	Completed        *time.Time
	CompletionStatus *string
	Messages         []struct {
		Type, Key string
		Text      *string
	}
	Returns         []struct{ Name, AttributeName string }
	Attributes      map[string]any
	Progress        *string
	PercentComplete int
	TaskDefinition  *struct{ ID, UniqueName string }
}

const taskFields = `id type uniqueName description launcher target { id type name } created completed completionStatus
	messages { type key text } returns { name attributeName } attributes progress percentComplete taskDefinition { id uniqueName }`

// checkTask compares a GraphQL task with the tenant's.
func checkTask(t *testing.T, got taskData, want tasks.TaskStatus) {
	t.Helper()
	ok := got.ID == want.ID && got.Type == string(want.Type) && got.UniqueName == want.UniqueName && got.Launcher == want.Launcher &&
		got.Created.Equal(want.Created) && sameTime(got.Completed, want.Completed) && str(got.CompletionStatus) == string(want.CompletionStatus) &&
		len(got.Messages) == len(want.Messages) && len(got.Returns) == len(want.Returns) && got.PercentComplete == want.PercentComplete &&
		(got.TaskDefinition == nil) == (want.Definition == nil) && (got.Target == nil) == (want.Target == nil)
	for i := range got.Messages {
		ok = ok && got.Messages[i].Key == want.Messages[i].Key && got.Messages[i].Type == want.Messages[i].Type
	}
	if !ok {
		t.Errorf("task %s: %+v\ntenant %+v", want.ID, got, want)
	}
}

// Task lookups by id in one request are one upstream list call with
// filters=id in (...); pending tasks, which the tenant lists apart, take a
// second; unknown ids are null and NOT_FOUND.
func TestTaskLookupsAreBatched(t *testing.T) { inEachGeneration(t, testTaskLookupsAreBatched) }

func testTaskLookupsAreBatched(t *testing.T, gen string) {
	// A batch window generous for a loaded machine: the test is about
	// batching, not its latency.
	e := newEnvIn(t, gen, simtenant.Options{}, graph.Options{Loaders: loaders.Options{BatchWait: 250 * time.Millisecond}})
	ctx := context.Background()
	done := must(e.tasks.ListTaskStatus(ctx, tasks.ListParams{Paging: isc.Paging{Limit: 3}}))
	pending := must(e.tasks.ListPendingTasks(ctx, isc.Paging{Limit: 1}))
	if len(done.Items) != 3 || len(pending.Items) != 1 {
		t.Fatalf("tenant has %d completed and %d pending tasks", len(done.Items), len(pending.Items))
	}

	var d map[string]*taskData
	e.mustQuery(`query Q($a: ID!, $b: ID!, $c: ID!) { a: task(id: $a) { `+taskFields+` } b: task(id: $b) { `+taskFields+` } c: task(id: $c) { `+taskFields+` } again: task(id: $a) { id } }`,
		map[string]any{"a": done.Items[0].ID, "b": done.Items[1].ID, "c": done.Items[2].ID}, &d)
	byOp, queries, _ := e.calls.Snapshot()
	if !mapsEqual(byOp, map[string]int{"getTaskStatusList": 1}) {
		t.Fatalf("upstream calls %v, want one list call", byOp)
	}
	filters := filterOf(t, queries[0])
	for i, name := range []string{"a", "b", "c"} {
		checkTask(t, *d[name], done.Items[i])
		if !strings.Contains(filters, `"`+done.Items[i].ID+`"`) {
			t.Errorf("filters %q lack %s", filters, done.Items[i].ID)
		}
	}
	if !strings.HasPrefix(filters, "id in (") || d["again"].ID != done.Items[0].ID {
		t.Errorf("filters %q; again %+v", filters, d["again"])
	}

	r := e.query(`query Q($a: ID!, $p: ID!) { a: task(id: $a) { id } p: task(id: $p) { id completionStatus } gone: task(id: "no-such-task") { id } }`,
		map[string]any{"a": done.Items[0].ID, "p": pending.Items[0].ID})
	byOp, queries, _ = e.calls.Snapshot()
	if !mapsEqual(byOp, map[string]int{"getTaskStatusList": 2}) {
		t.Errorf("upstream calls %v, want two list calls", byOp)
	}
	if second := filterOf(t, queries[1]); !strings.Contains(second, "completionStatus isnull") || strings.Contains(second, done.Items[0].ID) {
		t.Errorf("second lookup %q", second)
	}
	if err := r.errorAt(t, "gone"); err.code() != "NOT_FOUND" {
		t.Errorf("%+v", err)
	}
	d2 := dataOf[map[string]*taskData](t, r)
	if d2["a"] == nil || d2["p"] == nil || d2["p"].ID != pending.Items[0].ID || d2["p"].CompletionStatus != nil || d2["gone"] != nil {
		t.Errorf("data %s", r.Data)
	}
}

func filterOf(t *testing.T, pathQuery string) string {
	t.Helper()
	_, raw, _ := strings.Cut(pathQuery, "?")
	q, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	return q.Get("filters")
}

// tasks filters, sorts and counts as the tenant does; a single value where
// the filter takes a list is a list of one.
func TestTaskLists(t *testing.T) { inEachGeneration(t, testTaskLists) }

func testTaskLists(t *testing.T, gen string) {
	e := newEnvIn(t, gen, simtenant.Options{}, graph.Options{})
	ctx := context.Background()
	var d struct {
		Tasks struct {
			TotalCount int
			Nodes      []taskData
		}
		Quartz struct {
			Nodes []struct{ Type string }
		}
		PendingTasks struct {
			TotalCount int
			Nodes      []taskData
		}
		PendingTaskCount int
	}
	e.mustQuery(`{
		tasks(filter: {completionStatus: [SUCCESS, ERROR]}, orderBy: [{field: CREATED, direction: ASC}], first: 30) { totalCount nodes { `+taskFields+` } }
		quartz: tasks(filter: {type: QUARTZ}, first: 20) { nodes { type } }
		pendingTasks(first: 100) { totalCount nodes { `+taskFields+` } }
		pendingTaskCount
	}`, nil, &d)

	want := must(e.tasks.ListTaskStatus(ctx, tasks.ListParams{
		Filter: isc.And(isc.In(tasks.FieldCompletionStatus, isc.Str("SUCCESS"), isc.Str("ERROR"))),
		Sort:   []isc.Sort[tasks.SortField]{isc.Asc(tasks.SortCreated)},
		Paging: isc.Paging{Limit: 30, Count: true},
	}))
	if d.Tasks.TotalCount != want.Total || len(d.Tasks.Nodes) != len(want.Items) || len(want.Items) == 0 {
		t.Fatalf("tasks: %d of %d, tenant %d of %d", len(d.Tasks.Nodes), d.Tasks.TotalCount, len(want.Items), want.Total)
	}
	for i, n := range d.Tasks.Nodes {
		checkTask(t, n, want.Items[i])
		if s := str(n.CompletionStatus); s != "SUCCESS" && s != "ERROR" {
			t.Errorf("task %s is %s", n.ID, s)
		}
	}
	if !slices.IsSortedFunc(d.Tasks.Nodes, func(a, b taskData) int { return a.Created.Compare(b.Created) }) {
		t.Error("tasks are not in created order")
	}
	if len(d.Quartz.Nodes) == 0 {
		t.Error("no QUARTZ tasks")
	}
	for _, n := range d.Quartz.Nodes {
		if n.Type != "QUARTZ" {
			t.Errorf("a %s task among QUARTZ ones", n.Type)
		}
	}
	pending := must(e.tasks.ListPendingTasks(ctx, isc.Paging{Limit: 100}))
	if d.PendingTaskCount == 0 || d.PendingTaskCount != d.PendingTasks.TotalCount || len(d.PendingTasks.Nodes) != len(pending.Items) {
		t.Fatalf("pending: count %d, totalCount %d, %d nodes; tenant %d", d.PendingTaskCount, d.PendingTasks.TotalCount, len(d.PendingTasks.Nodes), len(pending.Items))
	}
	for i, n := range d.PendingTasks.Nodes {
		checkTask(t, n, pending.Items[i])
	}
}

// updateTaskStatus patches a task; clearing a stuck task takes it out of
// the pending ones.
func TestUpdateTaskStatus(t *testing.T) { inEachGeneration(t, testUpdateTaskStatus) }

func testUpdateTaskStatus(t *testing.T, gen string) {
	e := newEnvIn(t, gen, simtenant.Options{}, graph.Options{})
	ctx := context.Background()
	pending := must(e.tasks.ListPendingTasks(ctx, isc.Paging{Limit: 1}))
	before := must(e.tasks.CountPendingTasks(ctx))
	var d struct {
		UpdateTaskStatus taskData
	}
	e.mustQuery(`mutation M($id: ID!) { updateTaskStatus(id: $id, operations: [
		{op: REPLACE, path: "/completionStatus", value: "Error"},
		{op: REPLACE, path: "/completed", value: "2026-01-02T03:04:05Z"}
	]) { `+taskFields+` } }`, map[string]any{"id": pending.Items[0].ID}, &d)
	got := d.UpdateTaskStatus
	if got.ID != pending.Items[0].ID || str(got.CompletionStatus) != "ERROR" || got.Completed == nil || !got.Completed.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("updated task %+v", got)
	}
	if after := must(e.tasks.CountPendingTasks(ctx)); after != before-1 {
		t.Errorf("pending %d -> %d", before, after)
	}
	tenant := must(e.tasks.GetTaskStatus(ctx, got.ID))
	checkTask(t, got, *tenant)

	r := e.query(`mutation { updateTaskStatus(id: "no-such-task", operations: [{op: REPLACE, path: "/completionStatus", value: "Error"}]) { id } }`, nil)
	if err := r.errorAt(t, "updateTaskStatus"); err.code() != "NOT_FOUND" {
		t.Errorf("%+v", err)
	}
	r = e.query(`mutation M($id: ID!) { updateTaskStatus(id: $id, operations: [{op: REPLACE, path: "/completionStatus", value: "Sideways"}]) { id } }`,
		map[string]any{"id": got.ID})
	if err := r.errorAt(t, "updateTaskStatus"); err.code() != "BAD_USER_INPUT" || !strings.Contains(err.Message, "completionStatus") {
		t.Errorf("%+v", err)
	}
}

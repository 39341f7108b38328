package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
	"github.com/sailgraph/sailgraph/upstream/reports"
	"github.com/sailgraph/sailgraph/upstream/rolemining"
	"github.com/sailgraph/sailgraph/upstream/tasks"
)

// Source polls one kind of job with an upstream client.
type Source interface {
	// Operation is the upstream operation the polls call, whose budget
	// they spend.
	Operation() *op.Operation
	// Batch is how many jobs of one principal a Poll may take at once;
	// 1 polls them one by one.
	Batch() int
	// Poll returns the state of each job, in order. Its ctx carries the
	// jobs' principal, as a request's does.
	Poll(ctx context.Context, jobs []Job) []Result
}

// Result is one job's state as a poll found it.
type Result struct {
	// State is the upstream client's value; it goes to subscribers as
	// JSON.
	State any
	// Digest is what change detection compares; "" means the State's
	// JSON.
	Digest string
	// Final is set when the job has ended.
	Final bool
	// Err is set when the poll failed: an error the gateway's error table
	// (apierr) classifies as the caller's (unknown id, bad id, refused
	// credentials) ends the job; any other (rate limited, unavailable)
	// is tried again at the next poll.
	Err error
}

// ReportsAPI is what the report source needs of reports.Client.
type ReportsAPI interface {
	GetReportResult(ctx context.Context, taskResultID string, p reports.ResultParams) (*reports.Result, error)
}

// TasksAPI is what the task sources need of tasks.Client.
type TasksAPI interface {
	ListTaskStatus(ctx context.Context, p tasks.ListParams) (isc.Page[tasks.TaskStatus], error)
	CountPendingTasks(ctx context.Context) (int, error)
}

// ExportsAPI is what the export source needs of rolemining.Client.
type ExportsAPI interface {
	GetExport(ctx context.Context, role rolemining.PotentialRole, exportID string) (*rolemining.Export, error)
}

var (
	_ ReportsAPI = (*reports.Client)(nil)
	_ TasksAPI   = (*tasks.Client)(nil)
	_ ExportsAPI = (*rolemining.Client)(nil)
)

// Sources returns the sources of every kind of job over the typed
// clients.
func Sources(r ReportsAPI, t TasksAPI, e ExportsAPI) map[Kind]Source {
	return map[Kind]Source{
		Report:       reportSource{r},
		Task:         taskSource{t},
		Export:       exportSource{e},
		PendingTasks: pendingSource{t},
	}
}

// each polls jobs one at a time with poll: the sources whose Batch is 1.
func each(jobs []Job, poll func(Job) Result) []Result {
	out := make([]Result, len(jobs))
	for i, j := range jobs {
		out[i] = poll(j)
	}
	return out
}

// reportSource polls a report run with getReportResult. A running
// report's duration grows at every poll; it alone is not a change.
type reportSource struct{ c ReportsAPI }

func (reportSource) Operation() *op.Operation { return op.GetReportResult }
func (reportSource) Batch() int               { return 1 }

func (s reportSource) Poll(ctx context.Context, jobs []Job) []Result {
	return each(jobs, func(j Job) Result {
		res, err := s.c.GetReportResult(ctx, j.IDs[0], reports.ResultParams{})
		if err != nil {
			return Result{Err: err}
		}
		still := *res
		if still.Status == "" {
			still.Duration = 0
		}
		return Result{State: res, Digest: digestOf(still), Final: res.Status != ""}
	})
}

// exportSource polls a role-mining export with its status operation.
type exportSource struct{ c ExportsAPI }

func (exportSource) Operation() *op.Operation { return op.ExportRoleMiningPotentialRoleStatus }
func (exportSource) Batch() int               { return 1 }

func (s exportSource) Poll(ctx context.Context, jobs []Job) []Result {
	return each(jobs, func(j Job) Result {
		e, err := s.c.GetExport(ctx, rolemining.PotentialRole{SessionID: j.IDs[0], ID: j.IDs[1]}, j.IDs[2])
		if err != nil {
			return Result{Err: err}
		}
		return Result{State: e, Final: e.Status.Done()}
	})
}

// pendingSource polls the count of pending tasks (getPendingTaskHeaders,
// a HEAD: no list is transferred). It never ends.
type pendingSource struct{ c TasksAPI }

func (pendingSource) Operation() *op.Operation { return op.GetPendingTaskHeaders }
func (pendingSource) Batch() int               { return 1 }

func (s pendingSource) Poll(ctx context.Context, jobs []Job) []Result {
	return each(jobs, func(Job) Result {
		n, err := s.c.CountPendingTasks(ctx)
		return Result{State: n, Err: err}
	})
}

// taskBatch is the most ids one task-list call asks for: the filter
// stays well inside a URL's length, and the page size of 250 holds them.
const taskBatch = 100

// taskSource polls tasks in batches, with tasks.ByID: one
// getTaskStatusList call with `id in (...)` for every watched task of a
// principal, among the running tasks first (what a watched task usually
// is); the ids it misses have finished, or do not exist, and one more
// call over those tells which.
type taskSource struct{ c TasksAPI }

func (taskSource) Operation() *op.Operation { return op.GetTaskStatusList }
func (taskSource) Batch() int               { return taskBatch }

func (s taskSource) Poll(ctx context.Context, jobs []Job) []Result {
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.IDs[0]
	}
	found, err := tasks.ByID(ctx, s.c, ids, true)
	out := make([]Result, len(jobs))
	for i, id := range ids {
		switch t := found[id]; {
		case t != nil:
			out[i] = Result{State: t, Final: !t.Pending()}
		case err != nil:
			// Not known this time; those the first call found are.
			out[i].Err = err
		default:
			out[i].Err = isc.ErrNotFound // neither list has it
		}
	}
	return out
}

// digestOf is the hex SHA-256 of v's JSON.
func digestOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return digestBytes(b)
}

func digestBytes(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

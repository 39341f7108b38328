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

// reportSource polls a report run with getReportResult. A running
// report's duration grows at every poll; it alone is not a change.
type reportSource struct{ c ReportsAPI }

func (reportSource) Operation() *op.Operation { return op.GetReportResult }
func (reportSource) Batch() int               { return 1 }

func (s reportSource) Poll(ctx context.Context, jobs []Job) []Result {
	out := make([]Result, len(jobs))
	for i, j := range jobs {
		res, err := s.c.GetReportResult(ctx, j.IDs[0], reports.ResultParams{})
		if err != nil {
			out[i].Err = err
			continue
		}
		still := *res
		if still.Status == "" {
			still.Duration = 0
		}
		out[i] = Result{State: res, Digest: digestOf(still), Final: res.Status != ""}
	}
	return out
}

// exportSource polls a role-mining export with its status operation.
type exportSource struct{ c ExportsAPI }

func (exportSource) Operation() *op.Operation { return op.ExportRoleMiningPotentialRoleStatus }
func (exportSource) Batch() int               { return 1 }

func (s exportSource) Poll(ctx context.Context, jobs []Job) []Result {
	out := make([]Result, len(jobs))
	for i, j := range jobs {
		e, err := s.c.GetExport(ctx, rolemining.PotentialRole{SessionID: j.IDs[0], ID: j.IDs[1]}, j.IDs[2])
		if err != nil {
			out[i].Err = err
			continue
		}
		out[i] = Result{State: e, Final: e.Status.Done()}
	}
	return out
}

// pendingSource polls the count of pending tasks (getPendingTaskHeaders,
// a HEAD: no list is transferred). It never ends.
type pendingSource struct{ c TasksAPI }

func (pendingSource) Operation() *op.Operation { return op.GetPendingTaskHeaders }
func (pendingSource) Batch() int               { return 1 }

func (s pendingSource) Poll(ctx context.Context, jobs []Job) []Result {
	out := make([]Result, len(jobs))
	for i := range jobs {
		n, err := s.c.CountPendingTasks(ctx)
		out[i] = Result{State: n, Err: err}
	}
	return out
}

// taskBatch is the most ids one task-list call asks for: the filter
// stays well inside a URL's length, and the page size of 250 holds them.
const taskBatch = 100

// taskSource polls tasks in batches: one getTaskStatusList call with
// `id in (...)` for every watched task of a principal. The tenant lists
// running tasks only for a `completionStatus isnull` filter and finished
// ones otherwise, so the call asks for the running ones (what a watched
// task usually is); the ids it misses have finished, or do not exist,
// and one more call with `id in (...)` over those tells which.
type taskSource struct{ c TasksAPI }

func (taskSource) Operation() *op.Operation { return op.GetTaskStatusList }
func (taskSource) Batch() int               { return taskBatch }

func (s taskSource) Poll(ctx context.Context, jobs []Job) []Result {
	out := make([]Result, len(jobs))
	found := make(map[string]*tasks.TaskStatus, len(jobs))
	missing := make([]string, 0, len(jobs))
	for _, j := range jobs {
		missing = append(missing, j.IDs[0])
	}
	for _, pending := range []bool{true, false} {
		if len(missing) == 0 {
			break
		}
		vals := make([]isc.Value, len(missing))
		for i, id := range missing {
			vals[i] = isc.Str(id)
		}
		filter := isc.And(isc.In(tasks.FieldID, vals...))
		if pending {
			filter = append(filter, isc.IsNull(tasks.FieldCompletionStatus))
		}
		page, err := s.c.ListTaskStatus(ctx, tasks.ListParams{Filter: filter, Paging: isc.Paging{Limit: min(len(missing), isc.MaxLimit)}})
		if err != nil {
			// The ids not found yet are not known this time; those found
			// by the first call are.
			for i, j := range jobs {
				if found[j.IDs[0]] == nil {
					out[i].Err = err
				}
			}
			break
		}
		for i := range page.Items {
			found[page.Items[i].ID] = &page.Items[i]
		}
		still := missing[:0]
		for _, id := range missing {
			if found[id] == nil {
				still = append(still, id)
			}
		}
		missing = still
	}
	for i, j := range jobs {
		switch t := found[j.IDs[0]]; {
		case t != nil:
			out[i] = Result{State: t, Final: !t.Pending()}
		case out[i].Err == nil:
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

// Package tasks is the typed client of ISC's task-status operations: one
// task by id, the completed-task list with filters and sorters, the
// pending-task list and count, and the status update.
//
// It answers alike in both API generations. Legacy (beta) lists completed
// tasks only and has its own, deprecated, pending-task operations; task
// management v1 lists every task and has none. In v1 the client therefore
// adds `completionStatus in (the final statuses)` to a list filter that
// names no completionStatus, and reads the pending tasks (and their count,
// with count=true and limit=0) from the list with `completionStatus
// isnull`.
package tasks

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// Client calls one tenant's task-status operations. It is safe for
// concurrent use.
type Client struct {
	c *isc.Client
}

// New returns a Client for the tenant at root (e.g.
// https://acme.api.identitynow.com), sending through hc.
func New(root string, hc *http.Client, opts ...isc.Option) (*Client, error) {
	c, err := isc.New(root, hc, opts...)
	if err != nil {
		return nil, err
	}
	return &Client{c: c}, nil
}

// GetTaskStatus returns the task with id (getTaskStatus). An unknown id,
// or one older than the tenant's 90-day retention, wraps isc.ErrNotFound.
func (c *Client) GetTaskStatus(ctx context.Context, id string) (*TaskStatus, error) {
	var ts TaskStatus
	if _, err := c.c.JSON(ctx, isc.Call{Op: op.GetTaskStatus, Params: []string{id}}, &ts); err != nil {
		return nil, err
	}
	return &ts, nil
}

// UpdateTaskStatus applies JSON Patch operations to the task with id and
// returns the updated task (updateTaskStatus), e.g. to clear a stuck task.
// Operations the operation does not take (see PatchOp) are an
// *isc.ArgumentError before any call:
//
//	c.UpdateTaskStatus(ctx, id, []tasks.PatchOp{
//		tasks.Replace("/completionStatus", "Error"),
//		tasks.Replace("/completed", time.Now()),
//	})
func (c *Client) UpdateTaskStatus(ctx context.Context, id string, ops []PatchOp) (*TaskStatus, error) {
	body, err := checkPatch(ops)
	if err != nil {
		return nil, err
	}
	var ts TaskStatus
	call := isc.Call{
		Op: op.UpdateTaskStatus, Params: []string{id},
		Body: body, ContentType: "application/json-patch+json",
	}
	if _, err := c.c.JSON(ctx, call, &ts); err != nil {
		return nil, err
	}
	return &ts, nil
}

// ListTaskStatus lists task statuses (getTaskStatusList): the completed
// tasks, or the pending ones for a completionStatus isnull filter, in
// either generation.
func (c *Client) ListTaskStatus(ctx context.Context, p ListParams) (isc.Page[TaskStatus], error) {
	q := url.Values{}
	if err := p.Paging.Apply(q); err != nil {
		return isc.Page[TaskStatus]{}, err
	}
	// Checked before the generation is asked for, so that a bad filter is
	// refused alike in both.
	filters, err := p.Filter.Encode(filterSpec)
	if err != nil {
		return isc.Page[TaskStatus]{}, err
	}
	gen, err := c.c.GenerationFor(ctx, op.Tasks)
	if err != nil {
		return isc.Page[TaskStatus]{}, err
	}
	if gen == op.V1 && !slices.ContainsFunc(p.Filter, func(t isc.Term[Field]) bool { return t.Field == FieldCompletionStatus }) {
		// v1 lists every task; legacy, and this method, the completed ones.
		if filters, err = append(slices.Clip(p.Filter), completed).Encode(filterSpec); err != nil {
			return isc.Page[TaskStatus]{}, err
		}
	}
	isc.SetString(q, "filters", filters)
	sorters, err := isc.EncodeSorters(p.Sort, SortCreated)
	if err != nil {
		return isc.Page[TaskStatus]{}, err
	}
	isc.SetString(q, "sorters", sorters)
	return isc.List[TaskStatus](ctx, c.c, isc.Call{Op: op.GetTaskStatusList, Query: q}.In(gen))
}

// completed is the term that keeps the finished tasks: `completionStatus
// in (...)` with every status a finished task can have.
var completed = func() isc.Term[Field] {
	vals := make([]isc.Value, len(completionStatuses))
	for i, s := range completionStatuses {
		vals[i] = isc.Str(string(s))
	}
	return isc.In(FieldCompletionStatus, vals...)
}()

// pendingFilter is the list filter that keeps the tasks still running.
var pendingFilter = mustEncode(isc.And(isc.IsNull(FieldCompletionStatus)))

func mustEncode(f isc.Filter[Field]) string {
	s, err := f.Encode(filterSpec)
	if err != nil {
		panic(err)
	}
	return s
}

// ListPendingTasks lists the tasks still running, newest first: in legacy
// with getPendingTasks (which upstream deprecates), in v1 with the task
// list and `completionStatus isnull`, its replacement.
func (c *Client) ListPendingTasks(ctx context.Context, p isc.Paging) (isc.Page[TaskStatus], error) {
	q := url.Values{}
	if err := p.Apply(q); err != nil {
		return isc.Page[TaskStatus]{}, err
	}
	gen, err := c.c.GenerationFor(ctx, op.Tasks)
	if err != nil {
		return isc.Page[TaskStatus]{}, err
	}
	if gen == op.V1 {
		q.Set("filters", pendingFilter)
		return isc.List[TaskStatus](ctx, c.c, isc.Call{Op: op.GetTaskStatusList, Query: q}.In(gen))
	}
	return isc.List[TaskStatus](ctx, c.c, isc.Call{Op: op.GetPendingTasks, Query: q}.In(gen))
}

// CountPendingTasks returns how many tasks are pending, without
// transferring the list: in legacy from the headers of a HEAD request
// (getPendingTaskHeaders with count=true), in v1 from the task list with
// `completionStatus isnull`, count=true and limit=0 (an empty page and
// X-Total-Count).
func (c *Client) CountPendingTasks(ctx context.Context) (int, error) {
	gen, err := c.c.GenerationFor(ctx, op.Tasks)
	if err != nil {
		return 0, err
	}
	var meta isc.Meta
	name := op.GetPendingTaskHeaders.Name
	if gen == op.V1 {
		name = op.GetTaskStatusList.Name
		q := url.Values{"filters": {pendingFilter}, "count": {"true"}, "limit": {"0"}}
		meta, err = c.c.JSON(ctx, isc.Call{Op: op.GetTaskStatusList, Query: q}.In(gen), nil)
	} else {
		meta, err = c.c.Send(ctx, isc.Call{Op: op.GetPendingTaskHeaders, Query: url.Values{"count": {"true"}}}.In(gen))
	}
	if err != nil {
		return 0, err
	}
	if !meta.HasTotal {
		return 0, isc.Breach(name, nil, "no X-Total-Count for count=true")
	}
	return meta.Total, nil
}

// Package tasks is the typed client of ISC's task-status operations (beta):
// one task by id, the completed-task list with filters and sorters, the
// deprecated pending-task list and count, and the status update.
package tasks

import (
	"context"
	"net/http"
	"net/url"

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

// ListTaskStatus lists task statuses (getTaskStatusList). The tenant lists
// completed tasks, or the pending ones for a completionStatus isnull
// filter.
func (c *Client) ListTaskStatus(ctx context.Context, p ListParams) (isc.Page[TaskStatus], error) {
	q := url.Values{}
	if err := p.Paging.Apply(q); err != nil {
		return isc.Page[TaskStatus]{}, err
	}
	filters, err := p.Filter.Encode(filterSpec)
	if err != nil {
		return isc.Page[TaskStatus]{}, err
	}
	isc.SetString(q, "filters", filters)
	sorters, err := isc.EncodeSorters(p.Sort, SortCreated)
	if err != nil {
		return isc.Page[TaskStatus]{}, err
	}
	isc.SetString(q, "sorters", sorters)
	return isc.List[TaskStatus](ctx, c.c, isc.Call{Op: op.GetTaskStatusList, Query: q})
}

// ListPendingTasks lists the tasks still running (getPendingTasks, which
// upstream deprecates in favour of ListTaskStatus with
// isc.IsNull(FieldCompletionStatus)).
func (c *Client) ListPendingTasks(ctx context.Context, p isc.Paging) (isc.Page[TaskStatus], error) {
	q := url.Values{}
	if err := p.Apply(q); err != nil {
		return isc.Page[TaskStatus]{}, err
	}
	return isc.List[TaskStatus](ctx, c.c, isc.Call{Op: op.GetPendingTasks, Query: q})
}

// CountPendingTasks returns how many tasks are pending, from the headers
// of a HEAD request (getPendingTaskHeaders with count=true); no list is
// transferred.
func (c *Client) CountPendingTasks(ctx context.Context) (int, error) {
	meta, err := c.c.Send(ctx, isc.Call{
		Op:    op.GetPendingTaskHeaders,
		Query: url.Values{"count": {"true"}},
	})
	if err != nil {
		return 0, err
	}
	if !meta.HasTotal {
		return 0, isc.Breach("getPendingTaskHeaders", nil, "no X-Total-Count for count=true")
	}
	return meta.Total, nil
}

package tasks

import (
	"context"

	"github.com/sailgraph/sailgraph/upstream/isc"
)

// Lister lists task statuses; Client is one.
type Lister interface {
	ListTaskStatus(ctx context.Context, p ListParams) (isc.Page[TaskStatus], error)
}

var _ Lister = (*Client)(nil)

// ByID looks up the tasks with ids (at most isc.MaxLimit) in as few
// getTaskStatusList calls as it can: `id in (...)` among the finished
// tasks (the list without a completionStatus filter), then, for the ids
// that call missed, among the running ones (`completionStatus isnull`),
// or in the other order with pendingFirst. A caller asks first where
// most of its tasks are: two calls only when some are in each list.
//
// found holds every task a call returned, by id; an id in neither list is
// unknown. When a call fails ByID returns its error, with what the calls
// before it found.
func ByID(ctx context.Context, l Lister, ids []string, pendingFirst bool) (found map[string]*TaskStatus, err error) {
	found = make(map[string]*TaskStatus, len(ids))
	missing := ids
	for _, pending := range []bool{pendingFirst, !pendingFirst} {
		if len(missing) == 0 {
			break
		}
		vals := make([]isc.Value, len(missing))
		for i, id := range missing {
			vals[i] = isc.Str(id)
		}
		filter := isc.And(isc.In(FieldID, vals...))
		if pending {
			filter = append(filter, isc.IsNull(FieldCompletionStatus))
		}
		page, err := l.ListTaskStatus(ctx, ListParams{Filter: filter, Paging: isc.Paging{Limit: min(len(missing), isc.MaxLimit)}})
		if err != nil {
			return found, err
		}
		for i := range page.Items {
			found[page.Items[i].ID] = &page.Items[i]
		}
		var still []string
		for _, id := range missing {
			if found[id] == nil {
				still = append(still, id)
			}
		}
		missing = still
	}
	return found, nil
}

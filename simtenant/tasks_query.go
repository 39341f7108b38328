package simtenant

import (
	"slices"
	"strings"
)

// taskFilters are the filters getTaskStatusList documents, plus isnull on
// completionStatus, which the spec's deprecation notes recommend for
// listing pending tasks.
var taskFilters = filterSpec{
	"id":               {"eq", "in"},
	"sourceId":         {"eq", "in"},
	"completionStatus": {"eq", "in", "isnull"},
	"type":             {"eq", "in"},
}

// selectTasks applies getTaskStatusList's filters. The list holds
// completed tasks unless the filters ask for `completionStatus isnull`,
// which selects the pending ones instead.
func selectTasks(tasks []*task, conds []cond) []*task {
	wantPending := slices.ContainsFunc(conds, func(c cond) bool {
		return c.field == "completionStatus" && c.op == "isnull"
	})
	var out []*task
	for _, ts := range tasks {
		if ts.pending() != wantPending {
			continue
		}
		if matchesAll(ts, conds) {
			out = append(out, ts)
		}
	}
	return out
}

func matchesAll(ts *task, conds []cond) bool {
	for _, c := range conds {
		if !taskMatches(ts, c) {
			return false
		}
	}
	return true
}

func taskMatches(ts *task, c cond) bool {
	switch c.field {
	case "id":
		return slices.Contains(c.values, ts.id)
	case "sourceId":
		return ts.target != nil && ts.target.typ == targetApp && slices.Contains(c.values, ts.target.id)
	case "type":
		return containsFold(c.values, ts.typ)
	case "completionStatus":
		if c.op == "isnull" {
			return ts.completionStatus == nil
		}
		return ts.completionStatus != nil && containsFold(c.values, *ts.completionStatus)
	}
	return false
}

// containsFold reports whether v is among values, ignoring case: ISC's
// own examples spell enum values as "Success".
func containsFold(values []string, v string) bool {
	return slices.ContainsFunc(values, func(s string) bool { return strings.EqualFold(s, v) })
}

// compareTasks orders tasks by the one sortable field, created; equal
// times fall back to the id so that pages are stable.
func compareTasks(a, b *task, field string) int {
	if field == "created" {
		if c := a.created.Compare(b.created); c != 0 {
			return c
		}
	}
	return strings.Compare(a.id, b.id)
}

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

// taskFiltersV1 are the filters getTaskStatusListV1 documents: beta's,
// with isnull on completionStatus written down, and launcher.
var taskFiltersV1 = filterSpec{
	"id":               {"eq", "in"},
	"sourceId":         {"eq", "in"},
	"completionStatus": {"eq", "in", "isnull"},
	"type":             {"eq", "in"},
	"launcher":         {"eq", "in"},
}

// taskKindCodesV1 are the values v1's spec lists for the type filter.
// The tenant's task kinds carry some of them (taskDefinition.code).
var taskKindCodesV1 = []string{
	"CLOUD_ACCOUNT_AGGREGATION", "CLOUD_GROUP_AGGREGATION", "CLOUD_PROCESS_UNCORRELATED_ACCOUNTS",
	"CLOUD_REFRESH_ROLE", "SOURCE_APPLICATION_DISCOVERY", "AI_AGENT_AGGREGATION", "CLOUD_ENTITLEMENT_IMPORT",
	"CLOUD_UNCORRELATED_REFRESH", "CLOUD_IDENTITY_AGGREGATION", "CLOUD_ATTRIBUTE_SYNCHRONIZATION",
	"IDENTITY_REFRESH", "APPLICATION_DISCOVERY", "MACHINE_IDENTITY_AGGREGATION", "MACHINE_IDENTITY_DELETION",
	"ACCOUNT_DELETION",
}

// taskTypes are the values of the TaskStatus type field.
var taskTypes = []string{taskQuartz, taskQPOC, taskQueued}

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

// checkTaskFiltersV1 refuses a type value that is neither a v1 task kind
// nor a TaskStatus type: v1's spec lists the values it takes.
func checkTaskFiltersV1(conds []cond) *apiError {
	for _, c := range conds {
		if c.field != "type" {
			continue
		}
		for _, v := range c.values {
			if !containsFold(taskKindCodesV1, v) && !containsFold(taskTypes, v) {
				return badRequest("invalid filters: type %q is neither a task kind (%s) nor a task type (%s)",
					v, strings.Join(taskKindCodesV1, ", "), strings.Join(taskTypes, ", "))
			}
		}
	}
	return nil
}

// selectTasksV1 applies getTaskStatusListV1's filters to every task,
// pending or not.
func selectTasksV1(tasks []*task, conds []cond) []*task {
	var out []*task
	for _, ts := range tasks {
		if matchesAllV1(ts, conds) {
			out = append(out, ts)
		}
	}
	return out
}

func matchesAllV1(ts *task, conds []cond) bool {
	for _, c := range conds {
		switch c.field {
		case "type":
			if !containsFold(c.values, ts.typ) && (ts.definition == nil || ts.definition.code == "" || !containsFold(c.values, ts.definition.code)) {
				return false
			}
		case "launcher":
			if !slices.Contains(c.values, ts.launcher) {
				return false
			}
		default:
			if !taskMatches(ts, c) {
				return false
			}
		}
	}
	return true
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

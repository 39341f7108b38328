package simtenant

import (
	"mime"
	"net/http"
	"slices"
)

// routesTasks registers the task operations: beta's five, and task
// management v1's three (no pending-tasks operations: pending tasks are
// the list's `completionStatus isnull`). Both serve the one task store,
// so a patch through one generation is seen through the other.
func (t *Tenant) routesTasks(g *registrar) {
	g.handle(apiBeta, "GET /beta/task-status", "getTaskStatusList", t.getTaskStatusList)
	g.handle(apiBeta, "GET /beta/task-status/pending-tasks", "getPendingTasks", t.getPendingTasks)
	g.handle(apiBeta, "HEAD /beta/task-status/pending-tasks", "getPendingTaskHeaders", t.getPendingTasks)
	g.handle(apiBeta, "GET /beta/task-status/{id}", "getTaskStatus", t.getTaskStatus)
	g.handle(apiBeta, "PATCH /beta/task-status/{id}", "updateTaskStatus", t.updateTaskStatus)

	g.handle(apiTaskManagementV1, "GET /task-status/v1", "getTaskStatusListV1", t.getTaskStatusListV1)
	g.handle(apiTaskManagementV1, "GET /task-status/v1/{id}", "getTaskStatusV1", t.getTaskStatus)
	g.handle(apiTaskManagementV1, "PATCH /task-status/v1/{id}", "updateTaskStatusV1", t.updateTaskStatus)
}

// getTaskStatusList lists completed tasks (pending ones with
// `completionStatus isnull`), newest first unless sorted by created.
func (t *Tenant) getTaskStatusList(w http.ResponseWriter, r *http.Request) {
	t.listTasks(w, r, taskFilters, nil, selectTasks)
}

// getTaskStatusListV1 lists all tasks, completed and pending, as v1's spec
// says ("statuses for **all** tasks"); `completionStatus isnull` keeps the
// pending ones. It filters on launcher too, and its type filter takes the
// task kinds v1 lists (CLOUD_ACCOUNT_AGGREGATION, ...) besides the
// TaskStatus types (QUARTZ, ...).
func (t *Tenant) getTaskStatusListV1(w http.ResponseWriter, r *http.Request) {
	t.listTasks(w, r, taskFiltersV1, checkTaskFiltersV1, selectTasksV1)
}

// listTasks serves a task list: spec names the filters, check (when not
// nil) vets their values, and sel applies them.
func (t *Tenant) listTasks(w http.ResponseWriter, r *http.Request, spec filterSpec, check func([]cond) *apiError, sel func([]*task, []cond) []*task) {
	q := r.URL.Query()
	pg, err := parsePage(q)
	if err != nil {
		err.write(w)
		return
	}
	conds, err := parseFilters(q.Get("filters"), spec)
	if err != nil {
		err.write(w)
		return
	}
	sorters, err := parseSorters(q.Get("sorters"), "created")
	if err != nil {
		err.write(w)
		return
	}
	if check != nil {
		if err := check(conds); err != nil {
			err.write(w)
			return
		}
	}
	tasks := sel(t.tasks.visible(t.now()), conds)
	if len(sorters) > 0 {
		slices.SortStableFunc(tasks, compareBy(sorters, compareTasks))
	}
	writeTasks(w, paginate(w, tasks, pg))
}

// getPendingTasks serves both the GET and the HEAD of the deprecated
// pending-tasks list, newest first; net/http drops the body of a HEAD.
func (t *Tenant) getPendingTasks(w http.ResponseWriter, r *http.Request) {
	pg, err := parsePage(r.URL.Query())
	if err != nil {
		err.write(w)
		return
	}
	tasks := selectTasks(t.tasks.visible(t.now()), []cond{{field: "completionStatus", op: "isnull"}})
	page := paginate(w, tasks, pg)
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	writeTasks(w, page)
}

func (t *Tenant) getTaskStatus(w http.ResponseWriter, r *http.Request) {
	ts, err := t.tasks.get(r.PathValue("id"), t.now())
	if err != nil {
		err.write(w)
		return
	}
	writeJSON(w, http.StatusOK, ts.wire())
}

// maxPatchBody bounds a JSON Patch document.
const maxPatchBody = 1 << 20

// updateTaskStatus applies a JSON Patch (RFC 6902) to a task, all or
// nothing, and answers the updated TaskStatus.
func (t *Tenant) updateTaskStatus(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json-patch+json" {
		badRequest("the request body must be a JSON Patch document with Content-Type application/json-patch+json, got %q", r.Header.Get("Content-Type")).write(w)
		return
	}
	ops, err := decodeJSONPatch(http.MaxBytesReader(w, r.Body, maxPatchBody))
	if err != nil {
		err.write(w)
		return
	}
	now := t.now()
	ts, err := t.tasks.update(r.PathValue("id"), now, func(ts *task) *apiError {
		return applyTaskPatch(ts, ops, now)
	})
	if err != nil {
		err.write(w)
		return
	}
	writeJSON(w, http.StatusOK, ts.wire())
}

func writeTasks(w http.ResponseWriter, tasks []*task) {
	out := make([]taskStatusJSON, len(tasks))
	for i, ts := range tasks {
		out[i] = ts.wire()
	}
	writeJSON(w, http.StatusOK, out)
}

package simtenant

import (
	"mime"
	"net/http"
	"slices"
)

func (t *Tenant) routesTasks(g *registrar) {
	g.handle("GET /beta/task-status", "getTaskStatusList", t.getTaskStatusList)
	g.handle("GET /beta/task-status/pending-tasks", "getPendingTasks", t.getPendingTasks)
	g.handle("HEAD /beta/task-status/pending-tasks", "getPendingTaskHeaders", t.getPendingTasks)
	g.handle("GET /beta/task-status/{id}", "getTaskStatus", t.getTaskStatus)
	g.handle("PATCH /beta/task-status/{id}", "updateTaskStatus", t.updateTaskStatus)
}

// getTaskStatusList lists completed tasks (pending ones with
// `completionStatus isnull`), newest first unless sorted by created.
func (t *Tenant) getTaskStatusList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg, err := parsePage(q)
	if err != nil {
		err.write(w)
		return
	}
	conds, err := parseFilters(q.Get("filters"), taskFilters)
	if err != nil {
		err.write(w)
		return
	}
	sorters, err := parseSorters(q.Get("sorters"), "created")
	if err != nil {
		err.write(w)
		return
	}
	tasks := selectTasks(t.tasks.visible(t.now()), conds)
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

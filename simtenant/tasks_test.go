package simtenant

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// taskDoc is a TaskStatus as a client decodes it.
type taskDoc struct {
	ID               string         `json:"id"`
	Type             string         `json:"type"`
	UniqueName       string         `json:"uniqueName"`
	Description      string         `json:"description"`
	Created          string         `json:"created"`
	Modified         *string        `json:"modified"`
	Completed        *string        `json:"completed"`
	CompletionStatus *string        `json:"completionStatus"`
	Progress         *string        `json:"progress"`
	PercentComplete  int            `json:"percentComplete"`
	Attributes       map[string]any `json:"attributes"`
	Target           *struct {
		ID, Type, Name string
	} `json:"target"`
	TaskDefinitionSummary *struct {
		ID, UniqueName string
	} `json:"taskDefinitionSummary"`
}

func newTaskHarness(t *testing.T) (*harness, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	return newHarness(t, Options{Now: clock.Now}), clock
}

// modelTasks is the test's own reading of the store: the tasks within 90
// days of now that satisfy keep.
func modelTasks(h *harness, now time.Time, keep func(*task) bool) map[string]*task {
	out := map[string]*task{}
	h.tn.tasks.mu.RLock()
	defer h.tn.tasks.mu.RUnlock()
	for _, ts := range h.tn.tasks.tasks {
		if now.Sub(ts.created) <= 90*24*time.Hour && keep(ts) {
			out[ts.id] = ts
		}
	}
	return out
}

func taskIDs(docs []taskDoc) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.ID
	}
	return out
}

func TestTaskDataSet(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	tasks := generateTasks(7, now)
	if len(tasks) < 300 {
		t.Fatalf("%d tasks; want several hundred", len(tasks))
	}
	hexID := regexp.MustCompile(`^[0-9a-f]{32}$`)
	types, statuses := map[string]int{}, map[string]int{}
	var pending, old, withTarget, withDef int
	for i, ts := range tasks {
		if !hexID.MatchString(ts.id) {
			t.Fatalf("task id %q is not 32 lowercase hex", ts.id)
		}
		if i > 0 && ts.created.Before(tasks[i-1].created) {
			t.Fatal("tasks are not ordered by created")
		}
		if age := now.Sub(ts.created); age < 0 || age > 120*24*time.Hour {
			t.Fatalf("task created %v, outside the last 120 days", ts.created)
		} else if age > 90*24*time.Hour {
			old++
		}
		types[ts.typ]++
		if ts.pending() {
			pending++
			if ts.completed != nil {
				t.Fatalf("pending task %s has a completion date", ts.id)
			}
		} else {
			statuses[*ts.completionStatus]++
			if ts.completed == nil || ts.completed.After(now) || ts.completed.Before(ts.created) {
				t.Fatalf("completed task %s: completed %v, created %v", ts.id, ts.completed, ts.created)
			}
		}
		if ts.target != nil {
			withTarget++
		}
		if ts.definition != nil {
			withDef++
		}
	}
	for _, typ := range []string{taskQuartz, taskQPOC, taskQueued} {
		if types[typ] == 0 {
			t.Errorf("no task of type %s", typ)
		}
	}
	for _, s := range taskCompletionStatuses {
		if statuses[s] == 0 {
			t.Errorf("no task completed with %s", s)
		}
	}
	if pending < 10 || old < 50 || withTarget == 0 || withDef != len(tasks) {
		t.Errorf("pending %d, older than 90 days %d, with target %d, with definition %d", pending, old, withTarget, withDef)
	}

	again := generateTasks(7, now)
	other := generateTasks(8, now)
	if again[100].id != tasks[100].id || !again[100].created.Equal(tasks[100].created) {
		t.Error("the same seed gave different tasks")
	}
	if other[100].id == tasks[100].id {
		t.Error("different seeds gave the same tasks")
	}
}

func TestTaskStatusListPagingAndCount(t *testing.T) {
	h, clock := newTaskHarness(t)
	want := modelTasks(h, clock.Now(), func(ts *task) bool { return !ts.pending() })
	if len(want) <= 250 {
		t.Fatalf("only %d completed tasks: paging is not exercised", len(want))
	}
	var all []taskDoc
	for offset := 0; ; offset += 100 {
		var page []taskDoc
		hdr := h.get("/beta/task-status?count=true&limit=100&offset="+strconv.Itoa(offset), http.StatusOK, &page)
		if got := hdr.Get("X-Total-Count"); got != strconv.Itoa(len(want)) {
			t.Fatalf("X-Total-Count = %q, want %d", got, len(want))
		}
		all = append(all, page...)
		if len(page) < 100 {
			break
		}
	}
	if len(all) != len(want) {
		t.Fatalf("paged through %d tasks, want %d", len(all), len(want))
	}
	seen := map[string]bool{}
	for i, d := range all {
		if seen[d.ID] || want[d.ID] == nil {
			t.Fatalf("task %s repeated or not expected", d.ID)
		}
		seen[d.ID] = true
		if i > 0 && d.Created > all[i-1].Created {
			t.Fatalf("default order is not newest first at %d", i)
		}
	}
	// Without count, no header; the default limit is 250.
	var page []taskDoc
	if hdr := h.get("/beta/task-status", http.StatusOK, &page); hdr.Get("X-Total-Count") != "" || len(page) != 250 {
		t.Fatalf("default page: %d items, X-Total-Count %q", len(page), hdr.Get("X-Total-Count"))
	}
	h.get("/beta/task-status?offset=100000", http.StatusOK, &page)
	if len(page) != 0 {
		t.Fatalf("past the end: %d items", len(page))
	}
}

func TestTaskStatusListFilters(t *testing.T) {
	h, clock := newTaskHarness(t)
	now := clock.Now()
	completed := modelTasks(h, now, func(ts *task) bool { return !ts.pending() })
	var sample, sample2, appTask *task
	for _, ts := range completed {
		switch {
		case sample == nil:
			sample = ts
		case sample2 == nil:
			sample2 = ts
		}
		if appTask == nil && ts.target != nil && ts.target.typ == targetApp {
			appTask = ts
		}
	}
	src := appTask.target.id
	var otherSrc string
	for _, ts := range completed {
		if ts.target != nil && ts.target.typ == targetApp && ts.target.id != src {
			otherSrc = ts.target.id
			break
		}
	}
	statusIs := func(s ...string) func(*task) bool {
		return func(ts *task) bool { return ts.completionStatus != nil && slices.Contains(s, *ts.completionStatus) }
	}
	cases := []struct {
		filters string
		want    func(*task) bool
	}{
		{`id eq "` + sample.id + `"`, func(ts *task) bool { return ts == sample }},
		{`id in ("` + sample.id + `", "` + sample2.id + `")`, func(ts *task) bool { return ts == sample || ts == sample2 }},
		{`sourceId eq "` + src + `"`, func(ts *task) bool { return !ts.pending() && ts.target != nil && ts.target.id == src }},
		{`sourceId in ("` + src + `","` + otherSrc + `")`, func(ts *task) bool {
			return !ts.pending() && ts.target != nil && (ts.target.id == src || ts.target.id == otherSrc)
		}},
		{`completionStatus eq "WARNING"`, statusIs(statusWarning)},
		{`completionStatus eq "Warning"`, statusIs(statusWarning)}, // the spec's own example spelling
		{`completionStatus in ("ERROR", "TEMPERROR")`, statusIs(statusError, statusTempErr)},
		{`completionStatus isnull`, (*task).pending},
		{`type eq "QPOC"`, func(ts *task) bool { return !ts.pending() && ts.typ == taskQPOC }},
		{`type in ("QUARTZ","QUEUED_TASK")`, func(ts *task) bool { return !ts.pending() && ts.typ != taskQPOC }},
		{`type eq "QUARTZ" and completionStatus eq "SUCCESS"`, func(ts *task) bool { return ts.typ == taskQuartz && statusIs(statusSuccess)(ts) }},
		{`type eq "QUEUED_TASK" and completionStatus isnull`, func(ts *task) bool { return ts.pending() && ts.typ == taskQueued }},
		{`id eq "00000000000000000000000000000000"`, func(*task) bool { return false }},
	}
	for _, c := range cases {
		want := modelTasks(h, now, c.want)
		var got []taskDoc
		hdr := h.get("/beta/task-status?count=true&filters="+url.QueryEscape(c.filters), http.StatusOK, &got)
		if hdr.Get("X-Total-Count") != strconv.Itoa(len(want)) || len(got) != min(len(want), 250) {
			t.Errorf("%s: %d results, X-Total-Count %q, want %d", c.filters, len(got), hdr.Get("X-Total-Count"), len(want))
			continue
		}
		for _, d := range got {
			if want[d.ID] == nil {
				t.Errorf("%s: unexpected task %s", c.filters, d.ID)
			}
		}
		if len(want) == 0 && c.filters != `id eq "00000000000000000000000000000000"` {
			t.Errorf("%s: the data set has no match, so the filter is not exercised", c.filters)
		}
	}
}

func TestTaskStatusListSorters(t *testing.T) {
	h, _ := newTaskHarness(t)
	for _, s := range []struct {
		sorters string
		desc    bool
	}{{"created", false}, {"-created", true}} {
		var got []taskDoc
		h.get("/beta/task-status?limit=250&sorters="+s.sorters, http.StatusOK, &got)
		if len(got) != 250 {
			t.Fatalf("%s: %d items", s.sorters, len(got))
		}
		sorted := slices.IsSortedFunc(got, func(a, b taskDoc) int {
			c := compareStrings(a.Created, b.Created)
			if s.desc {
				c = -c
			}
			return c
		})
		if !sorted || got[0].Created == got[len(got)-1].Created {
			t.Errorf("sorters=%s: not ordered by created (first %s, last %s)", s.sorters, got[0].Created, got[len(got)-1].Created)
		}
	}
	var asc, desc []taskDoc
	h.get("/beta/task-status?sorters=created&limit=1", http.StatusOK, &asc)
	h.get("/beta/task-status?sorters=-created&limit=1", http.StatusOK, &desc)
	if asc[0].ID == desc[0].ID {
		t.Error("ascending and descending start with the same task")
	}
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestTaskStatusListBadQueries(t *testing.T) {
	h, _ := newTaskHarness(t)
	for _, q := range []string{
		"filters=" + url.QueryEscape(`name eq "x"`),
		"filters=" + url.QueryEscape(`id co "x"`),
		"filters=" + url.QueryEscape(`type isnull`),
		"filters=" + url.QueryEscape(`sourceId eq`),
		"filters=" + url.QueryEscape(`id eq "a" or id eq "b"`),
		"sorters=modified",
		"sorters=created,-id",
	} {
		status, _, body := h.do(http.MethodGet, "/beta/task-status?"+q, "", "")
		if status != http.StatusBadRequest || !json.Valid(body) {
			t.Errorf("%s: %d %s", q, status, body)
		}
	}
}

func TestGetTaskStatusAndRetention(t *testing.T) {
	h, clock := newTaskHarness(t)
	now := clock.Now()
	var recent, aging, expired *task
	for _, ts := range h.tn.tasks.tasks {
		switch age := now.Sub(ts.created); {
		case age > 91*24*time.Hour && expired == nil:
			expired = ts
		case age > 88*24*time.Hour && age < 89*24*time.Hour && aging == nil:
			aging = ts
		case age < 30*24*time.Hour && ts.target != nil && !ts.pending():
			recent = ts
		}
	}
	if recent == nil || aging == nil || expired == nil {
		t.Fatalf("data set lacks a recent (%v), aging (%v) or expired (%v) task", recent != nil, aging != nil, expired != nil)
	}

	var got taskDoc
	h.get("/beta/task-status/"+recent.id, http.StatusOK, &got)
	if got.ID != recent.id || got.Type != recent.typ || got.Created != formatTime(recent.created) ||
		got.CompletionStatus == nil || *got.CompletionStatus != *recent.completionStatus ||
		got.Target == nil || got.Target.ID != recent.target.id || got.TaskDefinitionSummary == nil ||
		got.TaskDefinitionSummary.UniqueName != recent.uniqueName {
		t.Fatalf("GET %s = %+v", recent.id, got)
	}

	// Older than 90 days: neither fetched nor listed.
	h.get("/beta/task-status/"+expired.id, http.StatusNotFound, nil)
	var list []taskDoc
	h.get("/beta/task-status?filters="+url.QueryEscape(`id eq "`+expired.id+`"`), http.StatusOK, &list)
	if len(list) != 0 {
		t.Fatalf("a task older than 90 days is listed")
	}
	h.get("/beta/task-status/"+aging.id, http.StatusOK, nil)
	clock.Advance(48 * time.Hour) // the 89-day-old task passes 90 days
	h.token = h.fetchToken()      // and the bearer expired meanwhile
	h.get("/beta/task-status/"+aging.id, http.StatusNotFound, nil)
	h.get("/beta/task-status/0123456789abcdef0123456789abcdef", http.StatusNotFound, nil)
}

func TestPendingTasksAndHeaders(t *testing.T) {
	h, clock := newTaskHarness(t)
	want := modelTasks(h, clock.Now(), (*task).pending)
	if len(want) < 6 {
		t.Fatalf("only %d pending tasks", len(want))
	}
	var first, second []taskDoc
	hdr := h.get("/beta/task-status/pending-tasks?count=true&limit=5", http.StatusOK, &first)
	if hdr.Get("X-Total-Count") != strconv.Itoa(len(want)) || len(first) != 5 {
		t.Fatalf("first page: %d items, X-Total-Count %q, want %d", len(first), hdr.Get("X-Total-Count"), len(want))
	}
	h.get("/beta/task-status/pending-tasks?limit=5&offset=5", http.StatusOK, &second)
	for _, d := range append(first, second...) {
		if want[d.ID] == nil || d.CompletionStatus != nil || d.Completed != nil {
			t.Errorf("pending list holds %s (completionStatus %v)", d.ID, d.CompletionStatus)
		}
	}
	if slices.ContainsFunc(second, func(d taskDoc) bool { return slices.Contains(taskIDs(first), d.ID) }) {
		t.Error("pages overlap")
	}

	status, hdr, body := h.do(http.MethodHead, "/beta/task-status/pending-tasks?count=true", "", "")
	if status != http.StatusOK || hdr.Get("X-Total-Count") != strconv.Itoa(len(want)) || len(body) != 0 {
		t.Fatalf("HEAD: %d, X-Total-Count %q, %d body bytes", status, hdr.Get("X-Total-Count"), len(body))
	}
	if _, hdr, _ := h.do(http.MethodHead, "/beta/task-status/pending-tasks", "", ""); hdr.Get("X-Total-Count") != "" {
		t.Fatal("HEAD without count=true sent X-Total-Count")
	}
	status, _, _ = h.send(h.raw, http.MethodHead, "/beta/task-status/pending-tasks?limit=300", "", "")
	if status != http.StatusBadRequest {
		t.Fatalf("HEAD limit=300: %d", status)
	}
}

func TestUpdateTaskStatus(t *testing.T) {
	h, clock := newTaskHarness(t)
	const patchType = "application/json-patch+json"
	var pending []taskDoc
	hdr := h.get("/beta/task-status/pending-tasks?count=true&limit=1", http.StatusOK, &pending)
	before, _ := strconv.Atoi(hdr.Get("X-Total-Count"))
	id := pending[0].ID
	path := "/beta/task-status/" + id

	patch := func(body string, want int) taskDoc {
		t.Helper()
		status, _, b := h.do(http.MethodPatch, path, body, patchType)
		if status != want {
			t.Fatalf("PATCH %s = %d, want %d: %s", body, status, want, b)
		}
		var d taskDoc
		if want == http.StatusOK {
			if err := json.Unmarshal(b, &d); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}

	clock.Advance(time.Minute)
	got := patch(`[
		{"op":"replace","path":"/progress","value":"Almost there"},
		{"op":"replace","path":"/percentComplete","value":90},
		{"op":"replace","path":"/description","value":"patched"},
		{"op":"add","path":"/attributes/ticket","value":"CHG-1"},
		{"op":"add","path":"/attributes/a~1b","value":{"n":1}},
		{"op":"test","path":"/attributes/ticket","value":"CHG-1"}
	]`, http.StatusOK)
	if got.Progress == nil || *got.Progress != "Almost there" || got.PercentComplete != 90 || got.Description != "patched" ||
		got.Attributes["ticket"] != "CHG-1" || got.Attributes["a/b"] == nil || got.CompletionStatus != nil ||
		got.Modified == nil || *got.Modified != formatTime(clock.Now()) {
		t.Fatalf("after patch: %+v", got)
	}

	// A failing operation leaves the task as it was, earlier operations included.
	for _, bad := range []string{
		`[{"op":"replace","path":"/description","value":"lost"},{"op":"replace","path":"/id","value":"x"}]`,
		`[{"op":"replace","path":"/description","value":"lost"},{"op":"test","path":"/percentComplete","value":10}]`,
		`[{"op":"replace","path":"/percentComplete","value":101}]`,
		`[{"op":"replace","path":"/percentComplete","value":"50"}]`,
		`[{"op":"replace","path":"/completionStatus","value":"DONE"}]`,
		`[{"op":"replace","path":"/completed","value":"yesterday"}]`,
		`[{"op":"replace","path":"/attributes/missing","value":1}]`,
		`[{"op":"remove","path":"/attributes/missing"}]`,
		`[{"op":"remove","path":"/description"}]`,
		`[{"op":"replace","path":"/attributes/ticket/deeper","value":1}]`,
		`[{"op":"move","from":"/description","path":"/progress"}]`,
		`[{"op":"replace","path":"/created","value":"2026-01-01T00:00:00Z"}]`,
	} {
		patch(bad, http.StatusBadRequest)
	}
	var unchanged taskDoc
	h.get(path, http.StatusOK, &unchanged)
	if unchanged.Description != "patched" || unchanged.PercentComplete != 90 {
		t.Fatalf("a rejected patch changed the task: %+v", unchanged)
	}

	// Content type and body shape: these break the contract on purpose,
	// so they go around the validating client.
	for _, c := range []struct{ body, ctype string }{
		{`[{"op":"replace","path":"/description","value":"x"}]`, "application/json"},
		{`[{"op":"replace","path":"/description","value":"x"}]`, ""},
		{`{"op":"replace"}`, patchType},
		{`[{"op":"replace","path":"/description"}]`, patchType},
		{`[{"op":"frobnicate","path":"/description","value":"x"}]`, patchType},
		{`[{"op":"replace","path":"description","value":"x"}]`, patchType},
		{`[] []`, patchType},
	} {
		if status, _, b := h.send(h.raw, http.MethodPatch, path, c.body, c.ctype); status != http.StatusBadRequest {
			t.Errorf("%s (%q): %d %s", c.body, c.ctype, status, b)
		}
	}

	// Completing the task (in the spec's example spelling) takes it off
	// the pending list and onto the completed one.
	clock.Advance(time.Minute)
	got = patch(`[{"op":"replace","path":"/completionStatus","value":"Error"},{"op":"remove","path":"/attributes/ticket"}]`, http.StatusOK)
	if got.CompletionStatus == nil || *got.CompletionStatus != statusError || got.Completed == nil ||
		*got.Completed != formatTime(clock.Now()) || got.Attributes["ticket"] != nil {
		t.Fatalf("after completing: %+v", got)
	}
	hdr = h.get("/beta/task-status/pending-tasks?count=true&limit=0", http.StatusOK, nil)
	if after, _ := strconv.Atoi(hdr.Get("X-Total-Count")); after != before-1 {
		t.Fatalf("pending count %d -> %d", before, after)
	}
	var listed []taskDoc
	h.get("/beta/task-status?filters="+url.QueryEscape(`id eq "`+id+`" and completionStatus eq "ERROR"`), http.StatusOK, &listed)
	if len(listed) != 1 {
		t.Fatal("the completed task is not on the completed list")
	}
	got = patch(`[{"op":"replace","path":"/completed","value":"2026-10-31T08:00:00Z"}]`, http.StatusOK)
	if *got.Completed != "2026-10-31T08:00:00.000Z" {
		t.Fatalf("completed = %s", *got.Completed)
	}

	status, _, _ := h.do(http.MethodPatch, "/beta/task-status/0123456789abcdef0123456789abcdef", `[]`, patchType)
	if status != http.StatusNotFound {
		t.Fatalf("unknown id: %d", status)
	}
}

// TestTaskUpdatesWhileListing patches one task from several goroutines
// while others list and fetch it; run with -race. Every patch must land.
func TestTaskUpdatesWhileListing(t *testing.T) {
	clock := newFakeClock()
	tn := New(Options{Identities: 10, Now: clock.Now, RateLimit: -1})
	id := tn.tasks.visible(clock.Now())[0].id
	const writers, readers = 4, 4
	var wg sync.WaitGroup
	errs := make(chan error, writers+readers)
	for w := range writers {
		wg.Go(func() {
			for i := range 10 {
				body := fmt.Sprintf(`[{"op":"add","path":"/attributes/w%d_%d","value":%d}]`, w, i, i)
				_, err := tn.tasks.update(id, clock.Now(), func(ts *task) *apiError {
					ops, err := decodeJSONPatch(strings.NewReader(body))
					if err != nil {
						return err
					}
					return applyTaskPatch(ts, ops, clock.Now())
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for range readers {
		wg.Go(func() {
			for range 10 {
				if _, err := json.Marshal(selectTasks(tn.tasks.visible(clock.Now()), nil)[0].wire()); err != nil {
					errs <- err
					return
				}
				ts, err := tn.tasks.get(id, clock.Now())
				if err != nil {
					errs <- err
					return
				}
				if _, err := json.Marshal(ts.wire()); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	ts, _ := tn.tasks.get(id, clock.Now())
	for w := range writers {
		for i := range 10 {
			if _, ok := ts.attributes[fmt.Sprintf("w%d_%d", w, i)]; !ok {
				t.Fatalf("patch w%d_%d was lost", w, i)
			}
		}
	}
}

func TestTaskOperationsValidated(t *testing.T) {
	h, _ := newTaskHarness(t)
	var list []taskDoc
	h.get("/beta/task-status?limit=1", http.StatusOK, &list)
	h.get("/beta/task-status/"+list[0].ID, http.StatusOK, nil)
	h.get("/beta/task-status/pending-tasks?limit=1", http.StatusOK, nil)
	h.do(http.MethodHead, "/beta/task-status/pending-tasks", "", "")
	h.do(http.MethodPatch, "/beta/task-status/"+list[0].ID, `[{"op":"replace","path":"/progress","value":"x"}]`, "application/json-patch+json")
	covered := h.spec.Covered()
	for _, op := range []string{"getTaskStatusList", "getPendingTasks", "getPendingTaskHeaders", "getTaskStatus", "updateTaskStatus"} {
		if covered[op] == 0 {
			t.Errorf("%s not validated against the spec", op)
		}
	}
}

func BenchmarkGenerateTasks(b *testing.B) {
	now := time.Now()
	for b.Loop() {
		generateTasks(1, now)
	}
}

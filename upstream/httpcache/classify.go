package httpcache

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/sailgraph/sailgraph/cache"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// classifier decides an answer's data class from its operation and its
// content.
type classifier struct {
	// settle is how long after a date its snapshot still changes.
	settle time.Duration
	now    func() time.Time
}

// classify returns the class of an answer: 200s by their operation's
// op.Class and what they hold, 404s briefly, nothing else.
func (c classifier) classify(call *op.Call, status int, body []byte) cache.Class {
	switch status {
	case http.StatusOK:
	case http.StatusNotFound:
		return cache.NotFound
	default:
		return cache.NoStore
	}
	switch call.Op.Cache {
	case op.NoCache:
		return cache.NoStore
	case op.Snapshot:
		if c.settled(call.Param("date")) {
			return cache.Immutable
		}
		return cache.Slow
	case op.Task:
		var task taskState
		if json.Unmarshal(body, &task) == nil && task.finished() {
			return cache.Immutable
		}
		return cache.Volatile
	case op.TaskList:
		// A list of finished tasks still grows as tasks finish: Slow at best.
		var tasks []taskState
		if json.Unmarshal(body, &tasks) != nil || len(tasks) == 0 {
			return cache.Volatile
		}
		for _, task := range tasks {
			if !task.finished() {
				return cache.Volatile
			}
		}
		return cache.Slow
	case op.Pending:
		return cache.Volatile
	case op.ReportResult:
		var r struct {
			Status string `json:"status"`
		}
		if json.Unmarshal(body, &r) == nil && finishedReport[r.Status] {
			return cache.Immutable
		}
		return cache.Volatile
	case op.ExportStatus:
		var e struct {
			Status string `json:"status"`
		}
		if json.Unmarshal(body, &e) == nil && (e.Status == "SUCCESS" || e.Status == "ERROR") {
			return cache.Immutable
		}
		return cache.Volatile
	}
	// op.HistoryNow: identity history as of now: the identity, its access
	// items, events, snapshot lists and summaries, comparisons.
	return cache.Slow
}

// finishedReport are the ReportResults statuses of a report that has run.
var finishedReport = map[string]bool{"SUCCESS": true, "FAILURE": true, "WARNING": true, "TERMINATED": true}

// taskState is the part of a TaskStatus that says whether it is done.
type taskState struct {
	CompletionStatus *string `json:"completionStatus"`
}

func (t taskState) finished() bool { return t.CompletionStatus != nil && *t.CompletionStatus != "" }

// settled reports whether a snapshot date is far enough in the past that
// its snapshot no longer changes. A date that does not parse is not.
func (c classifier) settled(date string) bool {
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if d, err := time.Parse(layout, date); err == nil {
			return d.Before(c.now().Add(-c.settle))
		}
	}
	return false
}

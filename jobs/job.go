// Package jobs watches the tenant's asynchronous jobs (report runs, tasks,
// role-mining exports, the count of pending tasks) for subscribers, with
// one poller per job across every replica of the gateway.
//
// A Hub per replica keeps the jobs its subscribers watch. For each job the
// replicas contend for a lease in a Store (Redis, shared by every replica,
// or memory for one process); the holder polls the job through the
// gateway's normal upstream chain (cache, budget, cooldown) and publishes
// each new state, which the Store stores as the job's last state and fans
// out to every replica, whose Hub hands it to its subscribers. A
// subscriber gets the last state at once, then every change; a job's
// subscribers are done after its final state. When the holder dies its
// lease expires within seconds and another replica with subscribers takes
// it, starting from the stored state, so no subscriber misses the final
// one. Polls start fast and back off while nothing changes, and slow down
// further while the tenant's budget has little headroom.
//
// The package knows nothing of GraphQL or HTTP: the GraphQL resolvers turn
// its updates (the upstream clients' types, as JSON) into their models.
package jobs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/sailgraph/sailgraph/apierr"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

// Kind is a kind of job.
type Kind uint8

// The kinds of jobs.
const (
	// Report is a report run, by its task result id. Its state is a
	// reports.Result.
	Report Kind = iota + 1
	// Task is a task, by its id. Its state is a tasks.TaskStatus.
	Task
	// Export is a role-mining export, by session, potential role and
	// export id. Its state is a rolemining.Export.
	Export
	// PendingTasks is the tenant's count of pending tasks (no ids). Its
	// state is an int, and it never ends.
	PendingTasks
)

var kindNames = [...]string{Report: "report", Task: "task", Export: "export", PendingTasks: "pending"}

// String names the kind, for keys and logs.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "unknown"
}

// Job is one thing to watch: a kind, its ids, and the principal it is
// polled for. The principal partitions jobs as it partitions the cache: two
// pass-through callers never share a job's state.
type Job struct {
	Kind      Kind
	IDs       []string
	Principal principal.Principal
}

// ReportJob is the report run taskResultID.
func ReportJob(p principal.Principal, taskResultID string) Job {
	return Job{Kind: Report, IDs: []string{taskResultID}, Principal: p}
}

// TaskJob is the task id.
func TaskJob(p principal.Principal, id string) Job {
	return Job{Kind: Task, IDs: []string{id}, Principal: p}
}

// ExportJob is the export exportID of the potential role potentialRoleID
// of the role-mining session sessionID.
func ExportJob(p principal.Principal, sessionID, potentialRoleID, exportID string) Job {
	return Job{Kind: Export, IDs: []string{sessionID, potentialRoleID, exportID}, Principal: p}
}

// PendingTasksJob is the count of the tenant's pending tasks.
func PendingTasksJob(p principal.Principal) Job { return Job{Kind: PendingTasks, Principal: p} }

// Key names the job in a Store: its kind and a hash of its principal's
// partition and its ids, so that it is short, holds nothing secret and
// needs no escaping.
func (j Job) Key() string {
	h := sha256.New()
	h.Write([]byte(j.Principal.Key()))
	for _, id := range j.IDs {
		h.Write([]byte{0})
		h.Write([]byte(id))
	}
	return j.Kind.String() + "-" + hex.EncodeToString(h.Sum(nil)[:16])
}

// String describes the job for logs (ids, not the principal).
func (j Job) String() string { return j.Kind.String() + "(" + strings.Join(j.IDs, ",") + ")" }

// Update is a job's state as one poll found it.
type Update struct {
	// Seq numbers the updates of a job in the Store, from 1; 0 for an
	// update delivered without one (this replica polled while the Store
	// did not answer).
	Seq int64 `json:"-"`
	// State is the upstream client's value, as JSON; empty with Err.
	State json.RawMessage `json:"state,omitempty"`
	// Digest is what change detection compares: a poll whose digest
	// equals the last one's sends nothing.
	Digest string `json:"digest"`
	// Final is set on the job's last update: its final state or Err.
	Final bool `json:"final,omitempty"`
	// Err ends the job with an error (an unknown id: apierr.NotFound).
	Err *Error `json:"error,omitempty"`
	// At is when the poll was made.
	At time.Time `json:"at"`
}

// Error is a job's final error: a code of apierr's table and a message fit
// for the caller.
type Error struct {
	Code    apierr.Code `json:"code"`
	Message string      `json:"message"`
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Sentinel errors of the Hub.
var (
	// ErrClosed: the Hub is closed (the gateway is shutting down).
	ErrClosed = errors.New("jobs: hub closed")
	// ErrUnknownKind: no Source polls this kind of job.
	ErrUnknownKind = errors.New("jobs: no source for this kind of job")
)

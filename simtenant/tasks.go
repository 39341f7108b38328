package simtenant

import (
	"maps"
	"sync"
	"time"
)

// taskRetention is ISC's cut: task statuses older than this are not
// returned by any task-status operation.
const taskRetention = 90 * 24 * time.Hour

// Task types of the TaskStatus schema.
const (
	taskQuartz = "QUARTZ"
	taskQPOC   = "QPOC"
	taskQueued = "QUEUED_TASK"
)

// Completion statuses of the TaskStatus schema; a pending task has none.
const (
	statusSuccess = "SUCCESS"
	statusWarning = "WARNING"
	statusError   = "ERROR"
	statusTerm    = "TERMINATED"
	statusTempErr = "TEMPERROR"
)

// Target types of the Target schema.
const (
	targetApp      = "APPLICATION"
	targetIdentity = "IDENTITY"
)

var taskCompletionStatuses = []string{statusSuccess, statusWarning, statusError, statusTerm, statusTempErr}

// task is one task status. Values in the store are never modified: an
// update replaces the pointer with a changed copy, so a reader holding a
// snapshot of the slice needs no lock.
type task struct {
	id, typ                 string
	uniqueName, description string
	parentName              *string
	launcher                string
	target                  *taskTarget
	created                 time.Time
	modified, launched      *time.Time
	completed               *time.Time
	completionStatus        *string // nil while pending
	messages                []taskMessage
	returns                 []taskReturn
	attributes              map[string]any
	progress                *string
	percentComplete         int
	definition              *taskDefinition
}

type taskTarget struct {
	id, typ, name string
}

type taskMessage struct {
	typ, key, text string
	parameters     []any // nil encodes as null, as the schema allows
}

type taskReturn struct {
	name, attributeName string
}

// taskDefinition is the TaskDefinitionSummary of a kind of task.
type taskDefinition struct {
	id, uniqueName, parentName string
	description, executor      *string
	arguments                  map[string]any
	code                       string // the kind's name in v1's type filter; "" for none
}

// pending reports whether the task has not completed yet.
func (ts *task) pending() bool { return ts.completionStatus == nil }

// clone copies the task so that an update can change it. Attributes are
// the only part an update changes in place, one level deep.
func (ts *task) clone() *task {
	c := *ts
	c.attributes = maps.Clone(ts.attributes)
	return &c
}

// taskStore holds the tenant's task statuses, generated from the seed at
// start and changed only by updateTaskStatus.
type taskStore struct {
	mu    sync.RWMutex
	tasks []*task        // by created, oldest first
	index map[string]int // id -> position in tasks
}

func newTaskStore(seed uint64, now time.Time) *taskStore {
	s := &taskStore{tasks: generateTasks(seed, now)}
	s.index = make(map[string]int, len(s.tasks))
	for i, ts := range s.tasks {
		s.index[ts.id] = i
	}
	return s
}

// visible returns the tasks not older than the retention at now, newest
// first. The slice is the caller's; the tasks are shared and immutable.
func (s *taskStore) visible(now time.Time) []*task {
	cut := now.Add(-taskRetention)
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*task, 0, len(s.tasks))
	for i := len(s.tasks) - 1; i >= 0; i-- {
		if ts := s.tasks[i]; !ts.created.Before(cut) {
			out = append(out, ts)
		}
	}
	return out
}

// get returns the task with id, or a 404 when it is unknown or older than
// the retention.
func (s *taskStore) get(id string, now time.Time) (*task, *apiError) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, ok := s.index[id]
	if !ok || s.tasks[i].created.Before(now.Add(-taskRetention)) {
		return nil, notFound("TaskStatus", id)
	}
	return s.tasks[i], nil
}

// update applies change to a copy of the task and stores the copy only if
// change succeeds, so a failed patch leaves the task as it was.
func (s *taskStore) update(id string, now time.Time, change func(*task) *apiError) (*task, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.index[id]
	if !ok || s.tasks[i].created.Before(now.Add(-taskRetention)) {
		return nil, notFound("TaskStatus", id)
	}
	next := s.tasks[i].clone()
	if err := change(next); err != nil {
		return nil, err
	}
	s.tasks[i] = next
	return next, nil
}

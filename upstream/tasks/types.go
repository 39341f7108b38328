package tasks

import "time"

// Type is the kind of task a TaskStatus represents.
type Type string

// Task types of the TaskStatus schema.
const (
	TypeQuartz     Type = "QUARTZ"
	TypeQPOC       Type = "QPOC"
	TypeQueuedTask Type = "QUEUED_TASK"
)

// CompletionStatus is how a task ended; "" while it is pending.
type CompletionStatus string

// Completion statuses of the TaskStatus schema.
const (
	StatusSuccess    CompletionStatus = "SUCCESS"
	StatusWarning    CompletionStatus = "WARNING"
	StatusError      CompletionStatus = "ERROR"
	StatusTerminated CompletionStatus = "TERMINATED"
	StatusTempError  CompletionStatus = "TEMPERROR"
)

// completionStatuses is the schema's enum: every status a finished task
// can have.
var completionStatuses = []CompletionStatus{StatusSuccess, StatusWarning, StatusError, StatusTerminated, StatusTempError}

// TaskStatus is the details and current status of one task (the
// TaskStatus schema). Nullable fields are pointers for dates and objects,
// and "" for strings.
type TaskStatus struct {
	ID               string             `json:"id"`
	Type             Type               `json:"type"`
	UniqueName       string             `json:"uniqueName"`
	Description      string             `json:"description"`
	ParentName       string             `json:"parentName"`
	Launcher         string             `json:"launcher"`
	Target           *Target            `json:"target"`
	Created          time.Time          `json:"created"`
	Modified         *time.Time         `json:"modified"`
	Launched         *time.Time         `json:"launched"`
	Completed        *time.Time         `json:"completed"`
	CompletionStatus CompletionStatus   `json:"completionStatus"`
	Messages         []Message          `json:"messages"`
	Returns          []Return           `json:"returns"`
	Attributes       map[string]any     `json:"attributes"`
	Progress         string             `json:"progress"`
	PercentComplete  int                `json:"percentComplete"`
	Definition       *DefinitionSummary `json:"taskDefinitionSummary"`
}

// Pending reports whether the task has not completed yet.
func (t *TaskStatus) Pending() bool { return t.CompletionStatus == "" }

// Target is what a task works on.
type Target struct {
	ID   string `json:"id"`
	Type string `json:"type"` // APPLICATION, IDENTITY or ""
	Name string `json:"name"`
}

// Message is one message of a task (TaskStatusMessage).
type Message struct {
	Type          string            `json:"type"` // INFO, WARN or ERROR
	LocalizedText *LocalizedMessage `json:"localizedText"`
	Key           string            `json:"key"`
	Parameters    []any             `json:"parameters"`
}

// LocalizedMessage is a message in one locale.
type LocalizedMessage struct {
	Locale  string `json:"locale"`
	Message string `json:"message"`
}

// Return is one return value of a task (TaskReturnDetails).
type Return struct {
	Name          string `json:"name"`
	AttributeName string `json:"attributeName"`
}

// DefinitionSummary is the kind of task (TaskDefinitionSummary).
type DefinitionSummary struct {
	ID          string         `json:"id"`
	UniqueName  string         `json:"uniqueName"`
	Description string         `json:"description"`
	ParentName  string         `json:"parentName"`
	Executor    string         `json:"executor"`
	Arguments   map[string]any `json:"arguments"`
}

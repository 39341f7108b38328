package reports

import (
	"strings"
	"time"

	"github.com/sailgraph/sailgraph/upstream/isc"
)

// ReportType names a kind of report.
type ReportType string

// The report types of the spec.
const (
	TypeAccounts                     ReportType = "ACCOUNTS"
	TypeIdentitiesDetails            ReportType = "IDENTITIES_DETAILS"
	TypeIdentities                   ReportType = "IDENTITIES"
	TypeIdentityProfileIdentityError ReportType = "IDENTITY_PROFILE_IDENTITY_ERROR"
	TypeOrphanIdentities             ReportType = "ORPHAN_IDENTITIES"
	TypeSearchExport                 ReportType = "SEARCH_EXPORT"
	TypeUncorrelatedAccounts         ReportType = "UNCORRELATED_ACCOUNTS"
)

// Format is a report file format. The tenant spells it CSV/PDF in report
// bodies and csv/pdf in the download's query; this type is both.
type Format uint8

// The file formats.
const (
	CSV Format = iota + 1
	PDF
)

// String returns "csv" or "pdf".
func (f Format) String() string {
	switch f {
	case CSV:
		return "csv"
	case PDF:
		return "pdf"
	}
	return ""
}

// MarshalText writes the body spelling, CSV or PDF.
func (f Format) MarshalText() ([]byte, error) {
	if f != CSV && f != PDF {
		return nil, isc.Invalid("format", "no file format %d", uint8(f))
	}
	return []byte(strings.ToUpper(f.String())), nil
}

// UnmarshalText reads either spelling.
func (f *Format) UnmarshalText(b []byte) error {
	switch strings.ToLower(string(b)) {
	case "csv":
		*f = CSV
	case "pdf":
		*f = PDF
	default:
		return isc.Breach("", nil, "unknown file format %q", b)
	}
	return nil
}

// TaskResult is the task running a report (TaskResultDetails).
type TaskResult struct {
	Type             string         `json:"type"` // QUARTZ, QPOC, MENTOS or QUEUED_TASK
	ID               string         `json:"id"`
	ReportType       ReportType     `json:"reportType"`
	Description      string         `json:"description"`
	ParentName       string         `json:"parentName"`
	Launcher         string         `json:"launcher"`
	Created          time.Time      `json:"created"`
	Launched         *time.Time     `json:"launched"`
	Completed        *time.Time     `json:"completed"`
	CompletionStatus string         `json:"completionStatus"` // "" while running
	Messages         []TaskMessage  `json:"messages"`
	Returns          []TaskReturn   `json:"returns"`
	Attributes       map[string]any `json:"attributes"`
	Progress         string         `json:"progress"`
}

// TaskMessage is one message of a report task.
type TaskMessage struct {
	Type          string `json:"type"` // INFO, WARN or ERROR
	Error         bool   `json:"error"`
	Warning       bool   `json:"warning"`
	Key           string `json:"key"`
	LocalizedText string `json:"localizedText"`
}

// TaskReturn is one result of a report task.
type TaskReturn struct {
	DisplayLabel  string `json:"displayLabel"`
	AttributeName string `json:"attributeName"`
}

// Status is a report's result status; "" while it runs.
type Status string

// Report statuses of ReportResults.
const (
	StatusSuccess    Status = "SUCCESS"
	StatusFailure    Status = "FAILURE"
	StatusWarning    Status = "WARNING"
	StatusTerminated Status = "TERMINATED"
)

// Result is a report's result or current state (ReportResults).
type Result struct {
	ReportType       ReportType
	TaskDefName      string
	ID               string
	Created          time.Time
	Status           Status
	Duration         time.Duration
	Rows             int64
	AvailableFormats []Format
}

type wireResult struct {
	ReportType       ReportType `json:"reportType"`
	TaskDefName      string     `json:"taskDefName"`
	ID               string     `json:"id"`
	Created          time.Time  `json:"created"`
	Status           Status     `json:"status"`
	DurationMillis   int64      `json:"duration"`
	Rows             int64      `json:"rows"`
	AvailableFormats []Format   `json:"availableFormats"`
}

func (w *wireResult) result() *Result {
	return &Result{
		ReportType: w.ReportType, TaskDefName: w.TaskDefName, ID: w.ID, Created: w.Created,
		Status: w.Status, Duration: time.Duration(w.DurationMillis) * time.Millisecond,
		Rows: w.Rows, AvailableFormats: w.AvailableFormats,
	}
}

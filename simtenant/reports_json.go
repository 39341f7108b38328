package simtenant

import "time"

// taskResultDetailsJSON is the TaskResultDetails schema startReport answers.
type taskResultDetailsJSON struct {
	Type             string         `json:"type"`
	ID               string         `json:"id"`
	ReportType       string         `json:"reportType"`
	TaskDefName      string         `json:"taskDefName"`
	Description      string         `json:"description"`
	ParentName       *string        `json:"parentName"`
	Launcher         string         `json:"launcher"`
	Created          string         `json:"created"`
	Launched         *string        `json:"launched"`
	Completed        *string        `json:"completed"`
	CompletionStatus *string        `json:"completionStatus"`
	Messages         []any          `json:"messages"`
	Returns          []any          `json:"returns"`
	Attributes       map[string]any `json:"attributes"`
	Progress         *string        `json:"progress"`
}

// reportResultsJSON is the ReportResults schema getReportResult answers.
// Status and rows are absent while the report runs.
type reportResultsJSON struct {
	ReportType       string   `json:"reportType"`
	TaskDefName      string   `json:"taskDefName"`
	ID               string   `json:"id"`
	Created          string   `json:"created"`
	Status           string   `json:"status,omitempty"`
	Duration         int64    `json:"duration"`
	Rows             *int64   `json:"rows,omitempty"`
	AvailableFormats []string `json:"availableFormats"`
}

func (v reportView) taskResult() taskResultDetailsJSON {
	out := taskResultDetailsJSON{
		Type:        taskQuartz,
		ID:          v.id,
		ReportType:  v.typ.name,
		TaskDefName: v.typ.taskDefName,
		Description: v.typ.description,
		Launcher:    v.launcher,
		Created:     formatTime(v.created),
		Launched:    ptrTo(formatTime(v.created)),
		Messages:    []any{},
		Returns:     []any{},
		Attributes:  map[string]any{"org": "sim"},
		Progress:    ptrTo("Initializing..."),
	}
	if v.typ.name == "SEARCH_EXPORT" {
		out.Attributes["queryParams"] = v.args
	}
	if v.status != reportRunning {
		out.Completed = ptrTo(formatTime(v.finished))
		out.CompletionStatus = ptrTo(v.status)
		out.Progress = ptrTo("Completed")
	}
	return out
}

func (v reportView) results(now time.Time) reportResultsJSON {
	out := reportResultsJSON{
		ReportType:       v.typ.name,
		TaskDefName:      v.typ.taskDefName,
		ID:               v.id,
		Created:          formatTime(v.created),
		Status:           v.status,
		Duration:         now.Sub(v.created).Milliseconds(),
		AvailableFormats: v.formats,
	}
	if v.status != reportRunning {
		out.Duration = v.finished.Sub(v.created).Milliseconds()
	}
	if v.status == reportSuccess {
		out.Rows = ptrTo(int64(len(v.table.rows)))
	}
	return out
}

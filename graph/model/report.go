package model

import "time"

// Report is a report run and its result. Its downloadUrl takes an
// argument, so it is resolved, not stored.
type Report struct {
	ID               string
	ReportType       *ReportType
	TaskDefName      *string
	Created          *time.Time
	State            ReportState
	Status           *ReportStatus
	DurationMs       *float64
	Rows             *float64
	AvailableFormats []ReportFormat
}

// ReportTask is the task that runs a report; its report field is resolved.
type ReportTask struct {
	ID               string
	ReportType       *ReportType
	TaskDefName      *string
	Type             *string
	Description      *string
	ParentName       *string
	Launcher         *string
	Created          *time.Time
	Launched         *time.Time
	Completed        *time.Time
	CompletionStatus *string
	Progress         *string
	Messages         []*ReportTaskMessage
	Attributes       any
}

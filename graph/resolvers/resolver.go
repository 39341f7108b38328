// Package resolvers holds sailgraph's GraphQL resolvers. They are thin:
// each calls a loader or an upstream client through the small interfaces
// in Resolver and maps the result. Resolvers never speak HTTP.
package resolvers

import (
	"context"
	"time"

	"github.com/sailgraph/sailgraph/upstream/history"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/reports"
	"github.com/sailgraph/sailgraph/upstream/rolemining"
	"github.com/sailgraph/sailgraph/upstream/tasks"
)

// Resolver holds the resolvers' dependencies. The upstream clients are
// behind the interfaces below, which *history.Client, *tasks.Client,
// *reports.Client and *rolemining.Client satisfy.
type Resolver struct {
	// Tenant is the tenant's API host, or "simulated".
	Tenant    string
	Simulated bool

	History    HistoryAPI
	TaskStatus TasksAPI // not Tasks: that is Query.tasks' resolver method
	Reports    ReportsAPI
	RoleMining RoleMiningAPI
	// Jobs watches asynchronous jobs for the subscriptions.
	Jobs JobsAPI

	// LookAhead says whether a parent field may start its children's
	// upstream calls with its own (see lookahead.go); nil: always. The
	// gateway turns it off while the tenant budget has little headroom.
	LookAhead func(ctx context.Context) bool

	// Generations says which upstream API generation serves each family
	// now (nil: legacy everywhere), for gateway { apiVersions }.
	Generations isc.Generations

	// DownloadBase is put before the gateway's download paths in
	// downloadUrl fields: "" gives paths below the gateway's root
	// ("/download/reports/..."), "https://sailgraph.example.com" absolute
	// URLs.
	DownloadBase string
}

// HistoryAPI is the identity-history client the resolvers use.
type HistoryAPI interface {
	ListIdentities(ctx context.Context, p history.ListIdentitiesParams) (isc.Page[history.IdentitySummary], error)
	GetIdentity(ctx context.Context, id string) (*history.Identity, error)
	GetSnapshot(ctx context.Context, id string, date time.Time) (*history.Identity, error)
	GetStartDate(ctx context.Context, id string) (time.Time, error)
	ListSnapshots(ctx context.Context, id string, p history.SnapshotsParams) (isc.Page[history.SnapshotSummary], error)
	GetSnapshotSummary(ctx context.Context, id string, p history.SummaryParams) (isc.Page[history.Metric], error)
	ListAccessItems(ctx context.Context, id string, p history.AccessItemsParams) (isc.Page[history.AccessItem], error)
	ListSnapshotAccessItems(ctx context.Context, id string, date time.Time, typ history.AccessType) ([]history.AccessItem, error)
	ListEvents(ctx context.Context, id string, p history.EventsParams) (isc.Page[history.Event], error)
	CompareSnapshots(ctx context.Context, id string, p history.CompareParams) (isc.Page[history.Comparison], error)
	CompareAccessType(ctx context.Context, id string, typ history.AccessType, p history.DiffParams) (isc.Page[history.AccessItemDiff], error)
}

// TasksAPI is the task-status client the resolvers use.
type TasksAPI interface {
	GetTaskStatus(ctx context.Context, id string) (*tasks.TaskStatus, error)
	ListTaskStatus(ctx context.Context, p tasks.ListParams) (isc.Page[tasks.TaskStatus], error)
	ListPendingTasks(ctx context.Context, p isc.Paging) (isc.Page[tasks.TaskStatus], error)
	CountPendingTasks(ctx context.Context) (int, error)
	UpdateTaskStatus(ctx context.Context, id string, ops []tasks.PatchOp) (*tasks.TaskStatus, error)
}

// ReportsAPI is the report client the resolvers use. Report files are
// streamed by the gateway's download endpoint, not through the graph.
type ReportsAPI interface {
	StartReport(ctx context.Context, args reports.Arguments) (*reports.TaskResult, error)
	GetReportResult(ctx context.Context, taskResultID string, p reports.ResultParams) (*reports.Result, error)
	CancelReport(ctx context.Context, id string) error
}

// RoleMiningAPI is the potential-role export client the resolvers use.
type RoleMiningAPI interface {
	StartExport(ctx context.Context, role rolemining.PotentialRole, opts rolemining.ExportOptions) (*rolemining.Export, error)
	GetExport(ctx context.Context, role rolemining.PotentialRole, exportID string) (*rolemining.Export, error)
}

var (
	_ HistoryAPI    = (*history.Client)(nil)
	_ TasksAPI      = (*tasks.Client)(nil)
	_ ReportsAPI    = (*reports.Client)(nil)
	_ RoleMiningAPI = (*rolemining.Client)(nil)
)

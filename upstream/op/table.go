package op

import (
	"net/http"
	"strconv"
	"strings"
)

// The scopes the spec's `security` lists for each operation (userAuth and
// applicationAuth list the same ones; any one is enough). One deliberate
// difference: the spec gives compareIdentitySnapshotsAccessType no security
// of its own, so it falls back to the document's global sp:scopes:all;
// here it takes the scopes of its sibling compareIdentitySnapshots, which
// is the same comparison for all access types.
var (
	historyScopes   = []string{"idn:identity-history:read", "idn:identity-history:manage"}
	taskReadScopes  = []string{"idn:task-management:read", "idn:task-management:write"}
	taskWriteScopes = []string{"idn:task-management:write"}
	reportRead      = []string{"sp:report:read", "sp:report:manage"}
	reportManage    = []string{"sp:report:manage"}
	modelingRead    = []string{"iai:access-modeling:read", "iai:access-modeling:manage"}
	modelingManage  = []string{"iai:access-modeling:manage"}
)

// pageDefaults are the collection parameters' defaults (limit, offset,
// count) of a list operation.
func pageDefaults(extra ...string) map[string]string {
	m := map[string]string{"limit": strconv.Itoa(MaxPageSize), "offset": "0", "count": "false"}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

// legacy and v1 build an operation's Path in each generation.
func legacy(api API, template string) Path { return Path{Template: template, API: api} }

func v1(api API, template string, experimental bool) Path {
	return Path{Template: template, API: api, Experimental: experimental}
}

// The operations, by their legacy operationId: the 23 operations of the
// legacy specs (beta.yaml, v2024.yaml), each with its v1 counterpart where
// the per-resource APIs (v1/*.yaml) have one. Task management v1 has no
// pending-task operations: pending tasks are the list's completionStatus
// isnull. They are shared, read-only values: never change one.
var (
	// Identity history.
	ListHistoricalIdentities = &Operation{Name: "listHistoricalIdentities", Family: History, Method: http.MethodGet,
		Paths:    [2]Path{legacy(Beta, "/beta/historical-identities"), v1(HistoryV1, "/historical-identities/v1", true)},
		PageSize: MaxPageSize, Cache: HistoryNow, Scopes: historyScopes,
		QueryDefaults: map[string]string{"limit": strconv.Itoa(MaxPageSize), "offset": "0"}}
	GetHistoricalIdentity = &Operation{Name: "getHistoricalIdentity", Family: History, Method: http.MethodGet,
		Paths: [2]Path{legacy(Beta, "/beta/historical-identities/{id}"), v1(HistoryV1, "/historical-identities/v1/{id}", true)},
		Cache: HistoryNow, Scopes: historyScopes}
	ListIdentityAccessItems = &Operation{Name: "listIdentityAccessItems", Family: History, Method: http.MethodGet,
		Paths:    [2]Path{legacy(Beta, "/beta/historical-identities/{id}/access-items"), v1(HistoryV1, "/historical-identities/v1/{id}/access-items", true)},
		PageSize: MaxPageSize, Cache: HistoryNow, Scopes: historyScopes,
		QueryDefaults: pageDefaults("type", "account")}
	GetHistoricalIdentityEvents = &Operation{Name: "getHistoricalIdentityEvents", Family: History, Method: http.MethodGet,
		Paths:    [2]Path{legacy(Beta, "/beta/historical-identities/{id}/events"), v1(HistoryV1, "/historical-identities/v1/{id}/events", true)},
		PageSize: MaxPageSize, Cache: HistoryNow, Scopes: historyScopes,
		QueryDefaults: pageDefaults(), SetParams: []string{"eventTypes", "accessItemTypes"}}
	ListIdentitySnapshots = &Operation{Name: "listIdentitySnapshots", Family: History, Method: http.MethodGet,
		Paths:    [2]Path{legacy(Beta, "/beta/historical-identities/{id}/snapshots"), v1(HistoryV1, "/historical-identities/v1/{id}/snapshots", true)},
		PageSize: MaxPageSize, Cache: HistoryNow, Scopes: historyScopes, QueryDefaults: pageDefaults()}
	GetIdentitySnapshot = &Operation{Name: "getIdentitySnapshot", Family: History, Method: http.MethodGet,
		Paths: [2]Path{legacy(Beta, "/beta/historical-identities/{id}/snapshots/{date}"), v1(HistoryV1, "/historical-identities/v1/{id}/snapshots/{date}", true)},
		Cache: Snapshot, Scopes: historyScopes}
	ListIdentitySnapshotAccessItems = &Operation{Name: "listIdentitySnapshotAccessItems", Family: History, Method: http.MethodGet,
		Paths: [2]Path{legacy(Beta, "/beta/historical-identities/{id}/snapshots/{date}/access-items"), v1(HistoryV1, "/historical-identities/v1/{id}/snapshots/{date}/access-items", true)},
		Cache: Snapshot, Scopes: historyScopes}
	GetIdentitySnapshotSummary = &Operation{Name: "getIdentitySnapshotSummary", Family: History, Method: http.MethodGet,
		Paths:    [2]Path{legacy(Beta, "/beta/historical-identities/{id}/snapshot-summary"), v1(HistoryV1, "/historical-identities/v1/{id}/snapshot-summary", true)},
		PageSize: MaxPageSize, Cache: HistoryNow, Scopes: historyScopes,
		QueryDefaults: pageDefaults("interval", "month", "time-zone", "UTC")}
	GetIdentityStartDate = &Operation{Name: "getIdentityStartDate", Family: History, Method: http.MethodGet,
		Paths: [2]Path{legacy(Beta, "/beta/historical-identities/{id}/start-date"), v1(HistoryV1, "/historical-identities/v1/{id}/start-date", true)},
		Cache: HistoryNow, Scopes: historyScopes}
	CompareIdentitySnapshots = &Operation{Name: "compareIdentitySnapshots", Family: History, Method: http.MethodGet,
		Paths:    [2]Path{legacy(Beta, "/beta/historical-identities/{id}/compare"), v1(HistoryV1, "/historical-identities/v1/{id}/compare", true)},
		PageSize: MaxPageSize, Cache: HistoryNow, Scopes: historyScopes,
		QueryDefaults: pageDefaults(), SetParams: []string{"accessItemTypes"}}
	CompareIdentitySnapshotsAccessType = &Operation{Name: "compareIdentitySnapshotsAccessType", Family: History, Method: http.MethodGet,
		Paths:    [2]Path{legacy(Beta, "/beta/historical-identities/{id}/compare/{accessType}"), v1(HistoryV1, "/historical-identities/v1/{id}/compare/{accessType}", true)},
		PageSize: MaxPageSize, Cache: HistoryNow, Scopes: historyScopes, QueryDefaults: pageDefaults()}

	// Task management.
	GetPendingTasks = &Operation{Name: "getPendingTasks", Family: Tasks, Method: http.MethodGet,
		Paths:    [2]Path{legacy(Beta, "/beta/task-status/pending-tasks")},
		PageSize: MaxPageSize, Cache: Pending, Namespace: TaskReads, Scopes: taskReadScopes, QueryDefaults: pageDefaults()}
	GetPendingTaskHeaders = &Operation{Name: "getPendingTaskHeaders", Family: Tasks, Method: http.MethodHead,
		Paths:  [2]Path{legacy(Beta, "/beta/task-status/pending-tasks")},
		Scopes: taskReadScopes}
	GetTaskStatus = &Operation{Name: "getTaskStatus", Family: Tasks, Method: http.MethodGet,
		Paths: [2]Path{legacy(Beta, "/beta/task-status/{id}"), v1(TasksV1, "/task-status/v1/{id}", false)},
		Cache: Task, Namespace: TaskReads, Scopes: taskReadScopes}
	UpdateTaskStatus = &Operation{Name: "updateTaskStatus", Family: Tasks, Method: http.MethodPatch,
		Paths: [2]Path{legacy(Beta, "/beta/task-status/{id}"), v1(TasksV1, "/task-status/v1/{id}", false)},
		Drops: TaskReads, Scopes: taskWriteScopes}
	GetTaskStatusList = &Operation{Name: "getTaskStatusList", Family: Tasks, Method: http.MethodGet,
		Paths:    [2]Path{legacy(Beta, "/beta/task-status"), v1(TasksV1, "/task-status/v1", false)},
		PageSize: MaxPageSize, Cache: TaskList, Namespace: TaskReads, Scopes: taskReadScopes, QueryDefaults: pageDefaults()}

	// IAI role mining: potential-role exports.
	ExportRoleMiningPotentialRoleAsync = &Operation{Name: "exportRoleMiningPotentialRoleAsync", Family: RoleMining, Method: http.MethodPost,
		Paths: [2]Path{
			legacy(Beta, "/beta/role-mining-sessions/{sessionId}/potential-roles/{potentialRoleId}/export-async"),
			v1(RoleMiningV1, "/role-mining-sessions/v1/{sessionId}/potential-roles/{potentialRoleId}/export-async", true)},
		Scopes: modelingManage}
	ExportRoleMiningPotentialRoleStatus = &Operation{Name: "exportRoleMiningPotentialRoleStatus", Family: RoleMining, Method: http.MethodGet,
		Paths: [2]Path{
			legacy(Beta, "/beta/role-mining-sessions/{sessionId}/potential-roles/{potentialRoleId}/export-async/{exportId}"),
			v1(RoleMiningV1, "/role-mining-sessions/v1/{sessionId}/potential-roles/{potentialRoleId}/export-async/{exportId}", true)},
		Cache: ExportStatus, Scopes: modelingRead}
	DownloadRoleMiningPotentialRoleZip = &Operation{Name: "downloadRoleMiningPotentialRoleZip", Family: RoleMining, Method: http.MethodGet,
		Paths: [2]Path{
			legacy(Beta, "/beta/role-mining-sessions/{sessionId}/potential-roles/{potentialRoleId}/export-async/{exportId}/download"),
			v1(RoleMiningV1, "/role-mining-sessions/v1/{sessionId}/potential-roles/{potentialRoleId}/export-async/{exportId}/download", true)},
		Download: true, Scopes: modelingRead}

	// Reports.
	CancelReport = &Operation{Name: "cancelReport", Family: Reports, Method: http.MethodPost,
		Paths: [2]Path{legacy(V2024, "/v2024/reports/{id}/cancel"), v1(ReportsV1, "/reports/v1/{id}/cancel", false)},
		Drops: ReportRun, Scopes: reportManage}
	GetReport = &Operation{Name: "getReport", Family: Reports, Method: http.MethodGet,
		Paths:    [2]Path{legacy(V2024, "/v2024/reports/{taskResultId}"), v1(ReportsV1, "/reports/v1/{taskResultId}", false)},
		Download: true, Scopes: reportRead}
	GetReportResult = &Operation{Name: "getReportResult", Family: Reports, Method: http.MethodGet,
		Paths: [2]Path{legacy(V2024, "/v2024/reports/{taskResultId}/result"), v1(ReportsV1, "/reports/v1/{taskResultId}/result", false)},
		Cache: ReportResult, Namespace: ReportRun, Scopes: reportRead,
		QueryDefaults: map[string]string{"completed": "false"}}
	StartReport = &Operation{Name: "startReport", Family: Reports, Method: http.MethodPost,
		Paths:  [2]Path{legacy(V2024, "/v2024/reports/run"), v1(ReportsV1, "/reports/v1/run", false)},
		Scopes: reportManage}
)

// table lists them in the spec's order.
var table = build([]*Operation{
	ListHistoricalIdentities,
	GetHistoricalIdentity,
	ListIdentityAccessItems,
	GetHistoricalIdentityEvents,
	ListIdentitySnapshots,
	GetIdentitySnapshot,
	ListIdentitySnapshotAccessItems,
	GetIdentitySnapshotSummary,
	GetIdentityStartDate,
	CompareIdentitySnapshots,
	CompareIdentitySnapshotsAccessType,
	GetPendingTasks,
	GetPendingTaskHeaders,
	GetTaskStatus,
	UpdateTaskStatus,
	GetTaskStatusList,
	ExportRoleMiningPotentialRoleAsync,
	ExportRoleMiningPotentialRoleStatus,
	DownloadRoleMiningPotentialRoleZip,
	CancelReport,
	GetReport,
	GetReportResult,
	StartReport,
})

// build fills in what each Path derives from its template: its segments,
// parameter names and v1 operationId.
func build(ops []*Operation) []*Operation {
	for _, o := range ops {
		for gen := range o.Paths {
			p := &o.Paths[gen]
			if !p.Served() {
				continue
			}
			p.segs = strings.Split(strings.Trim(p.Template, "/"), "/")
			for _, s := range p.segs {
				if isParam(s) {
					p.names = append(p.names, s[1:len(s)-1])
				}
			}
			p.OperationID = o.Name
			if Generation(gen) == V1 {
				p.OperationID = o.Name + "V1"
			}
		}
	}
	return ops
}

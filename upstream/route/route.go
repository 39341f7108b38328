// Package route names the upstream operation a request is for: which API
// version serves it and its operationId in SailPoint's spec, with the path
// parameters. The transport layers use it for the budget key, metrics
// labels and cache lifetimes; it is the one table of upstream paths outside
// the typed clients.
package route

import (
	"net/http"
	"strings"
)

// API is an upstream API version. SailPoint counts its rate budget per
// client id and per API version.
type API string

const (
	Beta  API = "beta"
	V2024 API = "v2024"
)

// Route is a matched upstream operation.
type Route struct {
	API       API
	Operation string            // operationId in the spec, e.g. "getTaskStatus"
	Params    map[string]string // path parameters by their spec names
}

type entry struct {
	method string
	api    API
	segs   []string // "{name}" for a parameter
	op     string
}

func e(method string, api API, path, op string) entry {
	return entry{method: method, api: api, segs: strings.Split(strings.Trim(path, "/"), "/"), op: op}
}

// table lists all 23 operations of ../shared/upstream-spec.
var table = []entry{
	e(http.MethodGet, Beta, "historical-identities", "listHistoricalIdentities"),
	e(http.MethodGet, Beta, "historical-identities/{id}", "getHistoricalIdentity"),
	e(http.MethodGet, Beta, "historical-identities/{id}/access-items", "listIdentityAccessItems"),
	e(http.MethodGet, Beta, "historical-identities/{id}/events", "getHistoricalIdentityEvents"),
	e(http.MethodGet, Beta, "historical-identities/{id}/snapshots", "listIdentitySnapshots"),
	e(http.MethodGet, Beta, "historical-identities/{id}/snapshots/{date}", "getIdentitySnapshot"),
	e(http.MethodGet, Beta, "historical-identities/{id}/snapshots/{date}/access-items", "listIdentitySnapshotAccessItems"),
	e(http.MethodGet, Beta, "historical-identities/{id}/snapshot-summary", "getIdentitySnapshotSummary"),
	e(http.MethodGet, Beta, "historical-identities/{id}/start-date", "getIdentityStartDate"),
	e(http.MethodGet, Beta, "historical-identities/{id}/compare", "compareIdentitySnapshots"),
	e(http.MethodGet, Beta, "historical-identities/{id}/compare/{accessType}", "compareIdentitySnapshotsAccessType"),
	e(http.MethodGet, Beta, "task-status/pending-tasks", "getPendingTasks"),
	e(http.MethodHead, Beta, "task-status/pending-tasks", "getPendingTaskHeaders"),
	e(http.MethodGet, Beta, "task-status/{id}", "getTaskStatus"),
	e(http.MethodPatch, Beta, "task-status/{id}", "updateTaskStatus"),
	e(http.MethodGet, Beta, "task-status", "getTaskStatusList"),
	e(http.MethodPost, Beta, "role-mining-sessions/{sessionId}/potential-roles/{potentialRoleId}/export-async", "exportRoleMiningPotentialRoleAsync"),
	e(http.MethodGet, Beta, "role-mining-sessions/{sessionId}/potential-roles/{potentialRoleId}/export-async/{exportId}", "exportRoleMiningPotentialRoleStatus"),
	e(http.MethodGet, Beta, "role-mining-sessions/{sessionId}/potential-roles/{potentialRoleId}/export-async/{exportId}/download", "downloadRoleMiningPotentialRoleZip"),
	e(http.MethodPost, V2024, "reports/{id}/cancel", "cancelReport"),
	e(http.MethodGet, V2024, "reports/{taskResultId}", "getReport"),
	e(http.MethodGet, V2024, "reports/{taskResultId}/result", "getReportResult"),
	e(http.MethodPost, V2024, "reports/run", "startReport"),
}

// Operations lists every operationId the table knows, in spec order.
func Operations() []string {
	out := make([]string, len(table))
	for i, en := range table {
		out[i] = en.op
	}
	return out
}

// APIOf returns the API version a path is under ("/beta/..." or
// "/v2024/..."), and false for any other path.
func APIOf(path string) (API, bool) {
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	switch API(first) {
	case Beta, V2024:
		return API(first), true
	}
	return "", false
}

// Match finds the operation for a method and a URL path such as
// "/beta/task-status/abc". Literal segments win over parameters, so
// "task-status/pending-tasks" is never read as a task id.
func Match(method, path string) (Route, bool) {
	api, ok := APIOf(path)
	if !ok {
		return Route{}, false
	}
	rest := strings.Trim(strings.TrimPrefix(path, "/"+string(api)), "/")
	segs := strings.Split(rest, "/")
	var best *entry
	bestLiterals := -1
	for i := range table {
		en := &table[i]
		if en.api != api || en.method != method || len(en.segs) != len(segs) {
			continue
		}
		lit, ok := matchSegs(en.segs, segs)
		if ok && lit > bestLiterals {
			best, bestLiterals = en, lit
		}
	}
	if best == nil {
		return Route{}, false
	}
	r := Route{API: api, Operation: best.op, Params: map[string]string{}}
	for i, s := range best.segs {
		if isParam(s) {
			r.Params[s[1:len(s)-1]] = segs[i]
		}
	}
	return r, true
}

func isParam(s string) bool { return strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") }

func matchSegs(pattern, segs []string) (literals int, ok bool) {
	for i, p := range pattern {
		switch {
		case isParam(p):
			if segs[i] == "" {
				return 0, false
			}
		case p == segs[i]:
			literals++
		default:
			return 0, false
		}
	}
	return literals, true
}

package httpapi

import "slices"

// operationScopes is, for each of the 23 operations, the scopes of which a
// caller needs any one: the union of the scopes in the operation's
// `security` in SailPoint's spec (userAuth and applicationAuth list the
// same ones, read or manage/write, each sufficient). scopes_test.go checks
// it against the spec.
//
// One deliberate difference: the spec gives compareIdentitySnapshotsAccessType
// no security of its own, so it falls back to the document's global
// sp:scopes:all; here it takes the scopes of its sibling
// compareIdentitySnapshots, which is the same comparison for all access
// types, so that an identity-history key can call both.
var operationScopes = map[string][]string{
	"listHistoricalIdentities":           historyScopes,
	"getHistoricalIdentity":              historyScopes,
	"listIdentityAccessItems":            historyScopes,
	"getHistoricalIdentityEvents":        historyScopes,
	"listIdentitySnapshots":              historyScopes,
	"getIdentitySnapshot":                historyScopes,
	"listIdentitySnapshotAccessItems":    historyScopes,
	"getIdentitySnapshotSummary":         historyScopes,
	"getIdentityStartDate":               historyScopes,
	"compareIdentitySnapshots":           historyScopes,
	"compareIdentitySnapshotsAccessType": historyScopes,

	"getPendingTasks":       taskReadScopes,
	"getPendingTaskHeaders": taskReadScopes,
	"getTaskStatus":         taskReadScopes,
	"getTaskStatusList":     taskReadScopes,
	"updateTaskStatus":      {"idn:task-management:write"},

	"exportRoleMiningPotentialRoleAsync":  {"iai:access-modeling:manage"},
	"exportRoleMiningPotentialRoleStatus": modelingReadScopes,
	"downloadRoleMiningPotentialRoleZip":  modelingReadScopes,

	"getReport":       reportReadScopes,
	"getReportResult": reportReadScopes,
	"startReport":     {"sp:report:manage"},
	"cancelReport":    {"sp:report:manage"},
}

var (
	historyScopes      = []string{"idn:identity-history:read", "idn:identity-history:manage"}
	taskReadScopes     = []string{"idn:task-management:read", "idn:task-management:write"}
	modelingReadScopes = []string{"iai:access-modeling:read", "iai:access-modeling:manage"}
	reportReadScopes   = []string{"sp:report:read", "sp:report:manage"}
)

// Scopes returns the scopes of which a caller needs any one to call the
// upstream operation named operationID (as Operation returns it), and
// false for an unknown operation. The slice is the caller's own.
func Scopes(operationID string) ([]string, bool) {
	s, ok := operationScopes[operationID]
	return slices.Clone(s), ok
}

// Allowed reports whether a caller holding granted may call operationID:
// it holds one of the operation's scopes, or sp:scopes:all.
func Allowed(operationID string, granted []string) bool {
	need, ok := operationScopes[operationID]
	if !ok {
		return false
	}
	for _, g := range granted {
		if g == "sp:scopes:all" || slices.Contains(need, g) {
			return true
		}
	}
	return false
}

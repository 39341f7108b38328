package rolemining

import (
	"github.com/sailgraph/sailgraph/upstream/isc"
)

// PotentialRole names a potential role of a role mining session.
type PotentialRole struct {
	SessionID string
	ID        string
}

// validate checks the role's ids, which the spec types as UUIDs in the
// status and download operations. Starting an export types them as plain
// strings, though they are the same path parameters: an export started for
// ids that are not UUIDs could never be followed, so they are checked
// there too.
func (r PotentialRole) validate() error {
	if err := checkUUID("sessionId", r.SessionID); err != nil {
		return err
	}
	return checkUUID("potentialRoleId", r.ID)
}

// checkUUID refuses a parameter that is not a UUID.
func checkUUID(name, v string) error {
	if !isUUID(v) {
		return isc.Invalid(name, "%q is not a UUID", v)
	}
	return nil
}

// isUUID reports whether s is a UUID in its canonical text form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// ExportOptions are the options of an export
// (RoleMiningPotentialRoleExportRequest); nil leaves the tenant's default.
type ExportOptions struct {
	// MinEntitlementPopularity is the popularity among the role's
	// identities an entitlement needs to be included: a percentage, 0..100.
	MinEntitlementPopularity *int `json:"minEntitlementPopularity,omitempty"`
	// IncludeCommonAccess includes entitlements popular across the whole
	// organization.
	IncludeCommonAccess *bool `json:"includeCommonAccess,omitempty"`
}

// validate checks the options: the tenant reads the popularity as a
// percentage and refuses any other number.
func (o ExportOptions) validate() error {
	if p := o.MinEntitlementPopularity; p != nil && (*p < 0 || *p > 100) {
		return isc.Invalid("minEntitlementPopularity", "must be a percentage from 0 to 100, got %d", *p)
	}
	return nil
}

// State is the state of an export.
type State string

// Export states of RoleMiningPotentialRoleExportState.
const (
	StateQueued     State = "QUEUED"
	StateInProgress State = "IN_PROGRESS"
	StateSuccess    State = "SUCCESS"
	StateError      State = "ERROR"
)

// Done reports whether the export has finished, well or not.
func (s State) Done() bool { return s == StateSuccess || s == StateError }

// Export is an export job (RoleMiningPotentialRoleExportResponse).
type Export struct {
	ExportID                 string `json:"exportId"`
	Status                   State  `json:"status"`
	MinEntitlementPopularity int    `json:"minEntitlementPopularity"`
	IncludeCommonAccess      bool   `json:"includeCommonAccess"`
}

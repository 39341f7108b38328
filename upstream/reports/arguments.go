package reports

import "github.com/sailgraph/sailgraph/upstream/isc"

// Arguments are the typed arguments of one report type; the report run is
// chosen by the Go type, so a wrong combination cannot be expressed.
type Arguments interface {
	// ReportType is the report these arguments run.
	ReportType() ReportType
	validate() error
}

// AccountsArgs run the account export report (ACCOUNTS).
type AccountsArgs struct {
	Application string `json:"application"` // source id
	SourceName  string `json:"sourceName"`
}

// IdentitiesDetailsArgs run the identities details report
// (IDENTITIES_DETAILS).
type IdentitiesDetailsArgs struct {
	CorrelatedOnly bool `json:"correlatedOnly"`
}

// IdentitiesArgs run the identities report (IDENTITIES).
type IdentitiesArgs struct {
	CorrelatedOnly bool `json:"correlatedOnly,omitempty"`
}

// IdentityProfileIdentityErrorArgs run the identity profile identity error
// report (IDENTITY_PROFILE_IDENTITY_ERROR).
type IdentityProfileIdentityErrorArgs struct {
	AuthoritativeSource string `json:"authoritativeSource"` // source id
}

// OrphanIdentitiesArgs run the orphan identities report
// (ORPHAN_IDENTITIES); no formats means both.
type OrphanIdentitiesArgs struct {
	SelectedFormats []Format `json:"selectedFormats,omitempty"`
}

// SearchExportArgs run a search export (SEARCH_EXPORT).
type SearchExportArgs struct {
	Indices []Index  `json:"indices,omitempty"` // none means all
	Query   string   `json:"query"`
	Columns string   `json:"columns,omitempty"` // comma separated
	Sort    []string `json:"sort,omitempty"`    // +field or -field
}

// UncorrelatedAccountsArgs run the uncorrelated accounts report
// (UNCORRELATED_ACCOUNTS); no formats means both.
type UncorrelatedAccountsArgs struct {
	SelectedFormats []Format `json:"selectedFormats,omitempty"`
}

// Index is a search index of SearchExportArgs.
type Index string

// The search indices of the spec.
const (
	IndexAccessProfiles    Index = "accessprofiles"
	IndexAccountActivities Index = "accountactivities"
	IndexEntitlements      Index = "entitlements"
	IndexEvents            Index = "events"
	IndexIdentities        Index = "identities"
	IndexRoles             Index = "roles"
	IndexAll               Index = "*"
)

// ReportType returns TypeAccounts.
func (AccountsArgs) ReportType() ReportType { return TypeAccounts }

// ReportType returns TypeIdentitiesDetails.
func (IdentitiesDetailsArgs) ReportType() ReportType { return TypeIdentitiesDetails }

// ReportType returns TypeIdentities.
func (IdentitiesArgs) ReportType() ReportType { return TypeIdentities }

// ReportType returns TypeIdentityProfileIdentityError.
func (IdentityProfileIdentityErrorArgs) ReportType() ReportType {
	return TypeIdentityProfileIdentityError
}

// ReportType returns TypeOrphanIdentities.
func (OrphanIdentitiesArgs) ReportType() ReportType { return TypeOrphanIdentities }

// ReportType returns TypeSearchExport.
func (SearchExportArgs) ReportType() ReportType { return TypeSearchExport }

// ReportType returns TypeUncorrelatedAccounts.
func (UncorrelatedAccountsArgs) ReportType() ReportType { return TypeUncorrelatedAccounts }

func (a AccountsArgs) validate() error {
	if a.Application == "" || a.SourceName == "" {
		return isc.Invalid("arguments", "ACCOUNTS needs application and sourceName")
	}
	return nil
}

func (IdentitiesDetailsArgs) validate() error { return nil }

func (IdentitiesArgs) validate() error { return nil }

func (a IdentityProfileIdentityErrorArgs) validate() error {
	if a.AuthoritativeSource == "" {
		return isc.Invalid("arguments", "IDENTITY_PROFILE_IDENTITY_ERROR needs authoritativeSource")
	}
	return nil
}

func (a OrphanIdentitiesArgs) validate() error { return validFormats(a.SelectedFormats) }

func (a SearchExportArgs) validate() error {
	if a.Query == "" {
		return isc.Invalid("arguments", "SEARCH_EXPORT needs a query")
	}
	for _, ix := range a.Indices {
		switch ix {
		case IndexAccessProfiles, IndexAccountActivities, IndexEntitlements, IndexEvents, IndexIdentities, IndexRoles, IndexAll:
		default:
			return isc.Invalid("arguments", "unknown search index %q", string(ix))
		}
	}
	return nil
}

func (a UncorrelatedAccountsArgs) validate() error { return validFormats(a.SelectedFormats) }

func validFormats(fs []Format) error {
	for _, f := range fs {
		if f != CSV && f != PDF {
			return isc.Invalid("arguments", "no file format %d", uint8(f))
		}
	}
	return nil
}

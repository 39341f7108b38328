package history

import (
	"time"
	_ "time/tzdata" // validTimeZone must not depend on the machine's zoneinfo

	"github.com/sailgraph/sailgraph/upstream/isc"
)

// ListIdentitiesParams are listHistoricalIdentities' parameters. The
// operation cannot count: Paging.Count is refused.
type ListIdentitiesParams struct {
	// StartsWith searches the start of first, last and display names.
	StartsWith string
	// Deleted and Active filter when not nil.
	Deleted *bool
	Active  *bool
	isc.Paging
}

// ItemField is a field listIdentityAccessItems filters on.
type ItemField string

// The filterable fields; all take eq only.
const (
	ItemSource        ItemField = "source"
	ItemStandalone    ItemField = "standalone"
	ItemPrivileged    ItemField = "privileged"
	ItemAttribute     ItemField = "attribute"
	ItemCloudGoverned ItemField = "cloudGoverned"
)

var itemFilterSpec = map[ItemField]isc.FieldSpec{
	ItemSource:        {Kind: isc.StringValue, Ops: []isc.Op{isc.OpEq}},
	ItemStandalone:    {Kind: isc.BoolValue, Ops: []isc.Op{isc.OpEq}},
	ItemPrivileged:    {Kind: isc.BoolValue, Ops: []isc.Op{isc.OpEq}},
	ItemAttribute:     {Kind: isc.StringValue, Ops: []isc.Op{isc.OpEq}},
	ItemCloudGoverned: {Kind: isc.BoolValue, Ops: []isc.Op{isc.OpEq}},
}

// ItemSortField is a field listIdentityAccessItems sorts by.
type ItemSortField string

// The sortable fields.
const (
	SortName             ItemSortField = "name"
	SortValue            ItemSortField = "value"
	SortStandalone       ItemSortField = "standalone"
	SortPrivileged       ItemSortField = "privileged"
	SortAttribute        ItemSortField = "attribute"
	SortSource           ItemSortField = "source"
	SortCloudGoverned    ItemSortField = "cloudGoverned"
	SortRemoveDate       ItemSortField = "removeDate"
	SortNativeIdentity   ItemSortField = "nativeIdentity"
	SortEntitlementCount ItemSortField = "entitlementCount"
)

var itemSortFields = []ItemSortField{
	SortName, SortValue, SortStandalone, SortPrivileged, SortAttribute,
	SortSource, SortCloudGoverned, SortRemoveDate, SortNativeIdentity, SortEntitlementCount,
}

// AccessItemsParams are listIdentityAccessItems' parameters.
type AccessItemsParams struct {
	// Type of the items; 0 means the tenant's default, accounts.
	Type AccessType
	// Filter, e.g. isc.And(isc.Eq(history.ItemSource, isc.Str("HR"))).
	Filter isc.Filter[ItemField]
	Sort   []isc.Sort[ItemSortField]
	// Query searches name-like fields of the items for a substring.
	Query string
	isc.Paging
}

// EventsParams are getHistoricalIdentityEvents' parameters.
type EventsParams struct {
	// From is the instant until which events are returned; zero for all.
	From time.Time
	// EventTypes and AccessItemTypes narrow the events; empty for all.
	EventTypes      []string
	AccessItemTypes []AccessType
	isc.Paging
}

// Interval is the bucket size of snapshot lists and summaries.
type Interval string

// Intervals; "" leaves the tenant's default.
const (
	Day   Interval = "day"
	Month Interval = "month"
)

func (i Interval) validate() error {
	switch i {
	case "", Day, Month:
		return nil
	}
	return isc.Invalid("interval", "must be day or month, got %q", string(i))
}

// SnapshotsParams are listIdentitySnapshots' parameters.
type SnapshotsParams struct {
	Start    time.Time // zero for none
	Interval Interval
	isc.Paging
}

// SummaryParams are getIdentitySnapshotSummary's parameters.
type SummaryParams struct {
	Before   time.Time // zero for none
	Interval Interval  // the tenant's default is month
	// TimeZone is an IANA time zone name such as Europe/Paris; "" for the
	// tenant's default, UTC.
	TimeZone string
	isc.Paging
}

// validTimeZone checks a time-zone parameter against the IANA database the
// binary carries (time/tzdata, so the answer does not depend on the
// machine's zoneinfo): the tenant buckets by it and refuses a zone it does
// not know. "Local" is Go's name for the machine's zone, not an IANA one.
func validTimeZone(name string) error {
	if name == "" {
		return nil
	}
	if _, err := time.LoadLocation(name); err != nil || name == "Local" {
		return isc.Invalid("time-zone", "%q is not an IANA time zone name such as UTC or Europe/Paris", name)
	}
	return nil
}

// CompareParams are compareIdentitySnapshots' parameters.
type CompareParams struct {
	Snapshot1, Snapshot2 time.Time // zero for none
	AccessItemTypes      []AccessType
	isc.Paging
}

// DiffParams are compareIdentitySnapshotsAccessType's parameters.
type DiffParams struct {
	// Associated selects gained access (true), lost access (false) or both
	// (nil).
	Associated           *bool
	Snapshot1, Snapshot2 time.Time
	isc.Paging
}

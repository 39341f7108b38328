package history

import (
	"time"

	"github.com/sailgraph/sailgraph/upstream/isc"
)

// IdentitySummary is one identity of the identity list (IdentityListItem).
type IdentitySummary struct {
	ID          string
	DisplayName string
	FirstName   string
	LastName    string
	Active      bool // the schema's default, true, when not sent
	DeletedDate *time.Time
}

// Identity is an identity at one snapshot (IdentityHistoryResponse): its
// latest for GetIdentity, the one at a date for GetSnapshot.
type Identity struct {
	ID              string
	DisplayName     string
	Snapshot        *time.Time
	DeletedDate     *time.Time
	AccessItemCount map[AccessType]int
	Attributes      map[string]any
}

// SnapshotSummary is one snapshot of an identity
// (IdentitySnapshotSummaryResponse).
type SnapshotSummary struct {
	Snapshot time.Time
}

// Metric is one bucket of the snapshot summary histogram (MetricResponse):
// Name is the bucket, usually its date, and Value the count.
type Metric struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// Comparison is the count of access changes per access type between two
// snapshots (IdentityCompareResponse).
type Comparison struct {
	AccessItemDiff map[AccessType]AccessChange `json:"accessItemDiff"`
}

// AccessChange counts the access of one type gained and lost.
type AccessChange struct {
	Added   int `json:"accessAdded"`
	Removed int `json:"accessRemoved"`
}

// DiffEvent says whether an access item was gained or lost.
type DiffEvent string

// Diff events of AccessItemDiff.
const (
	DiffAdd    DiffEvent = "ADD"
	DiffRemove DiffEvent = "REMOVE"
)

// AccessItemDiff is one access item gained or lost between two snapshots.
type AccessItemDiff struct {
	ID          string    `json:"id"`
	EventType   DiffEvent `json:"eventType"`
	DisplayName string    `json:"displayName"`
	SourceName  string    `json:"sourceName"`
}

type wireSummary struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	FirstName   string `json:"firstName"`
	LastName    string `json:"lastName"`
	Active      *bool  `json:"active"`
	DeletedDate string `json:"deletedDate"`
}

func (w *wireSummary) summary() (IdentitySummary, error) {
	deleted, err := isc.ParseOptionalTime(w.DeletedDate)
	if err != nil {
		return IdentitySummary{}, err
	}
	return IdentitySummary{
		ID: w.ID, DisplayName: w.DisplayName, FirstName: w.FirstName, LastName: w.LastName,
		Active: w.Active == nil || *w.Active, DeletedDate: deleted,
	}, nil
}

type wireIdentity struct {
	ID              string             `json:"id"`
	DisplayName     string             `json:"displayName"`
	Snapshot        string             `json:"snapshot"`
	DeletedDate     string             `json:"deletedDate"`
	AccessItemCount map[AccessType]int `json:"accessItemCount"`
	Attributes      map[string]any     `json:"attributes"`
}

func (w *wireIdentity) identity() (*Identity, error) {
	snap, err := isc.ParseOptionalTime(w.Snapshot)
	if err != nil {
		return nil, err
	}
	deleted, err := isc.ParseOptionalTime(w.DeletedDate)
	if err != nil {
		return nil, err
	}
	return &Identity{
		ID: w.ID, DisplayName: w.DisplayName, Snapshot: snap, DeletedDate: deleted,
		AccessItemCount: w.AccessItemCount, Attributes: w.Attributes,
	}, nil
}

type wireSnapshot struct {
	Snapshot string `json:"snapshot"`
}

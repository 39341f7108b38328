package model

import "time"

// Identity is an identity as the graph sees it. The fields the list
// operation gives are plain fields; the rest (snapshotDate,
// accessItemCounts, attributes, startDate and the connections) are
// resolved on demand, from Detail when it is already known.
type Identity struct {
	ID          string
	DisplayName string
	FirstName   *string
	LastName    *string
	// Active is known only when the identity came from a list.
	Active      *bool
	DeletedDate *time.Time

	// Detail is the identity's latest snapshot when it has been fetched
	// already (identity(id) fetches it to know the identity exists); nil
	// when the identity came from a list.
	Detail *IdentityDetail
}

// IdentityDetail is what the tenant says of an identity at one snapshot:
// now for Identity, or at a date for IdentitySnapshot.
type IdentityDetail struct {
	DisplayName      string
	SnapshotDate     *time.Time
	DeletedDate      *time.Time
	AccessItemCounts []*AccessItemCount
	Attributes       map[string]any
}

// IdentitySnapshot is an identity at one date. Its detail fields are
// resolved on demand, from Detail when it is already known.
type IdentitySnapshot struct {
	IdentityID string
	Date       time.Time

	// Detail is the snapshot's content when it has been fetched already;
	// nil when the snapshot came from the snapshots list.
	Detail *IdentityDetail
}

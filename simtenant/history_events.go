package simtenant

import (
	"slices"
	"time"
)

// The six event types of getHistoricalIdentityEvents.
const (
	histEventCertified     = "IdentityCertified"
	histEventAssociated    = "AccessItemAssociated"
	histEventRemoved       = "AccessItemRemoved"
	histEventAttributes    = "AttributesChanged"
	histEventRequested     = "AccessRequested"
	histEventAccountStatus = "AccountStatusChanged"
)

// histEventTypes are the event types, and the names the spec's example
// uses for two of them, accepted by the eventTypes parameter.
var histEventTypes = map[string]string{
	histEventCertified:     histEventCertified,
	histEventAssociated:    histEventAssociated,
	histEventRemoved:       histEventRemoved,
	histEventAttributes:    histEventAttributes,
	histEventRequested:     histEventRequested,
	histEventAccountStatus: histEventAccountStatus,
	"AccessAddedEvent":     histEventAssociated,
	"AccessRemovedEvent":   histEventRemoved,
}

// histEvent is one event of an identity's history.
type histEvent struct {
	at   time.Time
	seq  int // generation order, to break ties between events at one instant
	data histEventData
}

// histEventData is what one event type records.
type histEventData interface {
	eventType() string
	// accessKinds lists the access-item types the event is about; nil for
	// events about none (certifications, attribute changes).
	accessKinds() []histKind
	// json is the event as the API renders it.
	json(p *identity, at time.Time) any
}

// histGovernance is the certification or access request behind an access change.
type histGovernance struct {
	name, id string
	typ      string // certification or accessRequest
	at       time.Time
	decider  *identity
}

// histRequest is one access request for the identity (one item).
type histRequest struct {
	id, operation       string // operation: Add or Remove
	kind                histKind
	name, description   string
	source              *histSource // nil for a role
	requester, approver *identity
	approved            bool
}

func (q *histRequest) governance(at time.Time) *histGovernance {
	return &histGovernance{name: "Access Request for " + q.name, id: q.id, typ: "accessRequest", at: at, decider: q.approver}
}

// histCertification is one certification of the identity by its manager.
type histCertification struct {
	id, name  string
	certifier *identity
}

func (c *histCertification) governance(at time.Time) *histGovernance {
	return &histGovernance{name: c.name, id: c.id, typ: "certification", at: at, decider: c.certifier}
}

type histIdentityCertified struct{ cert *histCertification }

type histItemEvent struct {
	associated bool // AccessItemAssociated, else AccessItemRemoved
	held       histHeld
	governance *histGovernance // nil for birthright access, scheduled removals, deletion
}

type histAttributesChanged struct{ changes []histAttrChange }

type histAccessRequested struct{ req *histRequest }

type histAccountStatusChanged struct {
	account  *histAccount
	entCount int    // entitlements on the account at the instant
	old, new string // enabled, disabled or locked
}

func (*histIdentityCertified) eventType() string { return histEventCertified }
func (e *histItemEvent) eventType() string {
	if e.associated {
		return histEventAssociated
	}
	return histEventRemoved
}
func (*histAttributesChanged) eventType() string    { return histEventAttributes }
func (*histAccessRequested) eventType() string      { return histEventRequested }
func (*histAccountStatusChanged) eventType() string { return histEventAccountStatus }

func (*histIdentityCertified) accessKinds() []histKind    { return nil }
func (e *histItemEvent) accessKinds() []histKind          { return []histKind{e.held.kind} }
func (*histAttributesChanged) accessKinds() []histKind    { return nil }
func (e *histAccessRequested) accessKinds() []histKind    { return []histKind{e.req.kind} }
func (*histAccountStatusChanged) accessKinds() []histKind { return []histKind{histKindAccount} }

// histEventFilter selects events by type and access-item type; an empty
// set selects all.
type histEventFilter struct {
	types []string
	kinds []histKind
}

func (f histEventFilter) match(d histEventData) bool {
	if len(f.types) > 0 && !slices.Contains(f.types, d.eventType()) {
		return false
	}
	if len(f.kinds) > 0 && !slices.ContainsFunc(d.accessKinds(), func(k histKind) bool { return slices.Contains(f.kinds, k) }) {
		return false
	}
	return true
}

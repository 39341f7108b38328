package history

import (
	"time"

	"github.com/sailgraph/sailgraph/upstream/isc"
)

// Event is one event in an identity's history. Its dynamic type is one of
// *IdentityCertified, *AccessItemAssociated, *AccessItemRemoved,
// *AttributesChanged, *AccessRequested and *AccountStatusChanged.
type Event interface {
	// Base returns the fields every event has.
	Base() EventBase
	isEvent()
}

// The eventType values of the six kinds.
const (
	EventIdentityCertified    = "IdentityCertified"
	EventAccessItemAssociated = "AccessItemAssociated"
	EventAccessItemRemoved    = "AccessItemRemoved"
	EventAttributesChanged    = "AttributesChanged"
	EventAccessRequested      = "AccessRequested"
	EventAccountStatusChanged = "AccountStatusChanged"
)

// EventBase holds the fields every event has.
type EventBase struct {
	IdentityID string
	EventType  string
	DateTime   *time.Time
}

// Base returns b; it makes every event type an Event.
func (b EventBase) Base() EventBase { return b }

func (EventBase) isEvent() {}

// IdentityCertified says a certification of the identity was signed.
type IdentityCertified struct {
	EventBase
	CertificationID   string
	CertificationName string
	SignedDate        *time.Time
	Certifiers        []Certifier // deprecated upstream; prefer Reviewers
	Reviewers         []Certifier
	Signer            *Certifier
}

// AccessItemAssociated says the identity gained an access item.
type AccessItemAssociated struct {
	EventBase
	Item AccessItem
	// AccessItemType is the event's own accessItemType, 0 when not sent.
	AccessItemType  AccessType
	GovernanceEvent *GovernanceEvent
}

// AccessItemRemoved says the identity lost an access item.
type AccessItemRemoved struct {
	EventBase
	Item            AccessItem
	AccessItemType  AccessType
	GovernanceEvent *GovernanceEvent
}

// AttributesChanged says identity attributes changed.
type AttributesChanged struct {
	EventBase
	Changes []AttributeChange
}

// AccessRequested says access was requested for the identity.
type AccessRequested struct {
	EventBase
	Request AccessRequest
}

// AccountStatusChanged says one of the identity's accounts changed status.
type AccountStatusChanged struct {
	EventBase
	Account        AccountItem
	PreviousStatus string // enabled, disabled or locked
	NewStatus      string
}

// Certifier is a person in a certification or governance event.
type Certifier struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// GovernanceEvent is the certification or access request behind an access
// change (CorrelatedGovernanceEvent).
type GovernanceEvent struct {
	Name          string
	DateTime      *time.Time
	Type          string // certification or accessRequest
	GovernanceID  string
	Owners        []Certifier
	Reviewers     []Certifier
	DecisionMaker *Certifier
}

// AttributeChange is one changed identity attribute.
type AttributeChange struct {
	Name          string `json:"name"`
	PreviousValue string `json:"previousValue"`
	NewValue      string `json:"newValue"`
}

// AccessRequest is the request behind an AccessRequested event.
type AccessRequest struct {
	RequesterID   string              `json:"requesterId"`
	RequesterName string              `json:"requesterName"`
	Items         []AccessRequestItem `json:"items"`
}

// AccessRequestItem is one requested item.
type AccessRequestItem struct {
	Operation      string         `json:"operation"`
	AccessItemType string         `json:"accessItemType"`
	Name           string         `json:"name"`
	Decision       string         `json:"decision"` // APPROVED or REJECTED
	Description    string         `json:"description"`
	SourceID       string         `json:"sourceId"`
	SourceName     string         `json:"sourceName"`
	ApprovalInfos  []ApprovalInfo `json:"approvalInfos"`
}

// ApprovalInfo is one approver's answer.
type ApprovalInfo struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

// wireEvent is the union of the six event schemas.
type wireEvent struct {
	EventType         string            `json:"eventType"`
	IdentityID        string            `json:"identityId"`
	DateTime          string            `json:"dateTime"`
	CertificationID   string            `json:"certificationId"`
	CertificationName string            `json:"certificationName"`
	SignedDate        string            `json:"signedDate"`
	Certifiers        []Certifier       `json:"certifiers"`
	Reviewers         []Certifier       `json:"reviewers"`
	Signer            *Certifier        `json:"signer"`
	AccessItem        *wireItem         `json:"accessItem"`
	AccessItemType    string            `json:"accessItemType"`
	GovernanceEvent   *wireGovernance   `json:"governanceEvent"`
	AttributeChanges  []AttributeChange `json:"attributeChanges"`
	AccessRequest     *AccessRequest    `json:"accessRequest"`
	Account           *wireItem         `json:"account"`
	StatusChange      *struct {
		PreviousStatus string `json:"previousStatus"`
		NewStatus      string `json:"newStatus"`
	} `json:"statusChange"`
}

type wireGovernance struct {
	Name          string      `json:"name"`
	DateTime      string      `json:"dateTime"`
	Type          string      `json:"type"`
	GovernanceID  string      `json:"governanceId"`
	Owners        []Certifier `json:"owners"`
	Reviewers     []Certifier `json:"reviewers"`
	DecisionMaker *Certifier  `json:"decisionMaker"`
}

// event sorts the wire form into its kind by eventType.
func (w *wireEvent) event() (Event, error) {
	at, err := isc.ParseOptionalTime(w.DateTime)
	if err != nil {
		return nil, err
	}
	base := EventBase{IdentityID: w.IdentityID, EventType: w.EventType, DateTime: at}
	switch w.EventType {
	case EventIdentityCertified:
		signed, err := isc.ParseOptionalTime(w.SignedDate)
		if err != nil {
			return nil, err
		}
		return &IdentityCertified{
			EventBase: base, CertificationID: w.CertificationID, CertificationName: w.CertificationName,
			SignedDate: signed, Certifiers: w.Certifiers, Reviewers: w.Reviewers, Signer: w.Signer,
		}, nil
	case EventAccessItemAssociated, EventAccessItemRemoved:
		item, typ, gov, err := w.accessChange()
		if err != nil {
			return nil, err
		}
		if w.EventType == EventAccessItemRemoved {
			return &AccessItemRemoved{EventBase: base, Item: item, AccessItemType: typ, GovernanceEvent: gov}, nil
		}
		return &AccessItemAssociated{EventBase: base, Item: item, AccessItemType: typ, GovernanceEvent: gov}, nil
	case EventAttributesChanged:
		return &AttributesChanged{EventBase: base, Changes: w.AttributeChanges}, nil
	case EventAccessRequested:
		if w.AccessRequest == nil {
			return nil, isc.Breach("", nil, "AccessRequested event without accessRequest")
		}
		return &AccessRequested{EventBase: base, Request: *w.AccessRequest}, nil
	case EventAccountStatusChanged:
		if w.Account == nil || w.StatusChange == nil {
			return nil, isc.Breach("", nil, "AccountStatusChanged event without account or statusChange")
		}
		acct := w.Account.account(ItemBase{ID: w.Account.ID, DisplayName: w.Account.DisplayName, SourceName: w.Account.SourceName})
		return &AccountStatusChanged{
			EventBase: base, Account: *acct,
			PreviousStatus: w.StatusChange.PreviousStatus, NewStatus: w.StatusChange.NewStatus,
		}, nil
	}
	return nil, isc.Breach("", nil, "unknown eventType %q", w.EventType)
}

// accessChange decodes the parts AccessItemAssociated and AccessItemRemoved
// share.
func (w *wireEvent) accessChange() (AccessItem, AccessType, *GovernanceEvent, error) {
	var typ AccessType
	if w.AccessItemType != "" {
		var ok bool
		if typ, ok = ParseAccessType(w.AccessItemType); !ok {
			return nil, 0, nil, isc.Breach("", nil, "unknown accessItemType %q", w.AccessItemType)
		}
	}
	if w.AccessItem == nil {
		return nil, 0, nil, isc.Breach("", nil, "%s event without accessItem", w.EventType)
	}
	item, err := w.AccessItem.item(typ)
	if err != nil {
		return nil, 0, nil, err
	}
	if w.GovernanceEvent == nil {
		return item, typ, nil, nil
	}
	g := w.GovernanceEvent
	at, err := isc.ParseOptionalTime(g.DateTime)
	if err != nil {
		return nil, 0, nil, err
	}
	return item, typ, &GovernanceEvent{
		Name: g.Name, DateTime: at, Type: g.Type, GovernanceID: g.GovernanceID,
		Owners: g.Owners, Reviewers: g.Reviewers, DecisionMaker: g.DecisionMaker,
	}, nil
}

// events converts a decoded list, naming op in any error.
func events(op string, ws []wireEvent) ([]Event, error) {
	out := make([]Event, len(ws))
	for i := range ws {
		ev, err := ws[i].event()
		if err != nil {
			return nil, withOp(op, err)
		}
		out[i] = ev
	}
	return out, nil
}

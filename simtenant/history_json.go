package simtenant

import "time"

// JSON shapes of the identity-history schemas in beta.yaml. Access items
// are rendered so that each matches exactly one of the five item schemas
// (listIdentitySnapshotAccessItems uses oneOf): an access profile always
// carries a null removeDate, which the role schema does not allow.

type histAccountJSON struct {
	ID               string `json:"id"`
	AccessType       string `json:"accessType"`
	DisplayName      string `json:"displayName"`
	SourceName       string `json:"sourceName"`
	NativeIdentity   string `json:"nativeIdentity"`
	SourceID         string `json:"sourceId"`
	EntitlementCount int    `json:"entitlementCount"`
}

type histEntitlementJSON struct {
	ID            string  `json:"id"`
	AccessType    string  `json:"accessType"`
	DisplayName   string  `json:"displayName"`
	SourceName    string  `json:"sourceName"`
	Attribute     string  `json:"attribute"`
	Value         string  `json:"value"`
	Type          string  `json:"type"`
	Description   *string `json:"description"`
	SourceID      string  `json:"sourceId"`
	Standalone    bool    `json:"standalone"`
	Privileged    bool    `json:"privileged"`
	CloudGoverned bool    `json:"cloudGoverned"`
}

type histAppRefJSON struct {
	CloudAppID   string `json:"cloudAppId"`
	CloudAppName string `json:"cloudAppName"`
}

type histAccessProfileJSON struct {
	ID               string           `json:"id"`
	AccessType       string           `json:"accessType"`
	DisplayName      string           `json:"displayName"`
	SourceName       string           `json:"sourceName"`
	EntitlementCount int              `json:"entitlementCount"`
	Description      *string          `json:"description"`
	SourceID         string           `json:"sourceId"`
	AppRefs          []histAppRefJSON `json:"appRefs"`
	RemoveDate       *string          `json:"removeDate"` // always null: see above
	Standalone       bool             `json:"standalone"`
	Revocable        bool             `json:"revocable"`
}

type histRoleJSON struct {
	ID          string  `json:"id"`
	AccessType  string  `json:"accessType"`
	DisplayName string  `json:"displayName"`
	SourceName  *string `json:"sourceName"` // roles have no source: null
	Description string  `json:"description"`
	RemoveDate  string  `json:"removeDate,omitempty"`
	Revocable   bool    `json:"revocable"`
}

type histAppJSON struct {
	ID          string `json:"id"`
	AccessType  string `json:"accessType"`
	DisplayName string `json:"displayName"`
	SourceName  string `json:"sourceName"`
	AppRoleID   string `json:"appRoleId"`
}

// json renders the item in its type's schema.
func (h *histHeld) json() any {
	switch h.kind {
	case histKindAccount:
		a := h.account
		return histAccountJSON{ID: a.id, AccessType: h.kind.String(), DisplayName: a.name, SourceName: a.source.name,
			NativeIdentity: a.nativeIdentity, SourceID: a.source.id, EntitlementCount: h.entCount}
	case histKindEntitlement:
		e := h.ent
		return histEntitlementJSON{ID: e.id, AccessType: h.kind.String(), DisplayName: e.name, SourceName: e.source.name,
			Attribute: e.source.attribute, Value: e.value, Type: e.source.entType, Description: e.description,
			SourceID: e.source.id, Standalone: h.standalone, Privileged: e.privileged, CloudGoverned: e.cloudGoverned}
	case histKindAccessProfile:
		p := h.profile
		refs := make([]histAppRefJSON, len(p.apps))
		for i, a := range p.apps {
			refs[i] = histAppRefJSON{CloudAppID: a.id, CloudAppName: a.name}
		}
		return histAccessProfileJSON{ID: p.id, AccessType: h.kind.String(), DisplayName: p.name, SourceName: p.source.name,
			EntitlementCount: len(p.entitlements), Description: p.description, SourceID: p.source.id, AppRefs: refs,
			Standalone: h.standalone, Revocable: h.revocable}
	case histKindApp:
		a := h.app
		return histAppJSON{ID: a.id, AccessType: h.kind.String(), DisplayName: a.name, SourceName: a.source.name, AppRoleID: a.appRoleID}
	}
	j := histRoleJSON{ID: h.role.id, AccessType: h.kind.String(), DisplayName: h.role.name, Description: h.role.description, Revocable: h.revocable}
	if !h.removeDate.IsZero() {
		j.RemoveDate = formatTime(h.removeDate)
	}
	return j
}

// histItemsJSON renders items.
func histItemsJSON(items []*histHeld) []any {
	out := make([]any, len(items))
	for i, h := range items {
		out[i] = h.json()
	}
	return out
}

type histIdentityListItemJSON struct {
	ID          string  `json:"id"`
	DisplayName string  `json:"displayName"`
	FirstName   *string `json:"firstName"`
	LastName    *string `json:"lastName"`
	Active      bool    `json:"active"`
	DeletedDate *string `json:"deletedDate"`
}

func histListItemJSON(p *identity) histIdentityListItemJSON {
	j := histIdentityListItemJSON{ID: p.ID, DisplayName: p.DisplayName, Active: p.Active}
	if !p.service() {
		j.FirstName, j.LastName = &p.FirstName, &p.LastName
	}
	if p.DeletedDate != nil {
		j.DeletedDate = ptrTo(formatTime(*p.DeletedDate))
	}
	return j
}

// histIdentityJSON is IdentityHistoryResponse: an identity as of a snapshot.
type histIdentityJSON struct {
	ID              string         `json:"id"`
	DisplayName     string         `json:"displayName"`
	Snapshot        string         `json:"snapshot"`
	DeletedDate     string         `json:"deletedDate,omitempty"`
	AccessItemCount map[string]int `json:"accessItemCount"`
	Attributes      map[string]any `json:"attributes"`
}

type histSnapshotJSON struct {
	Snapshot string `json:"snapshot"`
}

type histMetricJSON struct {
	Name  string `json:"name"`
	Value int    `json:"value"`
}

type histCompareJSON struct {
	AccessItemDiff map[string]histDiffCountJSON `json:"accessItemDiff"`
}

type histDiffCountJSON struct {
	AccessAdded   int `json:"accessAdded"`
	AccessRemoved int `json:"accessRemoved"`
}

type histAccessItemDiffJSON struct {
	ID          string `json:"id"`
	EventType   string `json:"eventType"` // ADD or REMOVE
	DisplayName string `json:"displayName"`
	SourceName  string `json:"sourceName,omitempty"`
}

// Events.

type histRefJSON struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

func histRef(p *identity) histRefJSON { return histRefJSON{ID: p.ID, DisplayName: p.DisplayName} }

type histGovernanceJSON struct {
	Name          string        `json:"name"`
	DateTime      string        `json:"dateTime"`
	Type          string        `json:"type"`
	GovernanceID  string        `json:"governanceId"`
	Owners        []histRefJSON `json:"owners"`
	Reviewers     []histRefJSON `json:"reviewers"`
	DecisionMaker histRefJSON   `json:"decisionMaker"`
}

type histItemEventJSON struct {
	EventType       string              `json:"eventType"`
	DateTime        string              `json:"dateTime"`
	IdentityID      string              `json:"identityId"`
	AccessItem      any                 `json:"accessItem"`
	GovernanceEvent *histGovernanceJSON `json:"governanceEvent"` // null when no governance caused it
	AccessItemType  string              `json:"accessItemType"`
}

func (e *histItemEvent) json(p *identity, at time.Time) any {
	j := histItemEventJSON{EventType: e.eventType(), DateTime: formatTime(at), IdentityID: p.ID,
		AccessItem: e.held.json(), AccessItemType: e.held.kind.String()}
	if g := e.governance; g != nil {
		ref := histRef(g.decider)
		j.GovernanceEvent = &histGovernanceJSON{Name: g.name, DateTime: formatTime(g.at), Type: g.typ, GovernanceID: g.id,
			Owners: []histRefJSON{ref}, Reviewers: []histRefJSON{ref}, DecisionMaker: ref}
	}
	return j
}

type histCertifiedJSON struct {
	CertificationID   string        `json:"certificationId"`
	CertificationName string        `json:"certificationName"`
	SignedDate        string        `json:"signedDate"`
	Certifiers        []histRefJSON `json:"certifiers"`
	Reviewers         []histRefJSON `json:"reviewers"`
	Signer            histRefJSON   `json:"signer"`
	EventType         string        `json:"eventType"`
	IdentityID        string        `json:"identityId"`
	DateTime          string        `json:"dateTime"`
}

func (e *histIdentityCertified) json(p *identity, at time.Time) any {
	ref := histRef(e.cert.certifier)
	return histCertifiedJSON{CertificationID: e.cert.id, CertificationName: e.cert.name, SignedDate: formatTime(at),
		Certifiers: []histRefJSON{ref}, Reviewers: []histRefJSON{ref}, Signer: ref,
		EventType: e.eventType(), IdentityID: p.ID, DateTime: formatTime(at)}
}

type histAttributeChangeJSON struct {
	Name          string `json:"name"`
	PreviousValue string `json:"previousValue"`
	NewValue      string `json:"newValue"`
}

type histAttributesChangedJSON struct {
	AttributeChanges []histAttributeChangeJSON `json:"attributeChanges"`
	EventType        string                    `json:"eventType"`
	IdentityID       string                    `json:"identityId"`
	DateTime         string                    `json:"dateTime"`
}

func (e *histAttributesChanged) json(p *identity, at time.Time) any {
	changes := make([]histAttributeChangeJSON, len(e.changes))
	for i, c := range e.changes {
		changes[i] = histAttributeChangeJSON{Name: c.name, PreviousValue: c.old, NewValue: c.new}
	}
	return histAttributesChangedJSON{AttributeChanges: changes, EventType: e.eventType(), IdentityID: p.ID, DateTime: formatTime(at)}
}

type histApprovalInfoJSON struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

type histRequestItemJSON struct {
	Operation      string                 `json:"operation"`
	AccessItemType string                 `json:"accessItemType"`
	Name           string                 `json:"name"`
	Decision       string                 `json:"decision"`
	Description    string                 `json:"description,omitempty"`
	SourceID       string                 `json:"sourceId,omitempty"`
	SourceName     string                 `json:"sourceName,omitempty"`
	ApprovalInfos  []histApprovalInfoJSON `json:"approvalInfos"`
}

type histAccessRequestJSON struct {
	RequesterID   string                `json:"requesterId"`
	RequesterName string                `json:"requesterName"`
	Items         []histRequestItemJSON `json:"items"`
}

type histAccessRequestedJSON struct {
	AccessRequest histAccessRequestJSON `json:"accessRequest"`
	IdentityID    string                `json:"identityId"`
	EventType     string                `json:"eventType"`
	DateTime      string                `json:"dateTime"`
}

func (e *histAccessRequested) json(p *identity, at time.Time) any {
	q := e.req
	item := histRequestItemJSON{Operation: q.operation, AccessItemType: q.kind.String(), Name: q.name, Decision: "REJECTED",
		Description: q.description, ApprovalInfos: []histApprovalInfoJSON{{ID: q.approver.ID, Name: q.approver.DisplayName, Status: "Rejected"}}}
	if q.approved {
		item.Decision, item.ApprovalInfos[0].Status = "APPROVED", "Approved"
	}
	if q.source != nil {
		item.SourceID, item.SourceName = q.source.id, q.source.name
	}
	return histAccessRequestedJSON{
		AccessRequest: histAccessRequestJSON{RequesterID: q.requester.ID, RequesterName: q.requester.DisplayName, Items: []histRequestItemJSON{item}},
		IdentityID:    p.ID, EventType: e.eventType(), DateTime: formatTime(at),
	}
}

type histAccountRefJSON struct {
	ID               string `json:"id"`
	NativeIdentity   string `json:"nativeIdentity"`
	DisplayName      string `json:"displayName"`
	SourceID         string `json:"sourceId"`
	SourceName       string `json:"sourceName"`
	EntitlementCount int    `json:"entitlementCount"`
	AccessType       string `json:"accessType"`
}

type histStatusChangeJSON struct {
	PreviousStatus string `json:"previousStatus"`
	NewStatus      string `json:"newStatus"`
}

type histAccountStatusChangedJSON struct {
	EventType    string               `json:"eventType"`
	IdentityID   string               `json:"identityId"`
	DateTime     string               `json:"dateTime"`
	Account      histAccountRefJSON   `json:"account"`
	StatusChange histStatusChangeJSON `json:"statusChange"`
}

func (e *histAccountStatusChanged) json(p *identity, at time.Time) any {
	a := e.account
	return histAccountStatusChangedJSON{
		EventType: e.eventType(), IdentityID: p.ID, DateTime: formatTime(at),
		Account: histAccountRefJSON{ID: a.id, NativeIdentity: a.nativeIdentity, DisplayName: a.name, SourceID: a.source.id,
			SourceName: a.source.name, EntitlementCount: e.entCount, AccessType: histKindAccount.String()},
		StatusChange: histStatusChangeJSON{PreviousStatus: e.old, NewStatus: e.new},
	}
}

package resolvers

import (
	"strings"

	"github.com/sailgraph/sailgraph/graph/model"
	"github.com/sailgraph/sailgraph/upstream/history"
)

// This file maps the history client's identity events to the graph's
// models.

// identityEvent maps one event to its kind's model. The client's Event is
// sealed to the six kinds below; nil would mean a seventh.
func identityEvent(ev history.Event) model.IdentityEvent {
	b := ev.Base()
	switch v := ev.(type) {
	case *history.IdentityCertified:
		return &model.IdentityCertified{
			IdentityID: b.IdentityID, EventType: b.EventType, DateTime: b.DateTime,
			CertificationID: v.CertificationID, CertificationName: v.CertificationName, SignedDate: v.SignedDate,
			Certifiers: people(v.Certifiers), Reviewers: people(v.Reviewers), Signer: person(v.Signer),
		}
	case *history.AccessItemAssociated:
		return &model.AccessItemAssociated{
			IdentityID: b.IdentityID, EventType: b.EventType, DateTime: b.DateTime,
			AccessItem: accessItem(v.Item), GovernanceEvent: governanceEvent(v.GovernanceEvent),
		}
	case *history.AccessItemRemoved:
		return &model.AccessItemRemoved{
			IdentityID: b.IdentityID, EventType: b.EventType, DateTime: b.DateTime,
			AccessItem: accessItem(v.Item), GovernanceEvent: governanceEvent(v.GovernanceEvent),
		}
	case *history.AttributesChanged:
		changes := make([]*model.AttributeChange, len(v.Changes))
		for i, c := range v.Changes {
			changes[i] = &model.AttributeChange{Name: c.Name, PreviousValue: optional(c.PreviousValue), NewValue: optional(c.NewValue)}
		}
		return &model.AttributesChanged{IdentityID: b.IdentityID, EventType: b.EventType, DateTime: b.DateTime, AttributeChanges: changes}
	case *history.AccessRequested:
		return &model.AccessRequested{
			IdentityID: b.IdentityID, EventType: b.EventType, DateTime: b.DateTime,
			AccessRequest: accessRequest(v.Request),
		}
	case *history.AccountStatusChanged:
		return &model.AccountStatusChanged{
			IdentityID: b.IdentityID, EventType: b.EventType, DateTime: b.DateTime,
			Account: accountOf(v.Account),
			StatusChange: &model.AccountStatusChange{
				PreviousStatus: accountStatus(v.PreviousStatus),
				NewStatus:      accountStatus(v.NewStatus),
			},
		}
	}
	return nil
}

func person(c *history.Certifier) *model.Person {
	if c == nil {
		return nil
	}
	return &model.Person{ID: c.ID, DisplayName: optional(c.DisplayName)}
}

func people(cs []history.Certifier) []*model.Person {
	out := make([]*model.Person, len(cs))
	for i := range cs {
		out[i] = person(&cs[i])
	}
	return out
}

func governanceEvent(g *history.GovernanceEvent) *model.GovernanceEvent {
	if g == nil {
		return nil
	}
	out := &model.GovernanceEvent{
		Name: optional(g.Name), DateTime: g.DateTime, GovernanceID: optional(g.GovernanceID),
		Owners: people(g.Owners), Reviewers: people(g.Reviewers), DecisionMaker: person(g.DecisionMaker),
	}
	switch g.Type {
	case "certification":
		t := model.GovernanceEventTypeCertification
		out.Type = &t
	case "accessRequest":
		t := model.GovernanceEventTypeAccessRequest
		out.Type = &t
	}
	return out
}

func accessRequest(r history.AccessRequest) *model.AccessRequest {
	items := make([]*model.AccessRequestItem, len(r.Items))
	for i, it := range r.Items {
		approvals := make([]*model.ApprovalInfo, len(it.ApprovalInfos))
		for j, a := range it.ApprovalInfos {
			approvals[j] = &model.ApprovalInfo{ID: optional(a.ID), Name: optional(a.Name), Status: optional(a.Status)}
		}
		item := &model.AccessRequestItem{
			Operation: optional(it.Operation), Name: optional(it.Name), Description: optional(it.Description),
			SourceID: optional(it.SourceID), SourceName: optional(it.SourceName), ApprovalInfos: approvals,
		}
		if t, ok := history.ParseAccessType(it.AccessItemType); ok {
			if gt, ok := graphType(t); ok {
				item.AccessItemType = &gt
			}
		}
		if d := model.AccessRequestDecision(strings.ToUpper(it.Decision)); d.IsValid() {
			item.Decision = &d
		}
		items[i] = item
	}
	return &model.AccessRequest{RequesterID: optional(r.RequesterID), RequesterName: optional(r.RequesterName), Items: items}
}

// accountStatus maps enabled, disabled and locked; nil for anything else.
func accountStatus(s string) *model.AccountStatus {
	st := model.AccountStatus(strings.ToUpper(s))
	if !st.IsValid() {
		return nil
	}
	return &st
}

package resolvers

import (
	"time"

	"github.com/sailgraph/sailgraph/graph/model"
	"github.com/sailgraph/sailgraph/upstream/history"
)

// This file maps the history client's identities and access items to the
// graph's models.

// accessTypes pairs the graph's access item types with the client's, in
// the order the schema lists them.
var accessTypes = []struct {
	graph    model.AccessItemType
	upstream history.AccessType
}{
	{model.AccessItemTypeAccount, history.Account},
	{model.AccessItemTypeEntitlement, history.Entitlement},
	{model.AccessItemTypeApp, history.App},
	{model.AccessItemTypeAccessProfile, history.AccessProfile},
	{model.AccessItemTypeRole, history.Role},
}

// upstreamType is t for the history client; nil gives 0, "the
// operation's default".
func upstreamType(t *model.AccessItemType) history.AccessType {
	if t == nil {
		return 0
	}
	for _, p := range accessTypes {
		if p.graph == *t {
			return p.upstream
		}
	}
	return 0
}

func upstreamTypes(ts []model.AccessItemType) []history.AccessType {
	out := make([]history.AccessType, len(ts))
	for i := range ts {
		out[i] = upstreamType(&ts[i])
	}
	return out
}

// graphType is t for the graph; ok is false for a type the schema lacks.
func graphType(t history.AccessType) (model.AccessItemType, bool) {
	for _, p := range accessTypes {
		if p.upstream == t {
			return p.graph, true
		}
	}
	return "", false
}

func identityFromSummary(s history.IdentitySummary) *model.Identity {
	active := s.Active
	return &model.Identity{
		ID:          s.ID,
		DisplayName: s.DisplayName,
		FirstName:   optional(s.FirstName),
		LastName:    optional(s.LastName),
		Active:      &active,
		DeletedDate: s.DeletedDate,
	}
}

func identityFromDetail(h *history.Identity) *model.Identity {
	return &model.Identity{ID: h.ID, DisplayName: h.DisplayName, DeletedDate: h.DeletedDate, Detail: detailOf(h)}
}

func detailOf(h *history.Identity) *model.IdentityDetail {
	return &model.IdentityDetail{
		DisplayName:      h.DisplayName,
		SnapshotDate:     h.Snapshot,
		DeletedDate:      h.DeletedDate,
		AccessItemCounts: accessItemCounts(h.AccessItemCount),
		Attributes:       h.Attributes,
	}
}

// accessItemCounts lists the counts in the schema's type order; a type
// the tenant does not mention counts 0.
func accessItemCounts(m map[history.AccessType]int) []*model.AccessItemCount {
	out := make([]*model.AccessItemCount, 0, len(accessTypes))
	for _, p := range accessTypes {
		out = append(out, &model.AccessItemCount{Type: p.graph, Count: m[p.upstream]})
	}
	return out
}

// accessItem maps one access item to its kind's model.
func accessItem(it history.AccessItem) model.AccessItem {
	b := it.Base()
	typ, _ := graphType(it.Type())
	id, name, source := b.ID, optional(b.DisplayName), optional(b.SourceName)
	switch v := it.(type) {
	case *history.AccountItem:
		return accountOf(*v)
	case *history.EntitlementItem:
		return &model.Entitlement{
			ID: id, DisplayName: name, SourceName: source, AccessType: typ,
			Attribute: optional(v.Attribute), Value: optional(v.Value), EntitlementType: optional(v.EntitlementType),
			Description: optional(v.Description), SourceID: optional(v.SourceID),
			Standalone: v.Standalone, Privileged: v.Privileged, CloudGoverned: v.CloudGoverned,
		}
	case *history.AppItem:
		return &model.App{ID: id, DisplayName: name, SourceName: source, AccessType: typ, AppRoleID: optional(v.AppRoleID)}
	case *history.AccessProfileItem:
		refs := make([]*model.AppRef, len(v.AppRefs))
		for i, r := range v.AppRefs {
			refs[i] = &model.AppRef{CloudAppID: r.CloudAppID, CloudAppName: optional(r.CloudAppName)}
		}
		count := v.EntitlementCount
		return &model.AccessProfile{
			ID: id, DisplayName: name, SourceName: source, AccessType: typ,
			Description: optional(v.Description), SourceID: optional(v.SourceID), EntitlementCount: &count,
			AppRefs: refs, StartDate: v.StartDate, RemoveDate: v.RemoveDate, Standalone: v.Standalone, Revocable: v.Revocable,
		}
	case *history.RoleItem:
		revocable := v.Revocable
		return &model.Role{
			ID: id, DisplayName: name, SourceName: source, AccessType: typ,
			Description: optional(v.Description), StartDate: v.StartDate, RemoveDate: v.RemoveDate, Revocable: &revocable,
		}
	}
	// An access item kind the client added after this mapping: keep the
	// common fields rather than lose the item.
	return &model.Account{ID: id, DisplayName: name, SourceName: source, AccessType: typ}
}

func accountOf(v history.AccountItem) *model.Account {
	count := v.EntitlementCount
	return &model.Account{
		ID: v.ID, DisplayName: optional(v.DisplayName), SourceName: optional(v.SourceName), AccessType: model.AccessItemTypeAccount,
		NativeIdentity: optional(v.NativeIdentity), SourceID: optional(v.SourceID), EntitlementCount: &count,
	}
}

func accessItems(its []history.AccessItem) []model.AccessItem {
	out := make([]model.AccessItem, len(its))
	for i, it := range its {
		out[i] = accessItem(it)
	}
	return out
}

func metricOf(m history.Metric) *model.Metric {
	out := &model.Metric{Name: m.Name, Value: m.Value}
	if t, err := time.Parse(time.RFC3339Nano, m.Name); err == nil {
		out.Date = &t
	}
	return out
}

// changeCounts flattens the tenant's comparison objects into one count per
// access type, in the schema's type order; a type the tenant reports more
// than once is summed.
func changeCounts(cs []history.Comparison) []*model.AccessChangeCount {
	var out []*model.AccessChangeCount
	for _, p := range accessTypes {
		var sum *model.AccessChangeCount
		for _, c := range cs {
			ch, ok := c.AccessItemDiff[p.upstream]
			if !ok {
				continue
			}
			if sum == nil {
				sum = &model.AccessChangeCount{AccessType: p.graph}
				out = append(out, sum)
			}
			sum.Added += ch.Added
			sum.Removed += ch.Removed
		}
	}
	return out
}

func accessDiffOf(d history.AccessItemDiff) *model.AccessItemDiff {
	change := model.AccessChangeAdd
	if d.EventType == history.DiffRemove {
		change = model.AccessChangeRemove
	}
	return &model.AccessItemDiff{ID: d.ID, Change: change, DisplayName: optional(d.DisplayName), SourceName: optional(d.SourceName)}
}

// optional is s for a nullable field: "" (not sent) is null.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// deref is *s, or "" for nil.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

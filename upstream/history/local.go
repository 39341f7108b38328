package history

import (
	"cmp"
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// listIdentityAccessItemsV1 has no filters, sorters or query: the tenant
// refuses them. To answer as legacy does, the client reads the whole list
// in pages of op.MaxPageSize, in the tenant's own order (by name, then
// id), and applies the filter, search, sort and paging itself, with the
// tenant's semantics:
//
//   - filters (eq only, all must hold): source matches the item's source
//     name (ignoring case) or source id, and never a role, which has no
//     source; attribute matches an entitlement's attribute (ignoring
//     case); standalone holds for entitlements and access profiles only,
//     privileged and cloudGoverned for entitlements only;
//   - query: a substring, ignoring case, of the name and, by kind, the
//     description (access profiles, roles, entitlements), the native
//     identity (accounts) or the value (entitlements);
//   - sorters: stable, on the list's own order; a field the kind lacks is
//     its zero value ("", false, 0, no date first); booleans false first;
//   - paging: offset and limit (default MaxPageSize) over what is left,
//     X-Total-Count's total when count was asked.
//
// One case cannot be told from v1's answer: an app's source id (the app
// item has only its source's name), so `source eq <an app's source id>`
// matches apps by name only.
const maxLocalPages = 40 // 10,000 items

// accessItemsLocally is ListAccessItems in v1 with filters, sorters or a
// query.
func (c *Client) accessItemsLocally(ctx context.Context, id string, p AccessItemsParams) (isc.Page[AccessItem], error) {
	var all []AccessItem
	for page := 0; ; page++ {
		if page == maxLocalPages {
			return isc.Page[AccessItem]{}, isc.Invalid("filters",
				"the tenant's v1 API cannot filter, sort or search access items, and the gateway does it only for identities with at most %d items of a type; ask without filter, orderBy and query, or use the legacy API for identity history (SAILGRAPH_UPSTREAM_API=history=legacy)",
				maxLocalPages*op.MaxPageSize)
		}
		q := url.Values{}
		if err := (isc.Paging{Limit: op.MaxPageSize, Offset: page * op.MaxPageSize}).Apply(q); err != nil {
			return isc.Page[AccessItem]{}, err
		}
		isc.SetString(q, "type", p.Type.String())
		got, err := c.accessItems(ctx, id, p.Type, q, op.V1)
		if err != nil {
			return isc.Page[AccessItem]{}, err
		}
		all = append(all, got.Items...)
		if len(got.Items) < op.MaxPageSize {
			break
		}
	}
	kept := make([]AccessItem, 0, len(all))
	search := strings.ToLower(p.Query)
	for _, it := range all {
		if itemMatches(it, p.Filter) && (search == "" || itemContains(it, search)) {
			kept = append(kept, it)
		}
	}
	if len(p.Sort) > 0 {
		slices.SortStableFunc(kept, func(a, b AccessItem) int {
			for _, k := range p.Sort {
				c := compareItems(a, b, k.Field)
				if k.Desc {
					c = -c
				}
				if c != 0 {
					return c
				}
			}
			return 0
		})
	}
	limit := p.Limit
	if limit == 0 {
		limit = op.MaxPageSize
	}
	start := min(p.Offset, len(kept))
	end := min(start+limit, len(kept))
	out := isc.Page[AccessItem]{Items: kept[start:end:end]}
	if p.Count {
		out.Total, out.HasTotal = len(kept), true
	}
	return out, nil
}

// itemMatches reports whether it satisfies every term of f (eq terms,
// checked by Encode).
func itemMatches(it AccessItem, f isc.Filter[ItemField]) bool {
	for _, t := range f {
		want := t.Values[0].Text()
		b, _ := strconv.ParseBool(want)
		var ok bool
		switch t.Field {
		case ItemSource:
			if it.Type() != Role {
				sid, has := sourceID(it)
				ok = strings.EqualFold(it.Base().SourceName, want) || (has && sid == want)
			}
		case ItemAttribute:
			e, isEnt := it.(*EntitlementItem)
			ok = isEnt && strings.EqualFold(e.Attribute, want)
		case ItemStandalone:
			s, has := standalone(it)
			ok = has && s == b
		case ItemPrivileged:
			e, isEnt := it.(*EntitlementItem)
			ok = isEnt && isTrue(e.Privileged) == b
		case ItemCloudGoverned:
			e, isEnt := it.(*EntitlementItem)
			ok = isEnt && isTrue(e.CloudGoverned) == b
		}
		if !ok {
			return false
		}
	}
	return true
}

// itemContains reports whether any searched field of it contains q
// (already lower case), ignoring case.
func itemContains(it AccessItem, q string) bool {
	fields := []string{it.Base().DisplayName}
	switch v := it.(type) {
	case *AccessProfileItem:
		fields = append(fields, v.Description)
	case *RoleItem:
		fields = append(fields, v.Description)
	case *AccountItem:
		fields = append(fields, v.NativeIdentity)
	case *EntitlementItem:
		fields = append(fields, v.Value, v.Description)
	}
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), q) {
			return true
		}
	}
	return false
}

// compareItems compares two items of one list on one sorter field.
func compareItems(a, b AccessItem, field ItemSortField) int {
	switch field {
	case SortName:
		return strings.Compare(a.Base().DisplayName, b.Base().DisplayName)
	case SortValue:
		return strings.Compare(entitlement(a).Value, entitlement(b).Value)
	case SortStandalone:
		sa, _ := standalone(a)
		sb, _ := standalone(b)
		return compareBool(sa, sb)
	case SortPrivileged:
		return compareBool(isTrue(entitlement(a).Privileged), isTrue(entitlement(b).Privileged))
	case SortAttribute:
		return strings.Compare(entitlement(a).Attribute, entitlement(b).Attribute)
	case SortSource:
		return strings.Compare(a.Base().SourceName, b.Base().SourceName)
	case SortCloudGoverned:
		return compareBool(isTrue(entitlement(a).CloudGoverned), isTrue(entitlement(b).CloudGoverned))
	case SortRemoveDate:
		return removeDate(a).Compare(removeDate(b))
	case SortNativeIdentity:
		return strings.Compare(nativeIdentity(a), nativeIdentity(b))
	case SortEntitlementCount:
		return cmp.Compare(entitlementCount(a), entitlementCount(b))
	}
	return 0
}

var noEntitlement EntitlementItem

// entitlement returns it as an entitlement, or one with every field zero.
func entitlement(it AccessItem) *EntitlementItem {
	if e, ok := it.(*EntitlementItem); ok {
		return e
	}
	return &noEntitlement
}

// sourceID is the item's source id, and whether its kind carries one.
func sourceID(it AccessItem) (string, bool) {
	switch v := it.(type) {
	case *AccountItem:
		return v.SourceID, true
	case *EntitlementItem:
		return v.SourceID, true
	case *AccessProfileItem:
		return v.SourceID, true
	}
	return "", false
}

// standalone is the item's standalone flag, and whether its kind has one.
func standalone(it AccessItem) (bool, bool) {
	switch v := it.(type) {
	case *EntitlementItem:
		return isTrue(v.Standalone), true
	case *AccessProfileItem:
		return isTrue(v.Standalone), true
	}
	return false, false
}

func removeDate(it AccessItem) time.Time {
	var d *time.Time
	switch v := it.(type) {
	case *RoleItem:
		d = v.RemoveDate
	case *AccessProfileItem:
		d = v.RemoveDate
	}
	if d == nil {
		return time.Time{}
	}
	return *d
}

func nativeIdentity(it AccessItem) string {
	if a, ok := it.(*AccountItem); ok {
		return a.NativeIdentity
	}
	return ""
}

func entitlementCount(it AccessItem) int {
	switch v := it.(type) {
	case *AccountItem:
		return v.EntitlementCount
	case *AccessProfileItem:
		return v.EntitlementCount
	}
	return 0
}

func isTrue(b *bool) bool { return b != nil && *b }

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

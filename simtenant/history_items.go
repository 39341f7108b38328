package simtenant

import (
	"cmp"
	"strconv"
	"strings"
)

// Collection semantics of listIdentityAccessItems: its filters, sorters
// and query over one access-item type.

var histItemFilters = filterSpec{
	"source":        {"eq"},
	"standalone":    {"eq"},
	"privileged":    {"eq"},
	"attribute":     {"eq"},
	"cloudGoverned": {"eq"},
}

var histItemSorters = []string{"name", "value", "standalone", "privileged", "attribute", "source", "cloudGoverned", "removeDate", "nativeIdentity", "entitlementCount"}

// Fields of an item as filters, sorters and query see them; a field the
// item's type lacks reads as the zero value.

func (h *histHeld) value() string {
	if h.kind == histKindEntitlement {
		return h.ent.value
	}
	return ""
}

func (h *histHeld) attribute() string {
	if h.kind == histKindEntitlement {
		return h.ent.source.attribute
	}
	return ""
}

func (h *histHeld) privileged() bool    { return h.kind == histKindEntitlement && h.ent.privileged }
func (h *histHeld) cloudGoverned() bool { return h.kind == histKindEntitlement && h.ent.cloudGoverned }

func (h *histHeld) nativeIdentity() string {
	if h.kind == histKindAccount {
		return h.account.nativeIdentity
	}
	return ""
}

func (h *histHeld) entitlementCount() int {
	switch h.kind {
	case histKindAccount:
		return h.entCount
	case histKindAccessProfile:
		return len(h.profile.entitlements)
	}
	return 0
}

func (h *histHeld) description() string {
	var d *string
	switch h.kind {
	case histKindAccessProfile:
		d = h.profile.description
	case histKindEntitlement:
		d = h.ent.description
	case histKindRole:
		return h.role.description
	}
	if d == nil {
		return ""
	}
	return *d
}

// searchFields are the fields the query parameter searches, per type.
func (h *histHeld) searchFields() []string {
	switch h.kind {
	case histKindAccessProfile, histKindRole:
		return []string{h.name(), h.description()}
	case histKindAccount:
		return []string{h.name(), h.nativeIdentity()}
	case histKindEntitlement:
		return []string{h.name(), h.value(), h.description()}
	}
	return []string{h.name()}
}

// histValidateItemFilters checks the values of parsed filters: the boolean
// fields take true or false.
func histValidateItemFilters(conds []cond) *apiError {
	for _, c := range conds {
		switch c.field {
		case "standalone", "privileged", "cloudGoverned":
			if _, err := strconv.ParseBool(c.values[0]); err != nil {
				return badRequest("invalid filters: %s takes true or false, got %q", c.field, c.values[0])
			}
		}
	}
	return nil
}

// matches reports whether h satisfies every cond (already validated).
func (h *histHeld) matches(conds []cond) bool {
	for _, c := range conds {
		want := c.values[0]
		var ok bool
		switch c.field {
		case "source":
			s := h.source()
			ok = s != nil && (strings.EqualFold(s.name, want) || s.id == want)
		case "attribute":
			ok = h.kind == histKindEntitlement && strings.EqualFold(h.attribute(), want)
		case "standalone":
			b, _ := strconv.ParseBool(want)
			ok = (h.kind == histKindEntitlement || h.kind == histKindAccessProfile) && h.standalone == b
		case "privileged":
			b, _ := strconv.ParseBool(want)
			ok = h.kind == histKindEntitlement && h.privileged() == b
		case "cloudGoverned":
			b, _ := strconv.ParseBool(want)
			ok = h.kind == histKindEntitlement && h.cloudGoverned() == b
		}
		if !ok {
			return false
		}
	}
	return true
}

// contains reports whether any searched field contains q, ignoring case.
func (h *histHeld) contains(q string) bool {
	q = strings.ToLower(q)
	for _, f := range h.searchFields() {
		if strings.Contains(strings.ToLower(f), q) {
			return true
		}
	}
	return false
}

// histCompareField compares two items on one sorter field.
func histCompareField(a, b *histHeld, field string) int {
	switch field {
	case "name":
		return strings.Compare(a.name(), b.name())
	case "value":
		return strings.Compare(a.value(), b.value())
	case "standalone":
		return histCompareBool(a.standalone, b.standalone)
	case "privileged":
		return histCompareBool(a.privileged(), b.privileged())
	case "attribute":
		return strings.Compare(a.attribute(), b.attribute())
	case "source":
		return strings.Compare(a.sourceName(), b.sourceName())
	case "cloudGoverned":
		return histCompareBool(a.cloudGoverned(), b.cloudGoverned())
	case "removeDate":
		return a.removeDate.Compare(b.removeDate)
	case "nativeIdentity":
		return strings.Compare(a.nativeIdentity(), b.nativeIdentity())
	case "entitlementCount":
		return cmp.Compare(a.entitlementCount(), b.entitlementCount())
	}
	return 0
}

func histCompareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

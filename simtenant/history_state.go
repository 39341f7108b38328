package simtenant

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// histKind is one of the five access-item types.
type histKind uint8

const (
	histKindAccessProfile histKind = iota
	histKindAccount
	histKindApp
	histKindEntitlement
	histKindRole
	histKinds = 5
)

// histKindNames are the types' names as the API spells them.
var histKindNames = [histKinds]string{"accessProfile", "account", "app", "entitlement", "role"}

func (k histKind) String() string { return histKindNames[k] }

// histKindByName parses an access-item type as the API spells it.
func histKindByName(s string) (histKind, bool) {
	i := slices.Index(histKindNames[:], s)
	return histKind(i), i >= 0
}

// histGrant is one direct assignment of a role, access profile or
// entitlement to an identity, held over [from, until). Accounts and apps
// are never granted: they follow from the entitlements and profiles held.
type histGrant struct {
	role    *histRole
	profile *histProfile
	ent     *histEntitlement

	from, until time.Time // a zero until: held for good
	requested   bool      // by an access request, so revocable (birthright is not)
	sunset      bool      // until is a removal date set when it was granted
}

func (g *histGrant) activeAt(t time.Time) bool {
	return !t.Before(g.from) && (g.until.IsZero() || t.Before(g.until))
}

func (g *histGrant) id() string {
	switch {
	case g.role != nil:
		return g.role.id
	case g.profile != nil:
		return g.profile.id
	}
	return g.ent.id
}

func (g *histGrant) name() string {
	switch {
	case g.role != nil:
		return g.role.name
	case g.profile != nil:
		return g.profile.name
	}
	return g.ent.name
}

func (g *histGrant) kind() histKind {
	switch {
	case g.role != nil:
		return histKindRole
	case g.profile != nil:
		return histKindAccessProfile
	}
	return histKindEntitlement
}

// end ends the grant at t unless it already ends earlier.
func (g *histGrant) end(t time.Time) {
	if g.until.IsZero() || t.Before(g.until) {
		g.until, g.sunset = t, false
	}
}

// histHeld is one access item an identity holds at some instant, directly
// or through a role or access profile. Exactly one of the pointers is set,
// as kind says.
type histHeld struct {
	kind    histKind
	profile *histProfile
	account *histAccount
	app     *histApp
	ent     *histEntitlement
	role    *histRole

	standalone bool      // profiles, entitlements: assigned directly
	revocable  bool      // profiles, roles: can be revoked by themselves
	removeDate time.Time // roles: the scheduled end of the assignment, if any
	entCount   int       // accounts: entitlements held on the account's source
}

func (h *histHeld) id() string {
	switch h.kind {
	case histKindAccessProfile:
		return h.profile.id
	case histKindAccount:
		return h.account.id
	case histKindApp:
		return h.app.id
	case histKindEntitlement:
		return h.ent.id
	}
	return h.role.id
}

func (h *histHeld) name() string {
	switch h.kind {
	case histKindAccessProfile:
		return h.profile.name
	case histKindAccount:
		return h.account.name
	case histKindApp:
		return h.app.name
	case histKindEntitlement:
		return h.ent.name
	}
	return h.role.name
}

// source returns the item's source, or nil for a role.
func (h *histHeld) source() *histSource {
	switch h.kind {
	case histKindAccessProfile:
		return h.profile.source
	case histKindAccount:
		return h.account.source
	case histKindApp:
		return h.app.source
	case histKindEntitlement:
		return h.ent.source
	}
	return nil
}

func (h *histHeld) sourceName() string {
	if s := h.source(); s != nil {
		return s.name
	}
	return ""
}

// histState is everything an identity holds at an instant, by item id.
type histState map[string]*histHeld

// stateAt is what tl's identity holds at t: its grants active at t,
// expanded (roles to profiles, profiles to entitlements and apps), plus an
// account on every source it holds entitlements on.
func (tl *histTimeline) stateAt(t time.Time) histState {
	s := histState{}
	for _, g := range tl.grants {
		if !g.activeAt(t) {
			continue
		}
		switch {
		case g.role != nil:
			h := &histHeld{kind: histKindRole, role: g.role, revocable: g.requested}
			if g.sunset {
				h.removeDate = g.until
			}
			s[g.role.id] = h
			for _, p := range g.role.profiles {
				s.addProfile(p, false)
			}
		case g.profile != nil:
			s.addProfile(g.profile, true)
		default:
			s.addEntitlement(g.ent, true)
		}
	}
	perSource := map[*histSource]int{}
	for _, h := range s {
		if h.kind == histKindEntitlement {
			perSource[h.ent.source]++
		}
	}
	for src, n := range perSource {
		acct := tl.accounts[src]
		s[acct.id] = &histHeld{kind: histKindAccount, account: acct, entCount: n}
	}
	return s
}

func (s histState) addProfile(p *histProfile, direct bool) {
	h, ok := s[p.id]
	if !ok {
		h = &histHeld{kind: histKindAccessProfile, profile: p}
		s[p.id] = h
	}
	h.standalone = h.standalone || direct
	h.revocable = h.standalone
	for _, e := range p.entitlements {
		s.addEntitlement(e, false)
	}
	for _, a := range p.apps {
		if _, ok := s[a.id]; !ok {
			s[a.id] = &histHeld{kind: histKindApp, app: a}
		}
	}
}

func (s histState) addEntitlement(e *histEntitlement, direct bool) {
	h, ok := s[e.id]
	if !ok {
		h = &histHeld{kind: histKindEntitlement, ent: e}
		s[e.id] = h
	}
	h.standalone = h.standalone || direct
}

// items returns the held items, sorted by type, name and id.
func (s histState) items() []*histHeld {
	out := make([]*histHeld, 0, len(s))
	for _, h := range s {
		out = append(out, h)
	}
	slices.SortFunc(out, histCompareHeld)
	return out
}

// counts returns how many items of each type s holds, every type present.
func (s histState) counts() map[string]int {
	out := make(map[string]int, histKinds)
	for _, n := range histKindNames {
		out[n] = 0
	}
	for _, h := range s {
		out[h.kind.String()]++
	}
	return out
}

func histCompareHeld(a, b *histHeld) int {
	return cmp.Or(cmp.Compare(a.kind, b.kind), strings.Compare(a.name(), b.name()), strings.Compare(a.id(), b.id()))
}

// histDiff returns the items in after but not before (added) and in before
// but not after (removed), each sorted by type, name and id.
func histDiff(before, after histState) (added, removed []*histHeld) {
	for id, h := range after {
		if _, ok := before[id]; !ok {
			added = append(added, h)
		}
	}
	for id, h := range before {
		if _, ok := after[id]; !ok {
			removed = append(removed, h)
		}
	}
	slices.SortFunc(added, histCompareHeld)
	slices.SortFunc(removed, histCompareHeld)
	return added, removed
}

// accountsHeld returns the accounts in s, sorted by name and id.
func (s histState) accountsHeld() []*histHeld {
	var out []*histHeld
	for _, h := range s.items() {
		if h.kind == histKindAccount {
			out = append(out, h)
		}
	}
	return out
}

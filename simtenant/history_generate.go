package simtenant

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"time"
)

var (
	histTitles    = []string{"Analyst", "Senior Analyst", "Engineer", "Senior Engineer", "Specialist", "Coordinator", "Manager", "Director"}
	histLocations = []string{"NYC", "Austin", "London", "Berlin", "Singapore", "Toronto", "Sydney", "Remote"}
)

// histBuilder makes one timeline.
type histBuilder struct {
	store  *historyStore
	r      *rand.Rand
	p      *identity
	tl     *histTimeline
	attrs  map[string]string         // current attributes while generating
	causes map[int64]*histGovernance // governance behind the grant changes at an instant (unix ms)
	seq    int
}

// Mean time between two actions on an identity (requests, reviews,
// attribute changes, lockouts).
const histMeanGap = 15 * histDay

func (h *historyStore) generateTimeline(p *identity) *histTimeline {
	r := rand.New(rand.NewPCG(h.seed, histStreamTimeline+uint64(p.index)))
	b := &histBuilder{
		store:  h,
		r:      r,
		p:      p,
		tl:     &histTimeline{p: p, accounts: map[*histSource]*histAccount{}},
		causes: map[int64]*histGovernance{},
	}
	for _, s := range h.catalog.sources {
		b.tl.accounts[s] = s.accountFor(r, p)
	}
	b.startAttributes()
	if p.service() {
		b.grant(&histGrant{ent: h.catalog.serviceBase, from: p.StartDate})
	} else {
		b.grant(&histGrant{role: h.catalog.birthright, from: p.StartDate})
	}
	end := h.horizon
	if p.InactiveDate != nil {
		end = *p.InactiveDate
	}
	// Actions stop two days before the end, so that their follow-ups (a
	// grant after an approval, an unlock after a lockout, within 48 hours)
	// land before it.
	for t := p.StartDate; ; {
		t = t.Add(max(time.Hour, time.Duration(r.ExpFloat64()*float64(histMeanGap)))).Truncate(time.Millisecond)
		if !t.Add(2 * histDay).Before(end) {
			break
		}
		switch u := r.IntN(100); {
		case u < 45:
			b.requestAccess(t)
		case u < 60:
			b.requestRemoval(t)
		case u < 72:
			b.certify(t)
		case u < 85:
			b.changeAttributes(t)
		default:
			t = b.lockout(t)
		}
	}
	if p.InactiveDate != nil {
		b.deactivate(*p.InactiveDate)
	}
	if p.DeletedDate != nil {
		for _, g := range b.tl.grants {
			g.end(*p.DeletedDate)
		}
	}
	b.deriveItemEvents()
	slices.SortFunc(b.tl.events, func(a, b histEvent) int { return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.seq, b.seq)) })
	return b.tl
}

func (b *histBuilder) emit(at time.Time, d histEventData) {
	b.tl.events = append(b.tl.events, histEvent{at: at, seq: b.seq, data: d})
	b.seq++
}

func (b *histBuilder) grant(g *histGrant) { b.tl.grants = append(b.tl.grants, g) }

func (b *histBuilder) person(i int) *identity { return b.store.people[i] }

func (b *histBuilder) startAttributes() {
	p, r := b.p, b.r
	a := map[string]string{
		"email":               p.email,
		"department":          histAreas[r.IntN(len(histAreas))],
		"jobTitle":            histTitles[r.IntN(len(histTitles))],
		"location":            histLocations[r.IntN(len(histLocations))],
		"cloudLifecycleState": "active",
		"manager":             b.person(p.manager).DisplayName,
	}
	if !p.service() {
		a["firstname"], a["lastname"] = p.FirstName, p.LastName
		a["employeeNumber"] = fmt.Sprintf("E%06d", 1000+p.index)
	}
	b.tl.attrs0, b.attrs = a, maps.Clone(a)
}

func (b *histBuilder) setAttributes(t time.Time, kv ...string) {
	var changes []histAttrChange
	for i := 0; i+1 < len(kv); i += 2 {
		name, v := kv[i], kv[i+1]
		if old := b.attrs[name]; old != v {
			changes = append(changes, histAttrChange{at: t, name: name, old: old, new: v})
			b.attrs[name] = v
		}
	}
	if len(changes) > 0 {
		b.tl.attrChanges = append(b.tl.attrChanges, changes...)
		b.emit(t, &histAttributesChanged{changes: changes})
	}
}

// openRequested returns the grants held at t that were requested and have
// no end yet: what may still be requested away or revoked.
func (b *histBuilder) openRequested(t time.Time) []*histGrant {
	var out []*histGrant
	for _, g := range b.tl.grants {
		if g.requested && g.until.IsZero() && !g.from.After(t) {
			out = append(out, g)
		}
	}
	return out
}

func (b *histBuilder) holdsDirectly(id string, t time.Time) bool {
	for _, g := range b.tl.grants {
		if (g.until.IsZero() || g.until.After(t)) && g.id() == id {
			return true
		}
	}
	return false
}

// requestAccess: someone asks for a role, profile or entitlement the
// identity does not have yet; the manager approves (usually) and it is
// granted some time later.
func (b *histBuilder) requestAccess(t time.Time) {
	if len(b.openRequested(t)) >= 10 {
		b.requestRemoval(t)
		return
	}
	r, c := b.r, b.store.catalog
	from := histBetween(r, t.Add(time.Minute), t.Add(48*time.Hour))
	now, then := b.tl.stateAt(t), b.tl.stateAt(from)
	var g *histGrant
	for range 5 {
		cand := &histGrant{requested: true, from: from}
		switch u := r.IntN(10); {
		case u < 3:
			cand.role = c.roles[r.IntN(len(c.roles))]
		case u < 6:
			cand.profile = c.profiles[r.IntN(len(c.profiles))]
		default:
			cand.ent = c.entitlements[r.IntN(len(c.entitlements))]
		}
		id := cand.id()
		if now[id] == nil && then[id] == nil && !b.holdsDirectly(id, t) {
			g = cand
			break
		}
	}
	if g == nil {
		return
	}
	approved := r.IntN(100) < 85
	req := b.newRequest(t, "Add", g, approved)
	b.emit(t, &histAccessRequested{req: req})
	if !approved {
		return
	}
	if g.role != nil && r.IntN(6) == 0 {
		g.until, g.sunset = histBetween(r, g.from.Add(30*histDay), g.from.Add(240*histDay)), true
	}
	b.grant(g)
	b.causes[g.from.UnixMilli()] = req.governance(g.from)
}

// requestRemoval: someone asks for one requested grant to be removed.
func (b *histBuilder) requestRemoval(t time.Time) {
	open := b.openRequested(t)
	if len(open) == 0 {
		return
	}
	g := open[b.r.IntN(len(open))]
	approved := b.r.IntN(100) < 90
	req := b.newRequest(t, "Remove", g, approved)
	b.emit(t, &histAccessRequested{req: req})
	if approved {
		at := histBetween(b.r, t.Add(time.Minute), t.Add(24*time.Hour))
		g.end(at)
		b.causes[at.UnixMilli()] = req.governance(at)
	}
}

func (b *histBuilder) newRequest(t time.Time, op string, g *histGrant, approved bool) *histRequest {
	req := &histRequest{
		id: hexID32(b.r), operation: op, kind: g.kind(), name: g.name(),
		requester: b.p, approver: b.person(b.p.manager), approved: approved,
	}
	if b.r.IntN(3) == 0 {
		req.requester = req.approver
	}
	switch {
	case g.role != nil:
		req.description = g.role.description
	case g.profile != nil:
		req.source = g.profile.source
		if g.profile.description != nil {
			req.description = *g.profile.description
		}
	default:
		req.source = g.ent.source
		if g.ent.description != nil {
			req.description = *g.ent.description
		}
	}
	return req
}

// certify: the manager signs off the identity in a certification campaign,
// now and then revoking one requested grant.
func (b *histBuilder) certify(t time.Time) {
	quarter := (int(t.Month())-1)/3 + 1
	cert := &histCertification{
		id:        hexID32(b.r),
		name:      fmt.Sprintf("Q%d %d Manager Certification for %s", quarter, t.Year(), b.p.DisplayName),
		certifier: b.person(b.p.manager),
	}
	b.emit(t, &histIdentityCertified{cert: cert})
	if open := b.openRequested(t); len(open) > 0 && b.r.IntN(3) == 0 {
		g := open[b.r.IntN(len(open))]
		if g.from.Before(t) {
			g.end(t)
			b.causes[t.UnixMilli()] = cert.governance(t)
		}
	}
}

func (b *histBuilder) changeAttributes(t time.Time) {
	r := b.r
	switch r.IntN(3) {
	case 0:
		b.setAttributes(t, "department", histAreas[r.IntN(len(histAreas))], "jobTitle", histTitles[r.IntN(len(histTitles))])
	case 1:
		b.setAttributes(t, "jobTitle", histTitles[r.IntN(len(histTitles))])
	default:
		b.setAttributes(t, "location", histLocations[r.IntN(len(histLocations))])
	}
}

// lockout: one of the identity's accounts is locked, then unlocked some
// hours later. It returns the instant of the unlock, where the next action
// may start.
func (b *histBuilder) lockout(t time.Time) time.Time {
	accts := b.tl.stateAt(t).accountsHeld()
	if len(accts) == 0 {
		return t
	}
	a := accts[b.r.IntN(len(accts))]
	unlock := histBetween(b.r, t.Add(time.Hour), t.Add(48*time.Hour))
	b.emit(t, &histAccountStatusChanged{account: a.account, old: "enabled", new: "locked"})
	b.emit(unlock, &histAccountStatusChanged{account: a.account, old: "locked", new: "enabled"})
	return unlock
}

// deactivate: the identity's lifecycle state turns inactive and every
// account it holds is disabled.
func (b *histBuilder) deactivate(t time.Time) {
	b.setAttributes(t, "cloudLifecycleState", "inactive")
	for _, a := range b.tl.stateAt(t).accountsHeld() {
		b.emit(t, &histAccountStatusChanged{account: a.account, old: "enabled", new: "disabled"})
	}
}

// deriveItemEvents records an AccessItemAssociated or AccessItemRemoved
// event for every item that appears in or leaves the identity's access at
// each instant its grants change, and fills in the entitlement counts of
// account-status events. Events and snapshots are thereby consistent by
// construction.
func (b *histBuilder) deriveItemEvents() {
	var instants []time.Time
	for _, g := range b.tl.grants {
		instants = append(instants, g.from)
		if !g.until.IsZero() {
			instants = append(instants, g.until)
		}
	}
	slices.SortFunc(instants, time.Time.Compare)
	instants = slices.CompactFunc(instants, time.Time.Equal)
	before := histState{}
	for _, at := range instants {
		after := b.tl.stateAt(at)
		added, removed := histDiff(before, after)
		gov := b.causes[at.UnixMilli()]
		for _, h := range removed {
			b.emit(at, &histItemEvent{held: *h, governance: gov})
		}
		for _, h := range added {
			b.emit(at, &histItemEvent{associated: true, held: *h, governance: gov})
		}
		before = after
	}
	for _, e := range b.tl.events {
		if sc, ok := e.data.(*histAccountStatusChanged); ok {
			if h, held := b.tl.stateAt(e.at)[sc.account.id]; held {
				sc.entCount = h.entCount
			}
		}
	}
}

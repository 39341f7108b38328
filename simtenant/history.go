package simtenant

import (
	"sync"
	"time"
)

// historyStore holds the identity-history data set: a roster of identities
// and a catalog of access items made eagerly in New, and each identity's
// timeline (access grants, attribute changes, events) made on first use.
//
// All data derives from the seed, the roster size and the day the tenant
// was built, so two tenants built the same day from the same options serve
// the same answers. Everything is generated up to the start of that day
// (the horizon); only scheduled role removals lie beyond it, and they take
// effect when the tenant's clock passes them.
type historyStore struct {
	seed    uint64
	horizon time.Time
	catalog *histCatalog

	people []*identity          // in generation order; identity.index is the position
	listed []*identity          // sorted by display name, then id
	byID   map[string]*identity // by identity id

	timelines []histLazyTimeline // by identity.index
}

// histLazyTimeline caches one identity's timeline; once guards its making.
type histLazyTimeline struct {
	once sync.Once
	tl   *histTimeline
}

// identity is one identity of the roster, as the reports and role-mining
// data see it. Its lifecycle is fixed at generation; its attributes and
// access live in its timeline.
type identity struct {
	ID, DisplayName, FirstName, LastName string // FirstName and LastName are empty for service identities
	Active                               bool   // neither inactive nor deleted at the horizon
	DeletedDate                          *time.Time
	// StartDate is when the identity was created: its first snapshot.
	StartDate time.Time
	// InactiveDate is when the identity's lifecycle state became inactive
	// (always before DeletedDate for deleted identities).
	InactiveDate *time.Time

	index   int // position in historyStore.people; seeds the timeline
	manager int // index of the identity's manager (approver, certifier)
	email   string
}

// service reports whether the identity is a non-human one (no first or last name).
func (p *identity) service() bool { return p.FirstName == "" && p.LastName == "" }

func newHistoryStore(seed uint64, n int, now time.Time) *historyStore {
	horizon := now.UTC().Truncate(24 * time.Hour)
	people := histRoster(seed, n, horizon)
	h := &historyStore{
		seed:      seed,
		horizon:   horizon,
		catalog:   newHistCatalog(seed),
		people:    people,
		listed:    histSortedByName(people),
		byID:      make(map[string]*identity, len(people)),
		timelines: make([]histLazyTimeline, len(people)),
	}
	for _, p := range people {
		h.byID[p.ID] = p
	}
	return h
}

// listIdentities returns every identity, sorted by display name then id.
// The slice is shared: callers must not modify it.
func (h *historyStore) listIdentities() []*identity { return h.listed }

// identityByID returns the identity with id, or a 404 apiError.
func (h *historyStore) identityByID(id string) (*identity, *apiError) {
	p, ok := h.byID[id]
	if !ok {
		return nil, notFound("Identity", id)
	}
	return p, nil
}

// timeline returns p's timeline, generating it on first use.
func (h *historyStore) timeline(p *identity) *histTimeline {
	slot := &h.timelines[p.index]
	slot.once.Do(func() { slot.tl = h.generateTimeline(p) })
	return slot.tl
}

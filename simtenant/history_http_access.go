package simtenant

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// histDroppedItemParams are the parameters of listIdentityAccessItems that
// listIdentityAccessItemsV1 no longer has.
var histDroppedItemParams = []string{"filters", "sorters", "query"}

// listIdentityAccessItemsV1 is listIdentityAccessItems without filters,
// sorters and query, which v1's spec removed. They are refused rather than
// ignored: a client that sends them expects a narrowed or ordered list,
// and silently getting the whole one would be a wrong answer.
func (t *Tenant) listIdentityAccessItemsV1(w http.ResponseWriter, r *http.Request) *apiError {
	q := r.URL.Query()
	for _, name := range histDroppedItemParams {
		if q.Has(name) {
			return badRequest("%s is not a parameter of listIdentityAccessItemsV1 (only type, limit, offset and count are; the items come sorted by name)", name)
		}
	}
	return t.listIdentityAccessItems(w, r)
}

// listIdentityAccessItems lists the items of one type (account by default)
// the identity holds now, filtered, searched, sorted (by name by default)
// and paged.
func (t *Tenant) listIdentityAccessItems(w http.ResponseWriter, r *http.Request) *apiError {
	_, tl, err := t.histIdentity(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	pg, err := parsePage(q)
	if err != nil {
		return err
	}
	kind := histKindAccount
	if s := q.Get("type"); s != "" {
		k, ok := histKindByName(s)
		if !ok {
			return badRequest("type must be one of %s, got %q", strings.Join(histKindNames[:], ", "), s)
		}
		kind = k
	}
	conds, err := parseFilters(q.Get("filters"), histItemFilters)
	if err != nil {
		return err
	}
	if err := histValidateItemFilters(conds); err != nil {
		return err
	}
	sorters, err := parseSorters(q.Get("sorters"), histItemSorters...)
	if err != nil {
		return err
	}
	search := q.Get("query")
	var items []*histHeld
	for _, h := range tl.stateAt(t.now()).items() {
		if h.kind == kind && h.matches(conds) && (search == "" || h.contains(search)) {
			items = append(items, h)
		}
	}
	slices.SortStableFunc(items, compareBy(sorters, histCompareField))
	writeJSON(w, http.StatusOK, histItemsJSON(paginate(w, items, pg)))
	return nil
}

// histSnapshotTypes are the type values of listIdentitySnapshotAccessItems,
// whose enum spells access profiles with an underscore.
var histSnapshotTypes = map[string]histKind{
	"access_profile": histKindAccessProfile,
	"account":        histKindAccount,
	"app":            histKindApp,
	"entitlement":    histKindEntitlement,
	"role":           histKindRole,
}

// histSnapshotTypesV1 are the type values of listIdentitySnapshotAccessItemsV1.
// Its spec drops the enum (type is any string), so the tenant takes the
// legacy spellings and also accessProfile, the spelling of every other v1
// identity-history operation.
var histSnapshotTypesV1 = map[string]histKind{
	"access_profile": histKindAccessProfile,
	"accessProfile":  histKindAccessProfile,
	"account":        histKindAccount,
	"app":            histKindApp,
	"entitlement":    histKindEntitlement,
	"role":           histKindRole,
}

// listIdentitySnapshotAccessItems lists the items the identity held at a
// date, of one type or (without type) of all, sorted by type and name.
func (t *Tenant) listIdentitySnapshotAccessItems(w http.ResponseWriter, r *http.Request) *apiError {
	return t.snapshotAccessItems(w, r, histSnapshotTypes)
}

func (t *Tenant) listIdentitySnapshotAccessItemsV1(w http.ResponseWriter, r *http.Request) *apiError {
	return t.snapshotAccessItems(w, r, histSnapshotTypesV1)
}

func (t *Tenant) snapshotAccessItems(w http.ResponseWriter, r *http.Request, types map[string]histKind) *apiError {
	p, tl, err := t.histIdentity(r)
	if err != nil {
		return err
	}
	at, err := histSnapshotDate(r, p, t.now())
	if err != nil {
		return err
	}
	items := tl.stateAt(at).items()
	if s := r.URL.Query().Get("type"); s != "" {
		kind, ok := types[s]
		if !ok {
			return badRequest("type must be one of %s, got %q", strings.Join(slices.Sorted(maps.Keys(types)), ", "), s)
		}
		items = slices.DeleteFunc(items, func(h *histHeld) bool { return h.kind != kind })
	}
	writeJSON(w, http.StatusOK, histItemsJSON(items))
	return nil
}

// histListParam returns the values of a repeated query parameter, each
// also split at commas, blanks dropped.
func histListParam(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// histKindsParam reads a list of access-item types; empty means all.
func histKindsParam(q url.Values, name string) ([]histKind, *apiError) {
	var out []histKind
	for _, s := range histListParam(q, name) {
		k, ok := histKindByName(s)
		if !ok {
			return nil, badRequest("%s: unknown access item type %q (known: %s)", name, s, strings.Join(histKindNames[:], ", "))
		}
		out = append(out, k)
	}
	return out, nil
}

// histSnapshotPair reads snapshot1 (default: the identity's start date)
// and snapshot2 (default: now), and returns the identity's state at each.
func histSnapshotPair(q url.Values, p *identity, tl *histTimeline, now time.Time) (s1, s2 histState, err *apiError) {
	t1, err := histOptionalTime(q, "snapshot1", p.StartDate)
	if err != nil {
		return nil, nil, err
	}
	t2, err := histOptionalTime(q, "snapshot2", now)
	if err != nil {
		return nil, nil, err
	}
	if t1.After(now) || t2.After(now) {
		return nil, nil, badRequest("snapshot1 and snapshot2 must not be in the future")
	}
	return tl.stateAt(t1), tl.stateAt(t2), nil
}

// compareIdentitySnapshots counts the items added and removed between two
// snapshots: one entry per access-item type asked for (all by default), in
// the order accessProfile, account, app, entitlement, role.
func (t *Tenant) compareIdentitySnapshots(w http.ResponseWriter, r *http.Request) *apiError {
	p, tl, err := t.histIdentity(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	pg, err := parsePage(q)
	if err != nil {
		return err
	}
	kinds, err := histKindsParam(q, "accessItemTypes")
	if err != nil {
		return err
	}
	s1, s2, err := histSnapshotPair(q, p, tl, t.now())
	if err != nil {
		return err
	}
	counts := histCompare(s1, s2)
	var out []histCompareJSON
	for k := range histKind(histKinds) {
		if len(kinds) == 0 || slices.Contains(kinds, k) {
			out = append(out, histCompareJSON{AccessItemDiff: map[string]histDiffCountJSON{k.String(): counts[k]}})
		}
	}
	writeJSON(w, http.StatusOK, paginate(w, out, pg))
	return nil
}

// compareIdentitySnapshotsAccessType lists the items of one type added
// (ADD) and removed (REMOVE) between two snapshots, added first, each by
// name; access-associated=true keeps the added, false the removed.
func (t *Tenant) compareIdentitySnapshotsAccessType(w http.ResponseWriter, r *http.Request) *apiError {
	p, tl, err := t.histIdentity(r)
	if err != nil {
		return err
	}
	kind, ok := histKindByName(r.PathValue("accessType"))
	if !ok {
		return badRequest("accessType must be one of %s, got %q", strings.Join(histKindNames[:], ", "), r.PathValue("accessType"))
	}
	q := r.URL.Query()
	pg, err := parsePage(q)
	if err != nil {
		return err
	}
	associated, err := parseBool(q, "access-associated")
	if err != nil {
		return err
	}
	s1, s2, err := histSnapshotPair(q, p, tl, t.now())
	if err != nil {
		return err
	}
	added, removed := histDiff(s1, s2)
	var out []histAccessItemDiffJSON
	for _, d := range []struct {
		items     []*histHeld
		added     bool
		eventType string
	}{{added, true, "ADD"}, {removed, false, "REMOVE"}} {
		if associated != nil && *associated != d.added {
			continue
		}
		for _, h := range d.items {
			if h.kind == kind {
				out = append(out, histAccessItemDiffJSON{ID: h.id(), EventType: d.eventType, DisplayName: h.name(), SourceName: h.sourceName()})
			}
		}
	}
	writeJSON(w, http.StatusOK, paginate(w, out, pg))
	return nil
}

// getHistoricalIdentityEvents lists the identity's events up to from (now
// by default), newest first, optionally of some event types and about
// some access-item types only.
func (t *Tenant) getHistoricalIdentityEvents(w http.ResponseWriter, r *http.Request) *apiError {
	p, tl, err := t.histIdentity(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	pg, err := parsePage(q)
	if err != nil {
		return err
	}
	now := t.now()
	until, err := histOptionalTime(q, "from", now)
	if err != nil {
		return err
	}
	if until.After(now) {
		until = now
	}
	var f histEventFilter
	for _, s := range histListParam(q, "eventTypes") {
		typ, ok := histEventTypes[s]
		if !ok {
			return badRequest("eventTypes: unknown event type %q (known: %s, %s, %s, %s, %s, %s)", s,
				histEventCertified, histEventAssociated, histEventRemoved, histEventAttributes, histEventRequested, histEventAccountStatus)
		}
		f.types = append(f.types, typ)
	}
	if f.kinds, err = histKindsParam(q, "accessItemTypes"); err != nil {
		return err
	}
	events := tl.eventsUntil(until)
	var selected []histEvent
	for i := len(events) - 1; i >= 0; i-- {
		if f.match(events[i].data) {
			selected = append(selected, events[i])
		}
	}
	page := paginate(w, selected, pg)
	out := make([]any, len(page))
	for i, e := range page {
		out[i] = e.data.json(p, e.at)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

package simtenant

import (
	"net/http"
	"net/url"
	"strings"
	"time"
	_ "time/tzdata" // the summary's time-zone parameter must work on machines without zoneinfo
)

// routesHistory registers the identity-history operations in both
// generations: /beta/historical-identities/... (listHistoricalIdentities,
// ...) and /historical-identities/v1/... (listHistoricalIdentitiesV1, ...),
// which differ only where v1's own spec does (see the V1 handlers).
func (t *Tenant) routesHistory(g *registrar) {
	for _, op := range []struct {
		sub, id string
		h       histHandler
		v1      histHandler // nil: the same as the legacy one
	}{
		{"", "listHistoricalIdentities", t.listHistoricalIdentities, nil},
		{"/{id}", "getHistoricalIdentity", t.getHistoricalIdentity, nil},
		{"/{id}/access-items", "listIdentityAccessItems", t.listIdentityAccessItems, t.listIdentityAccessItemsV1},
		{"/{id}/events", "getHistoricalIdentityEvents", t.getHistoricalIdentityEvents, nil},
		{"/{id}/snapshots", "listIdentitySnapshots", t.listIdentitySnapshots, nil},
		{"/{id}/snapshots/{date}", "getIdentitySnapshot", t.getIdentitySnapshot, nil},
		{"/{id}/snapshots/{date}/access-items", "listIdentitySnapshotAccessItems", t.listIdentitySnapshotAccessItems, t.listIdentitySnapshotAccessItemsV1},
		{"/{id}/snapshot-summary", "getIdentitySnapshotSummary", t.getIdentitySnapshotSummary, nil},
		{"/{id}/start-date", "getIdentityStartDate", t.getIdentityStartDate, nil},
		{"/{id}/compare", "compareIdentitySnapshots", t.compareIdentitySnapshots, nil},
		{"/{id}/compare/{accessType}", "compareIdentitySnapshotsAccessType", t.compareIdentitySnapshotsAccessType, nil},
	} {
		g.handle(apiBeta, "GET /beta/historical-identities"+op.sub, op.id, op.h.serve)
		v1 := op.v1
		if v1 == nil {
			v1 = op.h
		}
		g.handle(apiIdentityHistoryV1, "GET /historical-identities/v1"+op.sub, op.id+"V1", v1.serve)
	}
}

// histHandler is an operation that returns its error answer instead of
// writing it.
type histHandler func(w http.ResponseWriter, r *http.Request) *apiError

func (f histHandler) serve(w http.ResponseWriter, r *http.Request) {
	if err := f(w, r); err != nil {
		err.write(w)
	}
}

// histIdentity resolves the {id} path parameter to an identity and its timeline.
func (t *Tenant) histIdentity(r *http.Request) (*identity, *histTimeline, *apiError) {
	p, err := t.history.identityByID(r.PathValue("id"))
	if err != nil {
		return nil, nil, err
	}
	return p, t.history.timeline(p), nil
}

// listHistoricalIdentities lists identities by display name. The operation
// never reports a total, whatever count says.
func (t *Tenant) listHistoricalIdentities(w http.ResponseWriter, r *http.Request) *apiError {
	q := r.URL.Query()
	pg, err := parsePage(q)
	if err != nil {
		return err
	}
	pg.count = false
	deleted, err := parseBool(q, "is-deleted")
	if err != nil {
		return err
	}
	active, err := parseBool(q, "is-active")
	if err != nil {
		return err
	}
	prefix := strings.ToLower(q.Get("starts-with-query"))
	var found []*identity
	for _, p := range t.history.listIdentities() {
		switch {
		case deleted != nil && *deleted != (p.DeletedDate != nil):
		case active != nil && *active != p.Active:
		case prefix != "" && !histStartsWith(prefix, p.FirstName, p.LastName, p.DisplayName):
		default:
			found = append(found, p)
		}
	}
	page := paginate(w, found, pg)
	out := make([]histIdentityListItemJSON, len(page))
	for i, p := range page {
		out[i] = histListItemJSON(p)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func histStartsWith(lowerPrefix string, names ...string) bool {
	for _, n := range names {
		if strings.HasPrefix(strings.ToLower(n), lowerPrefix) {
			return true
		}
	}
	return false
}

// identityAt renders p as of the instant at, labelled with snapshot.
func histIdentityAt(p *identity, tl *histTimeline, at, snapshot time.Time) histIdentityJSON {
	j := histIdentityJSON{
		ID: p.ID, DisplayName: p.DisplayName, Snapshot: formatTime(snapshot),
		AccessItemCount: tl.stateAt(at).counts(), Attributes: tl.attributesAt(at),
	}
	if d := p.DeletedDate; d != nil && !d.After(at) {
		j.DeletedDate = formatTime(*d)
	}
	return j
}

// getHistoricalIdentity is the identity now, labelled with its latest snapshot.
func (t *Tenant) getHistoricalIdentity(w http.ResponseWriter, r *http.Request) *apiError {
	p, tl, err := t.histIdentity(r)
	if err != nil {
		return err
	}
	now := t.now()
	writeJSON(w, http.StatusOK, histIdentityAt(p, tl, now, tl.latestSnapshot(now)))
	return nil
}

func (t *Tenant) getIdentityStartDate(w http.ResponseWriter, r *http.Request) *apiError {
	p, _, err := t.histIdentity(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, formatTime(p.StartDate))
	return nil
}

// histSnapshotDate reads the {date} path parameter: an instant from the
// identity's start date (before it, the identity has no snapshot) up to now.
func histSnapshotDate(r *http.Request, p *identity, now time.Time) (time.Time, *apiError) {
	s := r.PathValue("date")
	at, err := parseTime("date", s)
	if err != nil {
		return at, err
	}
	if at.Before(p.StartDate) {
		return at, notFound("Snapshot of identity "+p.ID+" at", s)
	}
	if at.After(now) {
		return at, badRequest("date %q is in the future", s)
	}
	return at, nil
}

// getIdentitySnapshot is the identity as of the given date.
func (t *Tenant) getIdentitySnapshot(w http.ResponseWriter, r *http.Request) *apiError {
	p, tl, err := t.histIdentity(r)
	if err != nil {
		return err
	}
	at, err := histSnapshotDate(r, p, t.now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, histIdentityAt(p, tl, at, at))
	return nil
}

// histInterval reads an interval parameter: month (the default) or day.
func histInterval(q url.Values) (string, *apiError) {
	switch s := q.Get("interval"); s {
	case "", histIntervalMonth:
		return histIntervalMonth, nil
	case histIntervalDay:
		return histIntervalDay, nil
	default:
		return "", badRequest("interval must be day or month, got %q", s)
	}
}

// histOptionalTime reads an optional instant parameter, def when absent.
func histOptionalTime(q url.Values, name string, def time.Time) (time.Time, *apiError) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	return parseTime(name, s)
}

func (t *Tenant) listIdentitySnapshots(w http.ResponseWriter, r *http.Request) *apiError {
	_, tl, err := t.histIdentity(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	pg, err := parsePage(q)
	if err != nil {
		return err
	}
	interval, err := histInterval(q)
	if err != nil {
		return err
	}
	start, err := histOptionalTime(q, "start", time.Time{})
	if err != nil {
		return err
	}
	page := paginate(w, tl.snapshots(interval, start, t.now()), pg)
	out := make([]histSnapshotJSON, len(page))
	for i, s := range page {
		out[i] = histSnapshotJSON{Snapshot: formatTime(s)}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getIdentitySnapshotSummary counts the identity's events per month or day
// (in the time zone asked for) before a date, now by default.
func (t *Tenant) getIdentitySnapshotSummary(w http.ResponseWriter, r *http.Request) *apiError {
	_, tl, err := t.histIdentity(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	pg, err := parsePage(q)
	if err != nil {
		return err
	}
	interval, err := histInterval(q)
	if err != nil {
		return err
	}
	now := t.now()
	before, err := histOptionalTime(q, "before", now)
	if err != nil {
		return err
	}
	loc := time.UTC
	if tz := q.Get("time-zone"); tz != "" {
		l, lerr := time.LoadLocation(tz)
		if lerr != nil || tz == "Local" {
			return badRequest("time-zone must be an IANA time zone such as UTC or America/New_York, got %q", tz)
		}
		loc = l
	}
	writeJSON(w, http.StatusOK, paginate(w, tl.summary(before, now, interval, loc), pg))
	return nil
}

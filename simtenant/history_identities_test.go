package simtenant

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

type histTestListItem struct {
	ID          string  `json:"id"`
	DisplayName string  `json:"displayName"`
	FirstName   *string `json:"firstName"`
	LastName    *string `json:"lastName"`
	Active      bool    `json:"active"`
	DeletedDate *string `json:"deletedDate"`
}

type histTestIdentity struct {
	ID              string         `json:"id"`
	DisplayName     string         `json:"displayName"`
	Snapshot        string         `json:"snapshot"`
	DeletedDate     *string        `json:"deletedDate"`
	AccessItemCount map[string]int `json:"accessItemCount"`
	Attributes      map[string]any `json:"attributes"`
}

func TestListHistoricalIdentities(t *testing.T) {
	h, _ := newHistHarness(t)
	all := histGetAll[histTestListItem](h, "", "", nil)
	if len(all) != 200 {
		t.Fatalf("listed %d identities, want 200", len(all))
	}
	seen := map[string]bool{}
	var deleted, inactive, service int
	for i, p := range all {
		if !histIDPattern.MatchString(p.ID) || seen[p.ID] {
			t.Fatalf("id %q: not 32 lowercase hex or repeated", p.ID)
		}
		seen[p.ID] = true
		if i > 0 && all[i-1].DisplayName > p.DisplayName {
			t.Fatalf("not sorted by display name: %q before %q", all[i-1].DisplayName, p.DisplayName)
		}
		switch {
		case p.DeletedDate != nil:
			deleted++
			if p.Active {
				t.Errorf("%s is deleted and active", p.ID)
			}
		case !p.Active:
			inactive++
		}
		if p.FirstName == nil {
			service++
			if p.LastName != nil || !strings.HasPrefix(p.DisplayName, "svc-") {
				t.Errorf("service identity %+v", p)
			}
		} else if p.DisplayName != *p.FirstName+" "+*p.LastName {
			t.Errorf("display name %q of %s %s", p.DisplayName, *p.FirstName, *p.LastName)
		}
	}
	if deleted == 0 || inactive == 0 || service == 0 {
		t.Fatalf("want deleted, inactive-not-deleted and service identities, got %d, %d, %d", deleted, inactive, service)
	}

	// Paging walks the same list; count is never honoured here.
	hdr := h.get(histPath("", "", url.Values{"limit": {"7"}, "offset": {"10"}, "count": {"true"}}), http.StatusOK, nil)
	if hdr.Get("X-Total-Count") != "" {
		t.Errorf("X-Total-Count set on listHistoricalIdentities: %q", hdr.Get("X-Total-Count"))
	}
	var page []histTestListItem
	h.get(histPath("", "", url.Values{"limit": {"7"}, "offset": {"10"}}), http.StatusOK, &page)
	if !slices.Equal(histListIDs(page), histListIDs(all[10:17])) {
		t.Errorf("page limit=7 offset=10 differs from the full list")
	}
	h.get(histPath("", "", url.Values{"offset": {"200"}}), http.StatusOK, &page)
	if len(page) != 0 {
		t.Errorf("offset past the end: %d items", len(page))
	}

	filtered := func(q url.Values, keep func(histTestListItem) bool) {
		t.Helper()
		got := histGetAll[histTestListItem](h, "", "", q)
		var want []histTestListItem
		for _, p := range all {
			if keep(p) {
				want = append(want, p)
			}
		}
		if len(want) == 0 || !slices.Equal(histListIDs(got), histListIDs(want)) {
			t.Errorf("%s: got %d identities, want %d", q.Encode(), len(got), len(want))
		}
	}
	filtered(url.Values{"is-deleted": {"true"}}, func(p histTestListItem) bool { return p.DeletedDate != nil })
	filtered(url.Values{"is-deleted": {"false"}}, func(p histTestListItem) bool { return p.DeletedDate == nil })
	filtered(url.Values{"is-active": {"true"}}, func(p histTestListItem) bool { return p.Active })
	filtered(url.Values{"is-active": {"false"}}, func(p histTestListItem) bool { return !p.Active })
	filtered(url.Values{"is-active": {"false"}, "is-deleted": {"false"}}, func(p histTestListItem) bool { return !p.Active && p.DeletedDate == nil })
	startsWith := func(prefix string) func(histTestListItem) bool {
		return func(p histTestListItem) bool {
			names := []string{p.DisplayName}
			if p.FirstName != nil {
				names = append(names, *p.FirstName, *p.LastName)
			}
			return slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(strings.ToLower(n), prefix) })
		}
	}
	first, last := *all[len(all)/2].FirstName, *all[len(all)/3].LastName
	filtered(url.Values{"starts-with-query": {first[:2]}}, startsWith(strings.ToLower(first[:2])))
	filtered(url.Values{"starts-with-query": {strings.ToUpper(last)}}, startsWith(strings.ToLower(last)))
	filtered(url.Values{"starts-with-query": {"svc-"}}, startsWith("svc-"))
	filtered(url.Values{"starts-with-query": {first[:1]}, "is-active": {"true"}}, func(p histTestListItem) bool {
		return p.Active && startsWith(strings.ToLower(first[:1]))(p)
	})

	for _, q := range []string{"is-active=maybe", "is-deleted=2", "limit=251", "limit=-1", "offset=x"} {
		if status, body := histRawStatus(h, "/beta/historical-identities?"+q); status != http.StatusBadRequest || !strings.Contains(body, `"detailCode":"400.1 Bad Request Content"`) {
			t.Errorf("%s: %d %s", q, status, body)
		}
	}
}

func histListIDs(items []histTestListItem) []string {
	out := make([]string, len(items))
	for i, p := range items {
		out[i] = p.ID
	}
	return out
}

func TestGetHistoricalIdentityAndStartDate(t *testing.T) {
	h, clock := newHistHarness(t)
	active := histPick(t, h, "active and human", func(p *identity, _ *histTimeline) bool { return p.Active && !p.service() })
	var got histTestIdentity
	h.get(histPath(active.ID, "", nil), http.StatusOK, &got)
	if got.ID != active.ID || got.DisplayName != active.DisplayName || got.DeletedDate != nil {
		t.Fatalf("identity: %+v", got)
	}
	for _, k := range []string{"firstname", "lastname", "email", "department", "jobTitle", "location", "cloudLifecycleState", "manager"} {
		if s, _ := got.Attributes[k].(string); s == "" {
			t.Errorf("attribute %s missing: %v", k, got.Attributes)
		}
	}
	if got.Attributes["firstname"] != active.FirstName || got.Attributes["cloudLifecycleState"] != "active" {
		t.Errorf("attributes %v", got.Attributes)
	}
	if len(got.AccessItemCount) != 5 || got.AccessItemCount["role"] < 1 || got.AccessItemCount["account"] < 2 {
		t.Errorf("accessItemCount %v: want all five types, the birthright role and its two accounts", got.AccessItemCount)
	}
	// The latest snapshot is the last change, which is the newest event.
	var newest []histTestEvent
	h.get(histPath(active.ID, "/events", url.Values{"limit": {"1"}}), http.StatusOK, &newest)
	if len(newest) != 1 || !histSameInstant(t, got.Snapshot, newest[0].DateTime) {
		t.Errorf("snapshot %s, newest event %+v", got.Snapshot, newest)
	}

	var start string
	h.get(histPath(active.ID, "/start-date", nil), http.StatusOK, &start)
	if start != active.StartDate.Format("2006-01-02T15:04:05.000Z") || !active.StartDate.Before(clock.Now().Add(-30*histDay)) {
		t.Errorf("start date %q, identity started %v", start, active.StartDate)
	}

	deleted := histPick(t, h, "deleted", func(p *identity, _ *histTimeline) bool { return p.DeletedDate != nil })
	h.get(histPath(deleted.ID, "", nil), http.StatusOK, &got)
	if got.DeletedDate == nil || *got.DeletedDate != formatTime(*deleted.DeletedDate) {
		t.Errorf("deleted identity: deletedDate %v", got.DeletedDate)
	}
	for k, n := range got.AccessItemCount {
		if n != 0 {
			t.Errorf("deleted identity still holds %d %s", n, k)
		}
	}
	if got.Attributes["cloudLifecycleState"] != "inactive" {
		t.Errorf("deleted identity lifecycle %v", got.Attributes["cloudLifecycleState"])
	}
}

func histSameInstant(t *testing.T, a, b string) bool {
	t.Helper()
	ta, err1 := time.Parse(time.RFC3339, a)
	tb, err2 := time.Parse(time.RFC3339, b)
	if err1 != nil || err2 != nil {
		t.Fatalf("instants %q, %q", a, b)
	}
	return ta.Equal(tb)
}

func TestHistoryUnknownIdentityIs404(t *testing.T) {
	h, _ := newHistHarness(t)
	const id = "0123456789abcdef0123456789abcdef"
	for _, sub := range []string{"", "/access-items", "/events", "/snapshots", "/snapshots/2025-03-01T00:00:00Z",
		"/snapshots/2025-03-01T00:00:00Z/access-items", "/snapshot-summary", "/start-date", "/compare", "/compare/role"} {
		status, _, body := h.do(http.MethodGet, histPath(id, sub, nil), "", "")
		if status != http.StatusNotFound || !strings.Contains(string(body), `"detailCode":"404 Not found"`) || !strings.Contains(string(body), id) {
			t.Errorf("%s: %d %s", sub, status, body)
		}
	}
}

func TestHistoryCoversEveryOperation(t *testing.T) {
	h, _ := newHistHarness(t)
	p := h.tn.history.listIdentities()[0]
	for _, sub := range []string{"", "/access-items", "/events", "/snapshots", "/snapshot-summary", "/start-date", "/compare", "/compare/role"} {
		h.get(histPath(p.ID, sub, nil), http.StatusOK, nil)
	}
	date := url.PathEscape(formatTime(p.StartDate.Add(time.Hour)))
	h.get(histPath(p.ID, "/snapshots/"+date, nil), http.StatusOK, nil)
	h.get(histPath(p.ID, "/snapshots/"+date+"/access-items", nil), http.StatusOK, nil)
	h.get(histPath("", "", url.Values{"limit": {"1"}}), http.StatusOK, nil)
	covered := h.spec.Covered()
	for _, op := range []string{"listHistoricalIdentities", "getHistoricalIdentity", "listIdentityAccessItems", "getHistoricalIdentityEvents",
		"listIdentitySnapshots", "getIdentitySnapshot", "listIdentitySnapshotAccessItems", "getIdentitySnapshotSummary",
		"getIdentityStartDate", "compareIdentitySnapshots", "compareIdentitySnapshotsAccessType"} {
		if covered[op] == 0 {
			t.Errorf("%s not validated", op)
		}
	}
}

func TestHistoryDeterministic(t *testing.T) {
	clock := newFakeClock()
	a := New(Options{Identities: 50, Now: clock.Now})
	b := New(Options{Identities: 50, Now: clock.Now})
	c := New(Options{Identities: 50, Seed: 2, Now: clock.Now})
	for i, p := range a.history.listIdentities() {
		q := b.history.listIdentities()[i]
		if p.ID != q.ID || p.DisplayName != q.DisplayName || !p.StartDate.Equal(q.StartDate) || p.Active != q.Active || (p.DeletedDate == nil) != (q.DeletedDate == nil) {
			t.Fatalf("identity %d differs between equal options: %+v vs %+v", i, p, q)
		}
		ea, eb := a.history.timeline(p).events, b.history.timeline(q).events
		if len(ea) != len(eb) || len(ea) == 0 {
			t.Fatalf("%s: %d vs %d events", p.ID, len(ea), len(eb))
		}
		for j := range ea {
			if !ea[j].at.Equal(eb[j].at) || ea[j].data.eventType() != eb[j].data.eventType() {
				t.Fatalf("%s: event %d differs", p.ID, j)
			}
		}
	}
	if a.history.listIdentities()[0].ID == c.history.listIdentities()[0].ID {
		t.Errorf("seeds 1 and 2 made the same first identity")
	}
	// New is lazy: no timeline exists until asked for.
	fresh := New(Options{Identities: 2000, Now: clock.Now})
	for i := range fresh.history.timelines {
		if fresh.history.timelines[i].tl != nil {
			t.Fatalf("timeline %d generated by New", i)
		}
	}
}

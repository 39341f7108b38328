package simtenant

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// histEventful picks an identity whose history has events of all six types.
func histEventful(t *testing.T, h *harness) *identity {
	t.Helper()
	return histPick(t, h, "with events of all six types", func(p *identity, tl *histTimeline) bool {
		seen := map[string]bool{}
		for _, e := range tl.events {
			seen[e.data.eventType()] = true
		}
		return len(seen) == 6
	})
}

func TestHistoricalIdentityEvents(t *testing.T) {
	h, _ := newHistHarness(t)
	p := histEventful(t, h)
	all := histGetAll[histTestEvent](h, p.ID, "/events", nil)
	perType := map[string]int{}
	for i, e := range all {
		perType[e.EventType]++
		if e.IdentityID != p.ID {
			t.Fatalf("event %d is about %s", i, e.IdentityID)
		}
		if i > 0 && all[i-1].at(t).Before(e.at(t)) {
			t.Fatalf("events not newest first at %d: %s then %s", i, all[i-1].DateTime, e.DateTime)
		}
	}
	if len(perType) != 6 {
		t.Fatalf("event types %v, want all six", perType)
	}

	// Paging and count.
	var page []histTestEvent
	hdr := h.get(histPath(p.ID, "/events", url.Values{"limit": {"5"}, "offset": {"3"}, "count": {"true"}}), http.StatusOK, &page)
	if histTotal(t, hdr) != len(all) || len(page) != 5 || page[0].DateTime != all[3].DateTime || page[4].DateTime != all[7].DateTime {
		t.Errorf("page limit=5 offset=3: total %s, %d events", hdr.Get("X-Total-Count"), len(page))
	}

	count := func(q url.Values) int {
		t.Helper()
		q.Set("count", "true")
		q.Set("limit", "0")
		return histTotal(t, h.get(histPath(p.ID, "/events", q), http.StatusOK, nil))
	}
	// eventTypes, one or several, and the spec example's names for two of them.
	for typ, n := range perType {
		got := histGetAll[histTestEvent](h, p.ID, "/events", url.Values{"eventTypes": {typ}})
		if len(got) != n || slices.ContainsFunc(got, func(e histTestEvent) bool { return e.EventType != typ }) {
			t.Errorf("eventTypes=%s: %d events, want %d", typ, len(got), n)
		}
	}
	if got := count(url.Values{"eventTypes": {"AttributesChanged", "IdentityCertified"}}); got != perType["AttributesChanged"]+perType["IdentityCertified"] {
		t.Errorf("two eventTypes: %d", got)
	}
	if got := count(url.Values{"eventTypes": {"AccessAddedEvent,AccessRemovedEvent"}}); got != perType["AccessItemAssociated"]+perType["AccessItemRemoved"] {
		t.Errorf("eventTypes=AccessAddedEvent,AccessRemovedEvent: %d", got)
	}
	// accessItemTypes keeps the events about items of those types.
	about := func(e histTestEvent, types ...string) bool {
		switch e.EventType {
		case "AccessItemAssociated", "AccessItemRemoved":
			return slices.Contains(types, e.AccessItemType)
		case "AccountStatusChanged":
			return slices.Contains(types, "account")
		case "AccessRequested":
			return slices.Contains(types, e.AccessRequest.Items[0].AccessItemType)
		}
		return false
	}
	for _, types := range [][]string{{"role"}, {"account"}, {"entitlement", "app"}, {"accessProfile"}} {
		want := 0
		for _, e := range all {
			if about(e, types...) {
				want++
			}
		}
		got := histGetAll[histTestEvent](h, p.ID, "/events", url.Values{"accessItemTypes": types})
		if want == 0 || len(got) != want || slices.ContainsFunc(got, func(e histTestEvent) bool { return !about(e, types...) }) {
			t.Errorf("accessItemTypes=%v: %d events, want %d", types, len(got), want)
		}
	}
	if got, want := count(url.Values{"accessItemTypes": {"role"}, "eventTypes": {"AccessRequested"}}), func() (n int) {
		for _, e := range all {
			if e.EventType == "AccessRequested" && about(e, "role") {
				n++
			}
		}
		return n
	}(); got != want || want == 0 {
		t.Errorf("role access requests: %d, want %d", got, want)
	}
	// from: the events at or before an instant.
	mid := all[len(all)/2]
	got := histGetAll[histTestEvent](h, p.ID, "/events", url.Values{"from": {mid.DateTime}})
	if len(got) == 0 || got[0].at(t).After(mid.at(t)) || len(got) != len(all)-slices.IndexFunc(all, func(e histTestEvent) bool { return !e.at(t).After(mid.at(t)) }) {
		t.Errorf("from=%s: %d events starting %s", mid.DateTime, len(got), got[0].DateTime)
	}

	for _, q := range []url.Values{{"eventTypes": {"Bogus"}}, {"accessItemTypes": {"group"}}, {"from": {"last tuesday"}}, {"limit": {"251"}}} {
		path := histPath(p.ID, "/events", q)
		if status, body := histRawStatus(h, path); status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", path, status, body)
		}
	}
}

// TestEventsReplayToSnapshots checks that events and snapshots tell one
// story: replaying AccessItemAssociated/AccessItemRemoved events up to a
// snapshot gives the snapshot's access items, and replaying
// AttributesChanged gives its attributes.
func TestEventsReplayToSnapshots(t *testing.T) {
	h, _ := newHistHarness(t)
	for _, p := range []*identity{
		histEventful(t, h),
		histPick(t, h, "deleted", func(p *identity, _ *histTimeline) bool { return p.DeletedDate != nil }),
	} {
		events := histGetAll[histTestEvent](h, p.ID, "/events", nil)
		slices.Reverse(events) // oldest first
		var snaps []struct{ Snapshot string }
		h.get(histPath(p.ID, "/snapshots", url.Values{"interval": {"day"}}), http.StatusOK, &snaps)
		var start histTestIdentity
		h.get(histPath(p.ID, "/snapshots/"+url.PathEscape(formatTime(p.StartDate)), nil), http.StatusOK, &start)

		held := map[string]string{} // id -> type
		attrs := start.Attributes
		next := 0
		checked := 0
		for i, s := range snaps {
			at, _ := time.Parse(time.RFC3339, s.Snapshot)
			for ; next < len(events) && !events[next].at(t).After(at); next++ {
				e := events[next]
				switch e.EventType {
				case "AccessItemAssociated":
					held[e.AccessItem.ID] = e.AccessItemType
				case "AccessItemRemoved":
					if _, ok := held[e.AccessItem.ID]; !ok {
						t.Fatalf("%s: %s removes %s, which is not held", p.ID, e.DateTime, e.AccessItem.ID)
					}
					delete(held, e.AccessItem.ID)
				case "AttributesChanged":
					for _, c := range e.AttributeChanges {
						if attrs[c.Name] != c.PreviousValue && !(attrs[c.Name] == nil && c.PreviousValue == "") {
							t.Errorf("%s: %s changes %s from %q, but it was %v", p.ID, e.DateTime, c.Name, c.PreviousValue, attrs[c.Name])
						}
						attrs[c.Name] = c.NewValue
					}
				}
			}
			if i%5 != 0 && i != len(snaps)-1 {
				continue
			}
			checked++
			var items []histTestItem
			h.get(histPath(p.ID, "/snapshots/"+url.PathEscape(s.Snapshot)+"/access-items", nil), http.StatusOK, &items)
			if len(items) != len(held) {
				t.Fatalf("%s at %s: snapshot holds %d items, events say %d", p.ID, s.Snapshot, len(items), len(held))
			}
			for _, it := range items {
				if held[it.ID] != it.AccessType {
					t.Fatalf("%s at %s: %s %s not associated by the events", p.ID, s.Snapshot, it.AccessType, it.DisplayName)
				}
			}
			var snap histTestIdentity
			h.get(histPath(p.ID, "/snapshots/"+url.PathEscape(s.Snapshot), nil), http.StatusOK, &snap)
			for k, v := range attrs {
				if snap.Attributes[k] != v {
					t.Errorf("%s at %s: attribute %s = %v, events say %v", p.ID, s.Snapshot, k, snap.Attributes[k], v)
				}
			}
		}
		if checked < 3 || next != len(events) {
			t.Errorf("%s: checked %d snapshots, replayed %d of %d events", p.ID, checked, next, len(events))
		}
		if p.DeletedDate != nil && len(held) != 0 {
			t.Errorf("deleted identity %s still holds %d items after its events", p.ID, len(held))
		}
	}
}

func TestEventsTellWhy(t *testing.T) {
	h, _ := newHistHarness(t)
	p := histEventful(t, h)
	manager := h.tn.history.people[p.manager]
	events := histGetAll[histTestEvent](h, p.ID, "/events", nil)
	slices.Reverse(events)
	var approvedAdds, certs, lockouts int
	for i, e := range events {
		switch e.EventType {
		case "AccessRequested":
			it := e.AccessRequest.Items[0]
			if it.Decision != "APPROVED" && it.Decision != "REJECTED" {
				t.Errorf("decision %q", it.Decision)
			}
			if it.Operation != "Add" || it.Decision != "APPROVED" {
				continue
			}
			approvedAdds++
			// Granted within 48 hours, with the request as its governance event.
			found := slices.ContainsFunc(events[i:], func(a histTestEvent) bool {
				return a.EventType == "AccessItemAssociated" && a.GovernanceEvent != nil && a.GovernanceEvent.Type == "accessRequest" &&
					a.GovernanceEvent.Name == "Access Request for "+it.Name && a.at(t).Sub(e.at(t)) <= 48*time.Hour
			})
			if !found {
				t.Errorf("approved request at %s for %s %q was never granted", e.DateTime, it.AccessItemType, it.Name)
			}
		case "IdentityCertified":
			certs++
			if e.CertificationID == "" || e.Signer == nil || e.Signer.ID != manager.ID {
				t.Errorf("certification %+v: want signed by the manager %s", e, manager.ID)
			}
		case "AccountStatusChanged":
			valid := []string{"enabled", "disabled", "locked"}
			if !slices.Contains(valid, e.StatusChange.PreviousStatus) || !slices.Contains(valid, e.StatusChange.NewStatus) || e.Account.ID == "" {
				t.Errorf("status change %+v", e.StatusChange)
			}
			if e.StatusChange.NewStatus == "locked" {
				lockouts++
			}
		case "AccessItemRemoved":
			if g := e.GovernanceEvent; g != nil && g.Type == "certification" && !strings.Contains(g.Name, "Manager Certification for "+p.DisplayName) {
				t.Errorf("revoked by certification %q", g.Name)
			}
		}
	}
	if approvedAdds == 0 || certs == 0 || lockouts == 0 {
		t.Errorf("approved adds %d, certifications %d, lockouts %d", approvedAdds, certs, lockouts)
	}

	// An identity that went inactive: its lifecycle attribute changed and
	// every account it held was disabled at that instant.
	gone := histPick(t, h, "inactive", func(p *identity, _ *histTimeline) bool { return p.InactiveDate != nil })
	at := formatTime(*gone.InactiveDate)
	var atInactive []histTestEvent
	for _, e := range histGetAll[histTestEvent](h, gone.ID, "/events", url.Values{"from": {at}}) {
		if e.DateTime == at {
			atInactive = append(atInactive, e)
		}
	}
	var accounts []histTestItem
	h.get(histPath(gone.ID, "/snapshots/"+url.PathEscape(at)+"/access-items", url.Values{"type": {"account"}}), http.StatusOK, &accounts)
	var disabled, lifecycle int
	for _, e := range atInactive {
		switch {
		case e.EventType == "AccountStatusChanged" && e.StatusChange.NewStatus == "disabled" && histIDs(accounts)[e.Account.ID]:
			disabled++
		case e.EventType == "AttributesChanged" && e.AttributeChanges[0].Name == "cloudLifecycleState" && e.AttributeChanges[0].NewValue == "inactive":
			lifecycle++
		}
	}
	if lifecycle != 1 || disabled != len(accounts) || len(accounts) == 0 {
		t.Errorf("at %s: %d lifecycle changes, %d of %d accounts disabled", at, lifecycle, disabled, len(accounts))
	}
}

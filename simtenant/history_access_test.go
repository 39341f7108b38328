package simtenant

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// histRichest picks the active identity holding the most entitlements now,
// so that every filter has something to keep and something to drop.
func histRichest(t *testing.T, h *harness, now time.Time) *identity {
	t.Helper()
	var best *identity
	most := 0
	for _, p := range h.tn.history.listIdentities() {
		if n := h.tn.history.timeline(p).stateAt(now).counts()["entitlement"]; p.Active && n > most {
			best, most = p, n
		}
	}
	if most < 10 {
		t.Fatalf("richest identity holds %d entitlements", most)
	}
	return best
}

func TestListIdentityAccessItems(t *testing.T) {
	h, clock := newHistHarness(t)
	p := histRichest(t, h, clock.Now())
	items := func(q url.Values) []histTestItem { return histGetAll[histTestItem](h, p.ID, "/access-items", q) }

	// Each type lists exactly what the snapshot at now holds; account is the default.
	now := url.PathEscape(formatTime(clock.Now()))
	var snap []histTestItem
	h.get(histPath(p.ID, "/snapshots/"+now+"/access-items", nil), http.StatusOK, &snap)
	byType := map[string][]histTestItem{}
	for _, it := range snap {
		byType[it.AccessType] = append(byType[it.AccessType], it)
	}
	if def := items(nil); len(def) == 0 || !histSameIDs(def, byType["account"]) {
		t.Fatalf("default type: %d items, snapshot has %d accounts", len(def), len(byType["account"]))
	}
	for _, typ := range histKindNames {
		got := items(url.Values{"type": {typ}})
		if len(got) == 0 || !histSameIDs(got, byType[typ]) {
			t.Errorf("type %s: %d items, snapshot has %d", typ, len(got), len(byType[typ]))
		}
		for i, it := range got {
			if it.AccessType != typ {
				t.Errorf("type %s listed a %s", typ, it.AccessType)
			}
			if i > 0 && got[i-1].DisplayName > it.DisplayName {
				t.Errorf("type %s not sorted by name by default", typ)
			}
		}
	}

	// Paging and count.
	ents := items(url.Values{"type": {"entitlement"}})
	var page []histTestItem
	hdr := h.get(histPath(p.ID, "/access-items", url.Values{"type": {"entitlement"}, "limit": {"3"}, "offset": {"2"}, "count": {"true"}}), http.StatusOK, &page)
	if histTotal(t, hdr) != len(ents) || len(page) != 3 || page[0].ID != ents[2].ID || page[2].ID != ents[4].ID {
		t.Errorf("page limit=3 offset=2: total %s, %d items", hdr.Get("X-Total-Count"), len(page))
	}

	// Every filter field keeps exactly the items a client-side filter keeps.
	aps := items(url.Values{"type": {"accessProfile"}})
	accounts := items(url.Values{"type": {"account"}})
	src := ents[0].source()
	attr := ents[len(ents)-1].Attribute
	for _, tc := range []struct {
		typ, filter string
		from        []histTestItem
		keep        func(histTestItem) bool
		strict      bool // keeps some but not all
	}{
		{"entitlement", `source eq "` + src + `"`, ents, func(it histTestItem) bool { return it.source() == src }, true},
		{"entitlement", `source eq "` + strings.ToUpper(src) + `"`, ents, func(it histTestItem) bool { return it.source() == src }, true},
		{"accessProfile", `source eq "` + aps[0].source() + `"`, aps, func(it histTestItem) bool { return it.source() == aps[0].source() }, false},
		{"account", `source eq "` + accounts[0].SourceID + `"`, accounts, func(it histTestItem) bool { return it.SourceID == accounts[0].SourceID }, true},
		{"entitlement", "standalone eq true", ents, func(it histTestItem) bool { return it.Standalone }, true},
		{"entitlement", "standalone eq false", ents, func(it histTestItem) bool { return !it.Standalone }, true},
		{"accessProfile", "standalone eq false", aps, func(it histTestItem) bool { return !it.Standalone }, false},
		{"entitlement", "privileged eq true", ents, func(it histTestItem) bool { return it.Privileged }, true},
		{"entitlement", "privileged eq false", ents, func(it histTestItem) bool { return !it.Privileged }, true},
		{"entitlement", `attribute eq "` + attr + `"`, ents, func(it histTestItem) bool { return it.Attribute == attr }, true},
		{"entitlement", "cloudGoverned eq false", ents, func(it histTestItem) bool { return !it.CloudGoverned }, false},
		{"entitlement", `privileged eq false and source eq "` + src + `"`, ents, func(it histTestItem) bool { return !it.Privileged && it.source() == src }, false},
		{"role", "standalone eq true", nil, nil, false}, // roles have no standalone flag
	} {
		got := items(url.Values{"type": {tc.typ}, "filters": {tc.filter}})
		var want []histTestItem
		for _, it := range tc.from {
			if tc.keep(it) {
				want = append(want, it)
			}
		}
		if !histSameIDs(got, want) {
			t.Errorf("%s %s: got %d, want %d of %d", tc.typ, tc.filter, len(got), len(want), len(tc.from))
		}
		if tc.strict && (len(want) == 0 || len(want) == len(tc.from)) {
			t.Errorf("%s %s keeps %d of %d: the test needs a filter that discriminates", tc.typ, tc.filter, len(want), len(tc.from))
		}
	}
	// cloudGoverned eq true selects the cloud-governed ones (this identity may have none).
	cloud := items(url.Values{"type": {"entitlement"}, "filters": {"cloudGoverned eq true"}})
	if len(cloud)+len(items(url.Values{"type": {"entitlement"}, "filters": {"cloudGoverned eq false"}})) != len(ents) {
		t.Errorf("cloudGoverned true and false do not partition the entitlements")
	}

	// query searches the fields the spec lists for the type.
	for _, tc := range []struct {
		typ, query string
		fields     func(histTestItem) []string
	}{
		{"entitlement", ents[1].Value[3:9], func(it histTestItem) []string { return []string{it.DisplayName, it.Value, histDeref(it.Description)} }},
		{"entitlement", strings.ToUpper(ents[0].DisplayName[:4]), func(it histTestItem) []string { return []string{it.DisplayName, it.Value, histDeref(it.Description)} }},
		{"account", accounts[0].NativeIdentity[:6], func(it histTestItem) []string { return []string{it.DisplayName, it.NativeIdentity} }},
		{"accessProfile", "access to", func(it histTestItem) []string { return []string{it.DisplayName, histDeref(it.Description)} }},
		{"role", "role - ", func(it histTestItem) []string { return []string{it.DisplayName, histDeref(it.Description)} }},
		{"app", "portal", func(it histTestItem) []string { return []string{it.DisplayName} }},
	} {
		all := items(url.Values{"type": {tc.typ}})
		got := items(url.Values{"type": {tc.typ}, "query": {tc.query}})
		var want []histTestItem
		for _, it := range all {
			if slices.ContainsFunc(tc.fields(it), func(f string) bool { return strings.Contains(strings.ToLower(f), strings.ToLower(tc.query)) }) {
				want = append(want, it)
			}
		}
		if len(want) == 0 || !histSameIDs(got, want) {
			t.Errorf("%s query %q: got %d, want %d", tc.typ, tc.query, len(got), len(want))
		}
	}

	// Bad filters and sorters are 400s.
	for _, q := range []url.Values{
		{"filters": {`name eq "x"`}},
		{"filters": {`source in ("a","b")`}},
		{"filters": {`source co "a"`}},
		{"filters": {`standalone eq maybe`}},
		{"filters": {`source eq "a" or privileged eq true`}},
		{"sorters": {"created"}},
		{"sorters": {"name,-id"}},
	} {
		status, _, body := h.do(http.MethodGet, histPath(p.ID, "/access-items", q), "", "")
		if status != http.StatusBadRequest || !strings.Contains(string(body), "400.1 Bad Request Content") {
			t.Errorf("%s: %d %s", q.Encode(), status, body)
		}
	}
	if status, body := histRawStatus(h, histPath(p.ID, "/access-items", url.Values{"type": {"group"}})); status != http.StatusBadRequest {
		t.Errorf("type=group: %d %s", status, body)
	}
}

func histDeref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func histSameIDs(a, b []histTestItem) bool {
	return len(a) == len(b) && len(histIDs(a)) == len(a) && func() bool {
		ids := histIDs(b)
		for _, it := range a {
			if !ids[it.ID] {
				return false
			}
		}
		return true
	}()
}

func TestListIdentityAccessItemsSorters(t *testing.T) {
	h, clock := newHistHarness(t)
	p := histRichest(t, h, clock.Now())
	sunset := histPick(t, h, "holding a role with a removal date", func(p *identity, tl *histTimeline) bool {
		for _, it := range tl.stateAt(clock.Now()).items() {
			if !it.removeDate.IsZero() {
				return true
			}
		}
		return false
	})
	str := func(f func(histTestItem) string) func(a, b histTestItem) int {
		return func(a, b histTestItem) int { return strings.Compare(f(a), f(b)) }
	}
	boolean := func(f func(histTestItem) bool) func(a, b histTestItem) int {
		return func(a, b histTestItem) int { return histCompareBool(f(a), f(b)) }
	}
	removeDate := func(it histTestItem) string { return histDeref(it.RemoveDate) }
	for _, tc := range []struct {
		who     *identity
		typ     string
		field   string
		compare func(a, b histTestItem) int
	}{
		{p, "entitlement", "name", str(func(it histTestItem) string { return it.DisplayName })},
		{p, "entitlement", "value", str(func(it histTestItem) string { return it.Value })},
		{p, "entitlement", "standalone", boolean(func(it histTestItem) bool { return it.Standalone })},
		{p, "entitlement", "privileged", boolean(func(it histTestItem) bool { return it.Privileged })},
		{p, "entitlement", "attribute", str(func(it histTestItem) string { return it.Attribute })},
		{p, "entitlement", "source", str(histTestItem.source)},
		{p, "entitlement", "cloudGoverned", boolean(func(it histTestItem) bool { return it.CloudGoverned })},
		{sunset, "role", "removeDate", str(removeDate)},
		{p, "account", "nativeIdentity", str(func(it histTestItem) string { return it.NativeIdentity })},
		{p, "account", "entitlementCount", func(a, b histTestItem) int { return cmp.Compare(a.EntitlementCount, b.EntitlementCount) }},
		{p, "accessProfile", "entitlementCount", func(a, b histTestItem) int { return cmp.Compare(a.EntitlementCount, b.EntitlementCount) }},
	} {
		for _, desc := range []bool{false, true} {
			sorter := tc.field
			if desc {
				sorter = "-" + sorter
			}
			got := histGetAll[histTestItem](h, tc.who.ID, "/access-items", url.Values{"type": {tc.typ}, "sorters": {sorter}})
			if len(got) < 2 {
				t.Fatalf("%s sorted by %s: only %d items", tc.typ, sorter, len(got))
			}
			sorted := slices.IsSortedFunc(got, tc.compare)
			if desc {
				sorted = slices.IsSortedFunc(got, func(a, b histTestItem) int { return tc.compare(b, a) })
			}
			if !sorted || tc.compare(got[0], got[len(got)-1]) == 0 && tc.field != "standalone" && tc.field != "cloudGoverned" {
				t.Errorf("%s sorted by %s: not sorted (or all equal): first %+v last %+v", tc.typ, sorter, got[0], got[len(got)-1])
			}
		}
	}
	// Two sorters: by source, then by name descending within a source.
	got := histGetAll[histTestItem](h, p.ID, "/access-items", url.Values{"type": {"entitlement"}, "sorters": {"source,-name"}})
	if !slices.IsSortedFunc(got, func(a, b histTestItem) int {
		return cmp.Or(strings.Compare(a.source(), b.source()), strings.Compare(b.DisplayName, a.DisplayName))
	}) {
		t.Errorf("sorters=source,-name: not sorted")
	}
}

func TestSnapshotAccessItemsShapesAndConsistency(t *testing.T) {
	h, clock := newHistHarness(t)
	p := histRichest(t, h, clock.Now())
	var snaps []struct{ Snapshot string }
	h.get(histPath(p.ID, "/snapshots", nil), http.StatusOK, &snaps)
	date := url.PathEscape(snaps[len(snaps)-1].Snapshot)

	// Raw shapes: an access profile carries a null removeDate (so that it
	// is not also a valid role), a role none or a string.
	_, _, body := h.do(http.MethodGet, histPath(p.ID, "/snapshots/"+date+"/access-items", nil), "", "")
	var raw []map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, it := range raw {
		kinds[it["accessType"].(string)]++
		switch it["accessType"] {
		case "accessProfile":
			if v, ok := it["removeDate"]; !ok || v != nil {
				t.Errorf("access profile removeDate = %v (present %v), want null", v, ok)
			}
		case "role":
			if v, ok := it["removeDate"]; ok && v == nil {
				t.Errorf("role removeDate null")
			}
		}
	}
	if len(kinds) != 5 {
		t.Fatalf("snapshot holds types %v, want all five", kinds)
	}

	// Per type, and consistent with itself: an account counts the
	// entitlements held on its source; an app is opened by a held profile.
	var all []histTestItem
	h.get(histPath(p.ID, "/snapshots/"+date+"/access-items", nil), http.StatusOK, &all)
	entsPerSource := map[string]int{}
	appRefs := map[string]bool{}
	for _, it := range all {
		switch it.AccessType {
		case "entitlement":
			entsPerSource[it.SourceID]++
		case "accessProfile":
			for _, r := range it.AppRefs {
				appRefs[r.CloudAppID] = true
			}
		}
	}
	for typ, name := range map[string]string{"access_profile": "accessProfile", "account": "account", "app": "app", "entitlement": "entitlement", "role": "role"} {
		var got []histTestItem
		h.get(histPath(p.ID, "/snapshots/"+date+"/access-items", url.Values{"type": {typ}}), http.StatusOK, &got)
		if len(got) != kinds[name] {
			t.Errorf("type=%s: %d items, want %d", typ, len(got), kinds[name])
		}
		for _, it := range got {
			switch {
			case it.AccessType != name:
				t.Errorf("type=%s listed a %s", typ, it.AccessType)
			case name == "account" && (it.EntitlementCount != entsPerSource[it.SourceID] || it.EntitlementCount == 0):
				t.Errorf("account %s counts %d entitlements, %d held on its source", it.NativeIdentity, it.EntitlementCount, entsPerSource[it.SourceID])
			case name == "app" && (!appRefs[it.ID] || it.AppRoleID == ""):
				t.Errorf("app %s is opened by no held access profile", it.DisplayName)
			}
		}
	}
	for _, path := range []string{
		histPath(p.ID, "/snapshots/"+date+"/access-items", url.Values{"type": {"accessProfile"}}), // spelt access_profile here
		histPath(p.ID, "/snapshots/not-a-date/access-items", nil),
	} {
		if status, body := histRawStatus(h, path); status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", path, status, body)
		}
	}
	before := url.PathEscape(formatTime(p.StartDate.Add(-time.Millisecond)))
	h.get(histPath(p.ID, "/snapshots/"+before+"/access-items", nil), http.StatusNotFound, nil)
}

func TestCompareIdentitySnapshots(t *testing.T) {
	h, clock := newHistHarness(t)
	p := histRichest(t, h, clock.Now())
	var snaps []struct{ Snapshot string }
	h.get(histPath(p.ID, "/snapshots", nil), http.StatusOK, &snaps)
	itemsAt := func(date string) []histTestItem {
		var out []histTestItem
		h.get(histPath(p.ID, "/snapshots/"+url.PathEscape(date)+"/access-items", nil), http.StatusOK, &out)
		return out
	}
	type counts struct{ AccessAdded, AccessRemoved int }
	compare := func(q url.Values) map[string]counts {
		var out []struct{ AccessItemDiff map[string]counts }
		h.get(histPath(p.ID, "/compare", q), http.StatusOK, &out)
		m := map[string]counts{}
		for _, e := range out {
			if len(e.AccessItemDiff) != 1 {
				t.Fatalf("compare entry %+v: want one type per entry", e)
			}
			for k, v := range e.AccessItemDiff {
				m[k] = v
			}
		}
		return m
	}
	var changed int
	for i := 1; i < len(snaps); i += 3 {
		s1, s2 := snaps[i-1].Snapshot, snaps[i].Snapshot
		a, b := itemsAt(s1), itemsAt(s2)
		want := map[string]counts{}
		for _, typ := range histKindNames {
			want[typ] = counts{}
		}
		for _, it := range b {
			if !histIDs(a)[it.ID] {
				c := want[it.AccessType]
				c.AccessAdded++
				want[it.AccessType] = c
			}
		}
		for _, it := range a {
			if !histIDs(b)[it.ID] {
				c := want[it.AccessType]
				c.AccessRemoved++
				want[it.AccessType] = c
			}
		}
		got := compare(url.Values{"snapshot1": {s1}, "snapshot2": {s2}})
		for typ, w := range want {
			if got[typ] != w {
				t.Errorf("%s..%s %s: got %+v, want %+v", s1, s2, typ, got[typ], w)
			}
			if w != (counts{}) {
				changed++
			}
		}
		// compare/{type} lists the same changes item by item.
		for typ, w := range want {
			var diffs []struct{ ID, EventType, DisplayName, SourceName string }
			hdr := h.get(histPath(p.ID, "/compare/"+typ, url.Values{"snapshot1": {s1}, "snapshot2": {s2}, "count": {"true"}}), http.StatusOK, &diffs)
			var adds, removes int
			for _, d := range diffs {
				switch d.EventType {
				case "ADD":
					adds++
					if histIDs(a)[d.ID] || !histIDs(b)[d.ID] {
						t.Errorf("%s ADD %s: not added", typ, d.DisplayName)
					}
				case "REMOVE":
					removes++
					if !histIDs(a)[d.ID] || histIDs(b)[d.ID] {
						t.Errorf("%s REMOVE %s: not removed", typ, d.DisplayName)
					}
				}
				if d.DisplayName == "" || (typ != "role") != (d.SourceName != "") {
					t.Errorf("%s diff %+v", typ, d)
				}
			}
			if adds != w.AccessAdded || removes != w.AccessRemoved || histTotal(t, hdr) != len(diffs) {
				t.Errorf("compare/%s %s..%s: %d ADD, %d REMOVE, want %+v", typ, s1, s2, adds, removes, w)
			}
		}
	}
	if changed == 0 {
		t.Fatalf("no access changed between any two compared snapshots")
	}

	// Defaults: from the start date to now, which is the current access.
	got := compare(nil)
	for _, typ := range histKindNames {
		current := histGetAll[histTestItem](h, p.ID, "/access-items", url.Values{"type": {typ}})
		initial := 0
		for _, it := range itemsAt(formatTime(p.StartDate)) {
			if it.AccessType == typ {
				initial++
			}
		}
		if initial+got[typ].AccessAdded-got[typ].AccessRemoved != len(current) {
			t.Errorf("%s: %d at start %+v, but %d now", typ, initial, got[typ], len(current))
		}
	}
	// accessItemTypes selects entries, in a fixed order, repeated or comma-separated.
	var sel []map[string]map[string]counts
	h.get(histPath(p.ID, "/compare", url.Values{"accessItemTypes": {"role", "app"}}), http.StatusOK, &sel)
	if len(sel) != 2 || sel[0]["accessItemDiff"] == nil || sel[1]["accessItemDiff"] == nil {
		t.Fatalf("accessItemTypes=role,app: %v", sel)
	}
	var keys []string
	for _, e := range sel {
		for k := range e["accessItemDiff"] {
			keys = append(keys, k)
		}
	}
	if !slices.Equal(keys, []string{"app", "role"}) {
		t.Errorf("accessItemTypes=role,app gave %v", keys)
	}
	hdr := h.get(histPath(p.ID, "/compare", url.Values{"count": {"true"}, "limit": {"2"}, "offset": {"4"}}), http.StatusOK, &sel)
	if histTotal(t, hdr) != 5 || len(sel) != 1 {
		t.Errorf("compare paging: total %s, %d entries", hdr.Get("X-Total-Count"), len(sel))
	}

	// access-associated keeps only the added (true) or the removed (false).
	s1, s2 := formatTime(p.StartDate), formatTime(clock.Now())
	for _, assoc := range []bool{true, false} {
		var diffs []struct{ EventType string }
		h.get(histPath(p.ID, "/compare/entitlement", url.Values{"snapshot1": {s1}, "snapshot2": {s2}, "access-associated": {strconv.FormatBool(assoc)}}), http.StatusOK, &diffs)
		want := map[bool]string{true: "ADD", false: "REMOVE"}[assoc]
		n := map[bool]int{true: got["entitlement"].AccessAdded, false: got["entitlement"].AccessRemoved}[assoc]
		if len(diffs) != n || slices.ContainsFunc(diffs, func(d struct{ EventType string }) bool { return d.EventType != want }) {
			t.Errorf("access-associated=%v: %d diffs, want %d %s", assoc, len(diffs), n, want)
		}
	}

	for _, path := range []string{
		histPath(p.ID, "/compare", url.Values{"snapshot1": {"yesterday"}}),
		histPath(p.ID, "/compare", url.Values{"accessItemTypes": {"group"}}),
		histPath(p.ID, "/compare/role", url.Values{"snapshot2": {"2999-01-01T00:00:00Z"}}),
	} {
		status, _, body := h.do(http.MethodGet, path, "", "")
		if status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", path, status, body)
		}
	}
	for _, path := range []string{histPath(p.ID, "/compare/group", nil), histPath(p.ID, "/compare/role?access-associated=maybe", nil)} {
		if status, body := histRawStatus(h, path); status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", path, status, body)
		}
	}
}

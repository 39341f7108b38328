package simtenant

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/spectest"
)

// sameAnswer sends a validated GET to a legacy path and its v1 twin and
// requires the same status, the same JSON body and the same X-Total-Count.
// It returns the decoded body.
func sameAnswer(t *testing.T, h *harness, legacy, v1 string) any {
	t.Helper()
	ls, lh, lb := h.do(http.MethodGet, legacy, "", "")
	vs, vh, vb := h.do(http.MethodGet, v1, "", "")
	if ls != http.StatusOK || vs != http.StatusOK {
		t.Fatalf("%s = %d, %s = %d: %s / %s", legacy, ls, v1, vs, lb, vb)
	}
	var l, v any
	if err := json.Unmarshal(lb, &l); err != nil {
		t.Fatalf("%s: %v", legacy, err)
	}
	if err := json.Unmarshal(vb, &v); err != nil {
		t.Fatalf("%s: %v", v1, err)
	}
	if !reflect.DeepEqual(l, v) {
		t.Fatalf("%s and %s differ:\n%s\n%s", legacy, v1, lb, vb)
	}
	if lh.Get("X-Total-Count") != vh.Get("X-Total-Count") {
		t.Fatalf("%s and %s: X-Total-Count %q and %q", legacy, v1, lh.Get("X-Total-Count"), vh.Get("X-Total-Count"))
	}
	return l
}

// sameAnswerAll pages through a list (limit 250) by sameAnswer and
// returns every item. The paths must carry a query and no limit or offset.
func sameAnswerAll(t *testing.T, h *harness, legacy, v1 string) []any {
	t.Helper()
	var all []any
	for offset := 0; ; offset += maxLimit {
		page := "&limit=" + strconv.Itoa(maxLimit) + "&offset=" + strconv.Itoa(offset)
		items := sameAnswer(t, h, legacy+page, v1+page).([]any)
		all = append(all, items...)
		if len(items) < maxLimit {
			return all
		}
	}
}

// TestIdentityHistorySameThroughBothGenerations asks every identity-history
// question through beta and through v1 and requires the same answers.
func TestIdentityHistorySameThroughBothGenerations(t *testing.T) {
	t.Parallel()
	h, clock := newHistHarness(t)
	both := func(sub string, q url.Values) any {
		t.Helper()
		enc := ""
		if len(q) > 0 {
			enc = "?" + q.Encode()
		}
		return sameAnswer(t, h, "/beta/historical-identities"+sub+enc, "/historical-identities/v1"+sub+enc)
	}
	for _, q := range []url.Values{
		{"limit": {"50"}},
		{"limit": {"20"}, "offset": {"10"}, "is-active": {"true"}},
		{"starts-with-query": {"a"}, "count": {"true"}},
		{"is-deleted": {"true"}},
	} {
		if list := both("", q).([]any); len(list) == 0 {
			t.Errorf("listHistoricalIdentities %v is empty", q)
		}
	}
	everyone := h.tn.history.listIdentities()
	deleted := everyone[slices.IndexFunc(everyone, func(p *identity) bool { return p.DeletedDate != nil })]
	busy := histPick(t, h, "with events", func(p *identity, tl *histTimeline) bool { return len(tl.eventsUntil(clock.Now())) > 20 })
	for _, p := range []*identity{everyone[0], deleted, busy} {
		id := "/" + p.ID
		mid := formatTime(p.StartDate.Add(clock.Now().Sub(p.StartDate) / 2))
		both(id, nil)
		both(id+"/start-date", nil)
		for _, typ := range histKindNames {
			both(id+"/access-items", url.Values{"type": {typ}, "count": {"true"}, "limit": {"3"}})
		}
		both(id+"/events", url.Values{"limit": {"250"}, "count": {"true"}})
		both(id+"/events", url.Values{"eventTypes": {histEventAssociated, histEventRemoved}, "accessItemTypes": {"role"}, "from": {mid}})
		both(id+"/snapshots", url.Values{"interval": {"day"}, "count": {"true"}})
		both(id+"/snapshots/"+mid, nil)
		both(id+"/snapshots/"+mid+"/access-items", nil)
		both(id+"/snapshots/"+mid+"/access-items", url.Values{"type": {"entitlement"}})
		// v1 takes accessProfile too, beside beta's access_profile.
		legacy := sameAnswer(t, h, "/beta/historical-identities"+id+"/snapshots/"+mid+"/access-items?type=access_profile",
			"/historical-identities/v1"+id+"/snapshots/"+mid+"/access-items?type=access_profile")
		var camel any
		h.get("/historical-identities/v1"+id+"/snapshots/"+mid+"/access-items?type=accessProfile", http.StatusOK, &camel)
		if !reflect.DeepEqual(legacy, camel) {
			t.Errorf("%s: type=accessProfile (v1) and type=access_profile differ", p.ID)
		}
		both(id+"/snapshot-summary", url.Values{"interval": {"day"}, "time-zone": {"Europe/Berlin"}, "count": {"true"}})
		both(id+"/compare", url.Values{"accessItemTypes": {"role", "entitlement"}, "snapshot1": {mid}})
		both(id+"/compare/entitlement", url.Values{"snapshot1": {formatTime(p.StartDate)}, "count": {"true"}})
		both(id+"/compare/role", url.Values{"access-associated": {"false"}, "snapshot2": {mid}})
	}
	if st := h.tn.Stats(); st.Requests["listHistoricalIdentitiesV1"][http.StatusOK] != 4 || st.Requests["listHistoricalIdentities"][http.StatusOK] != 4 {
		t.Errorf("list counted %v (beta) and %v (v1)", st.Requests["listHistoricalIdentities"], st.Requests["listHistoricalIdentitiesV1"])
	}
}

// TestListIdentityAccessItemsV1Params: v1 has no filters, sorters or
// query on the access-item list; the tenant refuses them rather than
// answering the whole list.
func TestListIdentityAccessItemsV1Params(t *testing.T) {
	t.Parallel()
	h, _ := newHistHarness(t)
	id := h.tn.history.listIdentities()[0].ID
	for _, q := range []string{`filters=source.name eq "x"`, "sorters=-name", "query=admin"} {
		name, _, _ := strings.Cut(q, "=")
		status, _, b := h.do(http.MethodGet, "/historical-identities/v1/"+id+"/access-items?type=entitlement&"+url.PathEscape(q), "", "")
		if status != http.StatusBadRequest || !strings.Contains(string(b), name+" is not a parameter of listIdentityAccessItemsV1") {
			t.Errorf("%s: %d %s", q, status, b)
		}
	}
	// Beta still has them.
	h.get("/beta/historical-identities/"+id+"/access-items?type=entitlement&sorters=-name&query=a", http.StatusOK, nil)
	// And beta's snapshot type enum has no accessProfile.
	if status, _ := histRawStatus(h, "/beta/historical-identities/"+id+"/snapshots/"+formatTime(time.Now())+"/access-items?type=accessProfile"); status != http.StatusBadRequest {
		t.Errorf("beta snapshot access items type=accessProfile: %d", status)
	}
}

// TestTasksSameThroughBothGenerations: v1's list is beta's completed list
// plus its pending list; pending is `completionStatus isnull` with
// count=true for the count; a patch through either is seen through both.
func TestTasksSameThroughBothGenerations(t *testing.T) {
	t.Parallel()
	h, clock := newTaskHarness(t)
	completed := `completionStatus in ("SUCCESS","WARNING","ERROR","TERMINATED","TEMPERROR")`
	q := func(filters string, extra string) string {
		s := "?count=true&" + extra
		if filters != "" {
			s += "&filters=" + url.QueryEscape(filters)
		}
		return s
	}
	// The v1 list is beta's completed list and its pending list together,
	// newest first: the first v1 page is the newest of the first pages of
	// the two.
	var all []taskDoc
	hdr := h.get("/task-status/v1"+q("", "limit=250"), http.StatusOK, &all)
	total, _ := strconv.Atoi(hdr.Get("X-Total-Count"))
	done := sameAnswer(t, h, "/beta/task-status"+q("", "limit=250"), "/task-status/v1"+q(completed, "limit=250")).([]any)
	pending := sameAnswerAll(t, h, "/beta/task-status/pending-tasks"+q("", ""), "/task-status/v1"+q("completionStatus isnull", ""))
	_, dh, _ := h.do(http.MethodGet, "/beta/task-status?count=true&limit=0", "", "")
	nDone, _ := strconv.Atoi(dh.Get("X-Total-Count"))
	nPending := len(pending)
	if nPending == 0 || nDone <= 250 || total != nDone+nPending || total != len(modelTasks(h, clock.Now(), func(*task) bool { return true })) {
		t.Fatalf("v1 lists %d tasks, beta %d completed and %d pending", total, nDone, nPending)
	}
	merged := append(slices.Clone(done), pending...)
	slices.SortStableFunc(merged, func(a, b any) int {
		return strings.Compare(b.(map[string]any)["created"].(string), a.(map[string]any)["created"].(string))
	})
	if len(all) != 250 {
		t.Fatalf("v1 first page holds %d tasks", len(all))
	}
	for i, d := range all {
		if id := merged[i].(map[string]any)["id"].(string); d.ID != id {
			t.Fatalf("v1 list item %d is %s, the newest of beta's two lists is %s", i, d.ID, id)
		}
	}
	sameAnswer(t, h, "/beta/task-status"+q("completionStatus isnull", ""), "/task-status/v1"+q("completionStatus isnull", ""))
	// Pending count: HEAD pending-tasks, GET pending-tasks and v1 isnull agree.
	pendingCount := func() (head, get, v1 string) {
		t.Helper()
		_, hh, _ := h.do(http.MethodHead, "/beta/task-status/pending-tasks?count=true", "", "")
		gh := h.get("/beta/task-status/pending-tasks?count=true&limit=0", http.StatusOK, nil)
		vh := h.get("/task-status/v1"+q("completionStatus isnull", "limit=0"), http.StatusOK, nil)
		return hh.Get("X-Total-Count"), gh.Get("X-Total-Count"), vh.Get("X-Total-Count")
	}
	if a, b, c := pendingCount(); a != strconv.Itoa(nPending) || b != a || c != a {
		t.Fatalf("pending counts: HEAD %s, GET %s, v1 %s, want %d", a, b, c, nPending)
	}
	// Filters and sorters mean the same in both.
	src := all[0]
	for _, d := range all {
		if d.Target != nil && d.Target.Type == targetApp {
			src = d
			break
		}
	}
	for _, f := range []string{
		`id in ("` + done[0].(map[string]any)["id"].(string) + `","` + done[7].(map[string]any)["id"].(string) + `") and ` + completed,
		`sourceId eq "` + src.Target.ID + `"`,
		`type in ("QPOC","QUEUED_TASK")`,
	} {
		legacyF, v1F := f, f
		if !strings.Contains(f, "completionStatus") {
			v1F = f + " and " + completed
		}
		if got := sameAnswer(t, h, "/beta/task-status"+q(legacyF, "sorters=created&limit=100"), "/task-status/v1"+q(v1F, "sorters=created&limit=100")).([]any); len(got) == 0 {
			t.Errorf("%s matched nothing", f)
		}
	}
	for _, d := range all[:5] {
		sameAnswer(t, h, "/beta/task-status/"+d.ID, "/task-status/v1/"+d.ID)
	}

	// A patch through v1 is seen through beta, and the reverse.
	id := pending[0].(map[string]any)["id"].(string)
	clock.Advance(time.Minute)
	if status, _, b := h.do(http.MethodPatch, "/task-status/v1/"+id, `[{"op":"replace","path":"/progress","value":"via v1"}]`, patchType); status != http.StatusOK {
		t.Fatalf("v1 patch: %d %s", status, b)
	}
	var got taskDoc
	h.get("/beta/task-status/"+id, http.StatusOK, &got)
	if got.Progress == nil || *got.Progress != "via v1" || got.Modified == nil || *got.Modified != formatTime(clock.Now()) {
		t.Fatalf("beta sees %+v after the v1 patch", got)
	}
	if status, _, b := h.do(http.MethodPatch, "/beta/task-status/"+id, `[{"op":"replace","path":"/completionStatus","value":"SUCCESS"}]`, patchType); status != http.StatusOK {
		t.Fatalf("beta patch: %d %s", status, b)
	}
	h.get("/task-status/v1/"+id, http.StatusOK, &got)
	if got.CompletionStatus == nil || *got.CompletionStatus != statusSuccess || *got.Progress != "via v1" {
		t.Fatalf("v1 sees %+v after the beta patch", got)
	}
	if a, b, c := pendingCount(); a != strconv.Itoa(nPending-1) || b != a || c != a {
		t.Fatalf("after completing one: HEAD %s, GET %s, v1 %s, want %d", a, b, c, nPending-1)
	}
	if got := sameAnswer(t, h, "/beta/task-status"+q(`id eq "`+id+`"`, ""), "/task-status/v1"+q(`id eq "`+id+`"`, "")).([]any); len(got) != 1 {
		t.Fatalf("the completed task is listed %d times", len(got))
	}
}

// TestTaskStatusListV1Filters: the filters only v1 documents (launcher,
// and the task kinds of type), and its refusals.
func TestTaskStatusListV1Filters(t *testing.T) {
	t.Parallel()
	h, clock := newTaskHarness(t)
	list := func(filters string) []taskDoc {
		t.Helper()
		var out []taskDoc
		hdr := h.get("/task-status/v1?count=true&limit=250&filters="+url.QueryEscape(filters), http.StatusOK, &out)
		if hdr.Get("X-Total-Count") != strconv.Itoa(len(out)) {
			t.Fatalf("%s: X-Total-Count %q for %d tasks", filters, hdr.Get("X-Total-Count"), len(out))
		}
		return out
	}
	check := func(filters string, keep func(*task) bool) {
		t.Helper()
		want := slices.Sorted(maps.Keys(modelTasks(h, clock.Now(), keep)))
		got := taskIDs(list(filters))
		slices.Sort(got)
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%s: %d tasks, want %d", filters, len(got), len(want))
		}
	}
	check(`launcher eq "sweep"`, func(ts *task) bool { return ts.launcher == "sweep" })
	check(`type eq "CLOUD_ACCOUNT_AGGREGATION" and completionStatus isnull`, func(ts *task) bool {
		return ts.uniqueName == "Cloud Account Aggregation" && ts.pending()
	})
	check(`type in ("IDENTITY_REFRESH","QUEUED_TASK")`, func(ts *task) bool {
		return ts.uniqueName == "Identity Refresh" || ts.uniqueName == "Refresh Identity" || ts.typ == taskQueued
	})
	check(`type eq "quartz"`, func(ts *task) bool { return ts.typ == taskQuartz })
	if got := list(`type eq "MACHINE_IDENTITY_DELETION"`); len(got) != 0 {
		t.Errorf("a kind the tenant never runs matched %d tasks", len(got))
	}
	for _, f := range []string{`type eq "NIGHTLY_BACKUP"`, `launcher co "sw"`, `created eq "x"`} {
		if status, _, b := h.do(http.MethodGet, "/task-status/v1?filters="+url.QueryEscape(f), "", ""); status != http.StatusBadRequest {
			t.Errorf("v1 %s: %d %s", f, status, b)
		}
	}
	// Beta documents no launcher filter.
	if status, _, _ := h.do(http.MethodGet, "/beta/task-status?filters="+url.QueryEscape(`launcher eq "sweep"`), "", ""); status != http.StatusBadRequest {
		t.Errorf("beta launcher filter: %d", status)
	}
}

// TestReportsAndExportsSameThroughBothGenerations: a report started
// through one generation is read, downloaded and cancelled through the
// other; an export likewise.
func TestReportsAndExportsSameThroughBothGenerations(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	h := newHarness(t, Options{Now: clock.Now, RateLimit: -1, ReportDuration: 5 * time.Second, ExportStep: 2 * time.Second})
	run := func(base, body string) string {
		t.Helper()
		status, _, b := h.do(http.MethodPost, base+"/run", body, "application/json")
		var out struct{ ID string }
		if status != http.StatusOK || json.Unmarshal(b, &out) != nil {
			t.Fatalf("POST %s/run: %d %s", base, status, b)
		}
		return out.ID
	}
	id := run("/reports/v1", `{"reportType":"IDENTITIES_DETAILS","arguments":{"correlatedOnly":false}}`)
	// The same report asked through beta while it runs is the same run.
	if twin := run("/v2024/reports", `{"reportType":"IDENTITIES_DETAILS","arguments":{"correlatedOnly":false}}`); twin != id {
		t.Fatalf("v2024 started %s beside the running v1 %s", twin, id)
	}
	res := sameAnswer(t, h, "/v2024/reports/"+id+"/result", "/reports/v1/"+id+"/result").(map[string]any)
	if _, has := res["status"]; has {
		t.Fatalf("running report: %v", res)
	}
	clock.Advance(5 * time.Second)
	res = sameAnswer(t, h, "/v2024/reports/"+id+"/result?completed=true", "/reports/v1/"+id+"/result?completed=true").(map[string]any)
	if res["status"] != reportSuccess {
		t.Fatalf("finished report: %v", res)
	}
	for _, format := range []string{"csv", "pdf"} {
		ls, lh, lb := h.do(http.MethodGet, "/v2024/reports/"+id+"?fileFormat="+format, "", "")
		vs, vh, vb := h.do(http.MethodGet, "/reports/v1/"+id+"?fileFormat="+format, "", "")
		if ls != http.StatusOK || vs != http.StatusOK || len(lb) == 0 || !bytes.Equal(lb, vb) ||
			lh.Get("Content-Disposition") != vh.Get("Content-Disposition") || lh.Get("Content-Type") != vh.Get("Content-Type") {
			t.Fatalf("%s: %d/%d, %d and %d bytes, %q and %q", format, ls, vs, len(lb), len(vb), lh.Get("Content-Disposition"), vh.Get("Content-Disposition"))
		}
	}

	// Started through v2024, cancelled through v1, seen through both.
	id = run("/v2024/reports", `{"reportType":"SEARCH_EXPORT","arguments":{"query":"*"}}`)
	if status, _, b := h.do(http.MethodPost, "/reports/v1/"+id+"/cancel", "", ""); status != http.StatusNoContent {
		t.Fatalf("v1 cancel: %d %s", status, b)
	}
	res = sameAnswer(t, h, "/v2024/reports/"+id+"/result", "/reports/v1/"+id+"/result").(map[string]any)
	if res["status"] != reportTerminated {
		t.Fatalf("cancelled report: %v", res)
	}
	if status, _, _ := h.do(http.MethodPost, "/v2024/reports/"+id+"/cancel", "", ""); status != http.StatusBadRequest {
		t.Fatalf("cancelling twice through the other generation: %d", status)
	}
	h.get("/reports/v1/"+id+"?fileFormat=csv", http.StatusNotFound, nil)

	// Export: started through v1, followed and downloaded through both.
	v1Export := "/role-mining-sessions/v1/" + testSession + "/potential-roles/" + testRole + "/export-async"
	status, _, b := h.do(http.MethodPost, v1Export, `{"minEntitlementPopularity":20}`, "application/json")
	var e exportDoc
	if status != http.StatusAccepted || json.Unmarshal(b, &e) != nil || e.Status != exportQueued {
		t.Fatalf("v1 export: %d %s", status, b)
	}
	legacyExport := exportPath(testSession, testRole)
	for _, want := range []string{exportQueued, exportInProgress, exportSuccess} {
		got := sameAnswer(t, h, legacyExport+"/"+e.ExportID, v1Export+"/"+e.ExportID).(map[string]any)
		if got["status"] != want || got["minEntitlementPopularity"] != 20.0 {
			t.Fatalf("export %v, want %s", got, want)
		}
		clock.Advance(2 * time.Second)
	}
	ls, _, lb := h.do(http.MethodGet, legacyExport+"/"+e.ExportID+"/download", "", "")
	vs, vh, vb := h.do(http.MethodGet, v1Export+"/"+e.ExportID+"/download", "", "")
	if ls != http.StatusOK || vs != http.StatusOK || vh.Get("Content-Type") != "application/zip" || len(lb) == 0 || !bytes.Equal(lb, vb) {
		t.Fatalf("downloads: %d/%d, %d and %d bytes", ls, vs, len(lb), len(vb))
	}
	if files := readExportZip(t, h, testSession, testRole, e.ExportID); files["entitlements.csv"] == nil {
		t.Fatal("the v1 export's zip has no entitlements.csv")
	}
	// Started through beta, found through v1 (and not under another role).
	le := startExport(t, h, testSession, testRole, "")
	h.get(v1Export+"/"+le.ExportID, http.StatusOK, nil)
	h.get("/role-mining-sessions/v1/"+testSession+"/potential-roles/"+testSession+"/export-async/"+le.ExportID, http.StatusNotFound, nil)
}

// TestIdentityHistoryV1ContractWalk reads, through v1 and its spec check,
// the events and snapshot access items of identities (a service one and a
// deleted one among them) until every event type and every access-item
// type has been seen: v1's schemas spell some
// types apart from beta's (nullable fields outside allOf), so each variant
// is checked against v1's own text.
func TestIdentityHistoryV1ContractWalk(t *testing.T) {
	t.Parallel()
	h, clock := newHistHarness(t)
	events, kinds := map[string]bool{}, map[string]bool{}
	walked := 0
	// A service identity and a deleted one first, then by name.
	// (Found without histPick, which would build every timeline on the way.)
	everyone := h.tn.history.listIdentities()
	service := slices.IndexFunc(everyone, (*identity).service)
	deleted := slices.IndexFunc(everyone, func(p *identity) bool { return p.DeletedDate != nil })
	if service < 0 || deleted < 0 {
		t.Fatalf("no service (%d) or deleted (%d) identity", service, deleted)
	}
	roster := []*identity{everyone[service], everyone[deleted]}
	for _, p := range append(roster, everyone[:40]...) {
		if walked >= 3 && len(events) == 6 && len(kinds) == len(histKindNames) {
			break
		}
		walked++
		base := "/historical-identities/v1/" + p.ID
		var evs []histTestEvent
		h.get(base+"/events?limit=60", http.StatusOK, &evs)
		for _, e := range evs {
			events[e.EventType] = true
		}
		mid := formatTime(p.StartDate.Add(clock.Now().Sub(p.StartDate) / 2))
		var items []histTestItem
		h.get(base+"/snapshots/"+mid+"/access-items", http.StatusOK, &items)
		for _, it := range items {
			kinds[it.AccessType] = true
		}
	}
	if len(events) != 6 || len(kinds) != len(histKindNames) {
		t.Fatalf("after %d identities: event types %v, access-item types %v", walked, events, kinds)
	}
	if n := h.spec.CoveredIn(spectest.IdentityHistoryV1)["getHistoricalIdentityEventsV1"]; n != walked {
		t.Fatalf("%d event lists validated, want %d", n, walked)
	}
}

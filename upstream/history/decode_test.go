package history

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/upstream/isc"
)

// fixed serves body for every request and records the last request.
func fixed(t testing.TB, body string) (*Client, *http.Request) {
	t.Helper()
	var last http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		last = *r
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return c, &last
}

const fiveItems = `[
 {"accessType":"account","id":"a1","displayName":"Acct","sourceName":"AD","nativeIdentity":"ad\\a1","sourceId":"s1","entitlementCount":3},
 {"accessType":"entitlement","id":"e1","displayName":"Grp","sourceName":"AD","attribute":"groups","value":"cn=g","type":"group","description":null,"sourceId":"s1","standalone":true,"privileged":false,"cloudGoverned":null},
 {"accessType":"app","id":"p1","displayName":"App","sourceName":null,"appRoleId":"r9"},
 {"accessType":"accessProfile","id":"ap1","displayName":"AP","sourceName":"HR","entitlementCount":2,"description":"d","sourceId":"s2","appRefs":[{"cloudAppId":"c1","cloudAppName":"Cloud"}],"startDate":"2024-07-01T05:00:00.00Z","removeDate":null,"standalone":false,"revocable":true},
 {"accessType":"role","id":"ro1","displayName":"Role","sourceName":null,"description":"rd","removeDate":"2024-07-01T06:00:00.000Z","revocable":true}
]`

func TestAccessItemKinds(t *testing.T) {
	c, req := fixed(t, fiveItems)
	page, err := c.ListAccessItems(t.Context(), "id1", AccessItemsParams{
		Type:   AccessProfile,
		Filter: isc.And(isc.Eq(ItemSource, isc.Str("HR")), isc.Eq(ItemStandalone, isc.Bool(false))),
		Sort:   []isc.Sort[ItemSortField]{isc.Desc(SortName)},
		Query:  "Dr",
		Paging: isc.Paging{Limit: 5, Offset: 10, Count: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	q := req.URL.Query()
	if q.Get("type") != "accessProfile" || q.Get("filters") != `source eq "HR" and standalone eq false` ||
		q.Get("sorters") != "-name" || q.Get("query") != "Dr" || q.Get("count") != "true" || q.Get("limit") != "5" || q.Get("offset") != "10" {
		t.Fatalf("query = %s", req.URL.RawQuery)
	}
	if len(page.Items) != 5 {
		t.Fatalf("%d items", len(page.Items))
	}
	acct, ok := page.Items[0].(*AccountItem)
	if !ok || acct.NativeIdentity != `ad\a1` || acct.EntitlementCount != 3 || acct.Base().SourceName != "AD" {
		t.Fatalf("account = %#v", page.Items[0])
	}
	ent, ok := page.Items[1].(*EntitlementItem)
	if !ok || ent.EntitlementType != "group" || ent.Description != "" || ent.Standalone == nil || !*ent.Standalone || ent.CloudGoverned != nil {
		t.Fatalf("entitlement = %#v", page.Items[1])
	}
	if app, ok := page.Items[2].(*AppItem); !ok || app.AppRoleID != "r9" || app.SourceName != "" {
		t.Fatalf("app = %#v", page.Items[2])
	}
	ap, ok := page.Items[3].(*AccessProfileItem)
	if !ok || len(ap.AppRefs) != 1 || ap.AppRefs[0].CloudAppName != "Cloud" || ap.StartDate == nil ||
		!ap.StartDate.Equal(time.Date(2024, 7, 1, 5, 0, 0, 0, time.UTC)) || ap.RemoveDate != nil || *ap.Revocable != true {
		t.Fatalf("access profile = %#v", page.Items[3])
	}
	role, ok := page.Items[4].(*RoleItem)
	if !ok || role.RemoveDate == nil || role.RemoveDate.Hour() != 6 || !role.Revocable || role.Type() != Role {
		t.Fatalf("role = %#v", page.Items[4])
	}
}

func TestAccessItemKindFromRequestWhenUnsent(t *testing.T) {
	c, _ := fixed(t, `[{"id":"x","nativeIdentity":"n"}]`)
	page, err := c.ListAccessItems(t.Context(), "id1", AccessItemsParams{})
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := page.Items[0].(*AccountItem); !ok || a.NativeIdentity != "n" {
		t.Fatalf("item = %#v, want the default type, account", page.Items[0])
	}
	// The snapshot operation has no default type: an item without one is
	// refused rather than guessed.
	_, err = c.ListSnapshotAccessItems(t.Context(), "id1", time.Now(), 0)
	var ce *isc.ContractError
	if !errors.As(err, &ce) || ce.Op != "listIdentitySnapshotAccessItems" {
		t.Fatalf("err = %v", err)
	}
}

func TestUnknownAccessTypeBreaksContract(t *testing.T) {
	c, _ := fixed(t, `[{"id":"x","accessType":"gadget"}]`)
	_, err := c.ListAccessItems(t.Context(), "id1", AccessItemsParams{})
	var ce *isc.ContractError
	if !errors.Is(err, isc.ErrUnavailable) || !errors.As(err, &ce) || ce.Op != "listIdentityAccessItems" {
		t.Fatalf("err = %v", err)
	}
}

func TestSnapshotTypeSpelling(t *testing.T) {
	c, req := fixed(t, `[]`)
	date := time.Date(2024, 3, 1, 13, 0, 0, 0, time.UTC)
	if _, err := c.ListSnapshotAccessItems(t.Context(), "id1", date, AccessProfile); err != nil {
		t.Fatal(err)
	}
	if req.URL.Query().Get("type") != "access_profile" || req.URL.EscapedPath() != "/beta/historical-identities/id1/snapshots/2024-03-01T13:00:00Z/access-items" {
		t.Fatalf("request = %s", req.URL)
	}
}

const sixEvents = `[
 {"eventType":"IdentityCertified","identityId":"i1","dateTime":"2024-01-01T00:00:00.000Z","certificationId":"c1","certificationName":"Q1","signedDate":"2024-01-02T00:00:00Z","certifiers":[{"id":"m","displayName":"Mgr"}],"reviewers":[{"id":"m","displayName":"Mgr"}],"signer":{"id":"m","displayName":"Mgr"}},
 {"eventType":"AccessItemAssociated","identityId":"i1","dateTime":"2024-01-03T00:00:00Z","accessItem":{"accessType":"role","id":"r1","displayName":"R","revocable":false},"accessItemType":"role","governanceEvent":{"name":"AR 1","dateTime":"2024-01-03T00:00:00Z","type":"accessRequest","governanceId":"g1","owners":[],"reviewers":[],"decisionMaker":{"id":"m","displayName":"Mgr"}}},
 {"eventType":"AccessItemRemoved","identityId":"i1","dateTime":"2024-01-04T00:00:00Z","accessItem":{"accessType":"accessProfile","id":"ap","displayName":"AP","entitlementCount":1,"appRefs":[],"standalone":null,"revocable":null},"accessItemType":"accessProfile","governanceEvent":null},
 {"eventType":"AttributesChanged","identityId":"i1","dateTime":"2024-01-05T00:00:00Z","attributeChanges":[{"name":"department","previousValue":"HR","newValue":"IT"}]},
 {"eventType":"AccessRequested","identityId":"i1","dateTime":"2024-01-06T00:00:00Z","accessRequest":{"requesterId":"m","requesterName":"Mgr","items":[{"operation":"Add","accessItemType":"role","name":"R","decision":"APPROVED","approvalInfos":[{"id":"m","name":"Mgr","status":"Approved"}]}]}},
 {"eventType":"AccountStatusChanged","identityId":"i1","dateTime":"2024-01-07T00:00:00Z","account":{"id":"a1","nativeIdentity":"n1","displayName":"A","sourceId":"s","sourceName":"AD","entitlementCount":2,"accessType":"account"},"statusChange":{"previousStatus":"enabled","newStatus":"disabled"}}
]`

func TestEventKinds(t *testing.T) {
	c, req := fixed(t, sixEvents)
	page, err := c.ListEvents(t.Context(), "i1", EventsParams{
		From:            time.Date(2024, 3, 1, 13, 0, 0, 0, time.UTC),
		EventTypes:      []string{EventAccessItemAssociated, EventAccessItemRemoved},
		AccessItemTypes: []AccessType{Role, AccessProfile},
	})
	if err != nil {
		t.Fatal(err)
	}
	if req.URL.RawQuery != "accessItemTypes=role&accessItemTypes=accessProfile&eventTypes=AccessItemAssociated&eventTypes=AccessItemRemoved&from=2024-03-01T13%3A00%3A00Z" {
		t.Fatalf("query = %s", req.URL.RawQuery)
	}
	if len(page.Items) != 6 {
		t.Fatalf("%d events", len(page.Items))
	}
	cert, ok := page.Items[0].(*IdentityCertified)
	if !ok || cert.CertificationName != "Q1" || cert.Signer == nil || cert.SignedDate.Day() != 2 || cert.Base().DateTime.Day() != 1 {
		t.Fatalf("certified = %#v", page.Items[0])
	}
	assoc, ok := page.Items[1].(*AccessItemAssociated)
	if !ok || assoc.AccessItemType != Role || assoc.GovernanceEvent == nil || assoc.GovernanceEvent.DecisionMaker.DisplayName != "Mgr" {
		t.Fatalf("associated = %#v", page.Items[1])
	}
	if r, ok := assoc.Item.(*RoleItem); !ok || r.ID != "r1" {
		t.Fatalf("associated item = %#v", assoc.Item)
	}
	removed, ok := page.Items[2].(*AccessItemRemoved)
	if !ok || removed.GovernanceEvent != nil || removed.Item.Type() != AccessProfile {
		t.Fatalf("removed = %#v", page.Items[2])
	}
	if ch, ok := page.Items[3].(*AttributesChanged); !ok || ch.Changes[0].NewValue != "IT" {
		t.Fatalf("attributes = %#v", page.Items[3])
	}
	if rq, ok := page.Items[4].(*AccessRequested); !ok || rq.Request.Items[0].Decision != "APPROVED" || rq.EventType != EventAccessRequested {
		t.Fatalf("requested = %#v", page.Items[4])
	}
	st, ok := page.Items[5].(*AccountStatusChanged)
	if !ok || st.Account.NativeIdentity != "n1" || st.Account.SourceName != "AD" || st.PreviousStatus != "enabled" || st.NewStatus != "disabled" {
		t.Fatalf("status = %#v", page.Items[5])
	}
}

func TestUnknownEventTypeBreaksContract(t *testing.T) {
	c, _ := fixed(t, `[{"eventType":"Surprise","identityId":"i1"}]`)
	_, err := c.ListEvents(t.Context(), "i1", EventsParams{})
	var ce *isc.ContractError
	if !errors.As(err, &ce) || ce.Op != "getHistoricalIdentityEvents" {
		t.Fatalf("err = %v", err)
	}
}

func TestIdentityAndComparisonDecode(t *testing.T) {
	c, _ := fixed(t, `{"id":"i1","displayName":"Ada","snapshot":"2024-05-01T00:00:00.000Z","accessItemCount":{"app":1,"accessProfile":3,"role":0},"attributes":{"department":"HR","n":2}}`)
	id, err := c.GetIdentity(t.Context(), "i1")
	if err != nil {
		t.Fatal(err)
	}
	if id.AccessItemCount[AccessProfile] != 3 || id.AccessItemCount[App] != 1 || id.Snapshot.Month() != time.May || id.DeletedDate != nil || id.Attributes["department"] != "HR" {
		t.Fatalf("identity = %+v", id)
	}
	c, _ = fixed(t, `[{"accessItemDiff":{"role":{"accessAdded":2,"accessRemoved":3},"accessProfile":{"accessAdded":0,"accessRemoved":1}}}]`)
	cmp, err := c.CompareSnapshots(t.Context(), "i1", CompareParams{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Items[0].AccessItemDiff; d[Role] != (AccessChange{Added: 2, Removed: 3}) || d[AccessProfile].Removed != 1 {
		t.Fatalf("comparison = %+v", cmp.Items)
	}
}

func TestArgumentsRefusedBeforeAnyCall(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected upstream call %s", r.URL)
	}))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	checks := map[string]func() error{
		"limit above 250": func() error {
			_, err := c.ListAccessItems(ctx, "i", AccessItemsParams{Paging: isc.Paging{Limit: 251}})
			return err
		},
		"filter field": func() error {
			_, err := c.ListAccessItems(ctx, "i", AccessItemsParams{Filter: isc.And(isc.Eq(ItemField("name"), isc.Str("x")))})
			return err
		},
		"filter value kind": func() error {
			_, err := c.ListAccessItems(ctx, "i", AccessItemsParams{Filter: isc.And(isc.Eq(ItemPrivileged, isc.Str("yes")))})
			return err
		},
		"sort field": func() error {
			_, err := c.ListAccessItems(ctx, "i", AccessItemsParams{Sort: []isc.Sort[ItemSortField]{isc.Asc(ItemSortField("created"))}})
			return err
		},
		"count on identities": func() error {
			_, err := c.ListIdentities(ctx, ListIdentitiesParams{Paging: isc.Paging{Count: true}})
			return err
		},
		"empty id":           func() error { _, err := c.GetIdentity(ctx, ""); return err },
		"zero snapshot date": func() error { _, err := c.GetSnapshot(ctx, "i", time.Time{}); return err },
		"interval":           func() error { _, err := c.ListSnapshots(ctx, "i", SnapshotsParams{Interval: "week"}); return err },
		"compare type":       func() error { _, err := c.CompareAccessType(ctx, "i", 0, DiffParams{}); return err },
		"event item type": func() error {
			_, err := c.ListEvents(ctx, "i", EventsParams{AccessItemTypes: []AccessType{42}})
			return err
		},
		// eventTypes= is no event type: the spec allows no empty value.
		"empty event type": func() error {
			_, err := c.ListEvents(ctx, "i", EventsParams{EventTypes: []string{"AccessRequested", ""}})
			return err
		},
		"offset beyond int32": func() error {
			_, err := c.ListEvents(ctx, "i", EventsParams{Paging: isc.Paging{Offset: isc.MaxOffset + 1}})
			return err
		},
		"unknown time zone": func() error {
			_, err := c.GetSnapshotSummary(ctx, "i", SummaryParams{TimeZone: "Mars/Olympus"})
			return err
		},
		"Go's Local zone": func() error {
			_, err := c.GetSnapshotSummary(ctx, "i", SummaryParams{TimeZone: "Local"})
			return err
		},
		"a zone file path": func() error {
			_, err := c.GetSnapshotSummary(ctx, "i", SummaryParams{TimeZone: "../../../etc/passwd"})
			return err
		},
	}
	for name, f := range checks {
		var ae *isc.ArgumentError
		if err := f(); !errors.Is(err, isc.ErrBadRequest) || !errors.As(err, &ae) {
			t.Errorf("%s: err = %v, want an *isc.ArgumentError", name, err)
		}
	}
}

func TestTimeZones(t *testing.T) {
	for _, tz := range []string{"", "UTC", "Europe/Paris", "America/Argentina/Buenos_Aires", "Etc/GMT+5"} {
		if err := validTimeZone(tz); err != nil {
			t.Errorf("%q: %v", tz, err)
		}
	}
	for _, tz := range []string{"Local", "Mars/Olympus", "utc ", "Europe/", "/UTC", "../zoneinfo/UTC", "Europe/Paris\x00"} {
		var ae *isc.ArgumentError
		if err := validTimeZone(tz); !errors.As(err, &ae) || ae.Param != "time-zone" {
			t.Errorf("%q: err = %v", tz, err)
		}
	}
}

func TestAccessTypeSpellings(t *testing.T) {
	for _, at := range AccessTypes() {
		b, err := at.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back AccessType
		if err := back.UnmarshalText(b); err != nil || back != at {
			t.Fatalf("%v round trip: %v, %v", at, back, err)
		}
	}
	if got, ok := ParseAccessType("access_profile"); !ok || got != AccessProfile || got.snapshotName() != "access_profile" || got.String() != "accessProfile" {
		t.Fatal("access_profile is not AccessProfile")
	}
	if _, ok := ParseAccessType("AccessProfile"); ok {
		t.Fatal("an unknown spelling was accepted")
	}
}

package graph_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/graph"
	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/history"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// firstIdentity returns the id of the tenant's first identity, read
// directly.
func (e *env) firstIdentity() string {
	e.t.Helper()
	page, err := e.history.ListIdentities(context.Background(), history.ListIdentitiesParams{Paging: isc.Paging{Limit: 1}})
	if err != nil || len(page.Items) == 0 {
		e.t.Fatalf("list identities: %v (%d)", err, len(page.Items))
	}
	return page.Items[0].ID
}

// identityWithEveryEventKind returns an identity whose latest 250 events
// have all six kinds, read directly.
func (e *env) identityWithEveryEventKind() string {
	e.t.Helper()
	ctx := context.Background()
	ids := must(e.history.ListIdentities(ctx, history.ListIdentitiesParams{Paging: isc.Paging{Limit: 50}}))
	for _, it := range ids.Items {
		evs := must(e.history.ListEvents(ctx, it.ID, history.EventsParams{Paging: isc.Paging{Limit: 250}}))
		kinds := map[string]bool{}
		for _, ev := range evs.Items {
			kinds[ev.Base().EventType] = true
		}
		if len(kinds) == 6 {
			return it.ID
		}
	}
	e.t.Fatal("no identity has every kind of event")
	return ""
}

const identityPage = `query Page($id: ID!) {
  identity(id: $id) {
    id displayName active deletedDate snapshotDate attributes startDate
    accessItemCounts { type count }
    accessItems(first: 50) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { __typename id displayName sourceName accessType ... on Account { nativeIdentity sourceId entitlementCount } } }
    }
    again: accessItems(first: 50) { totalCount nodes { id } }
    events(first: 20) { nodes { __typename identityId eventType dateTime } }
    snapshots(first: 5) { totalCount nodes { date } }
  }
}`

type pageData struct {
	Identity struct {
		ID               string
		DisplayName      string
		Active           *bool
		DeletedDate      *time.Time
		SnapshotDate     *time.Time
		Attributes       map[string]any
		StartDate        time.Time
		AccessItemCounts []struct {
			Type  string
			Count int
		}
		AccessItems struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage bool
				EndCursor   *string
			}
			Edges []struct {
				Cursor string
				Node   struct {
					Typename         string `json:"__typename"`
					ID               string
					DisplayName      string
					SourceName       string
					AccessType       string
					NativeIdentity   string
					SourceID         string
					EntitlementCount int
				}
			}
		}
		Again struct {
			Nodes []struct{ ID string }
		}
		Events struct {
			Nodes []struct {
				Typename   string `json:"__typename"`
				IdentityID string
				EventType  string
				DateTime   time.Time
			}
		}
		Snapshots struct {
			TotalCount int
			Nodes      []struct{ Date time.Time }
		}
	}
}

// An identity page is one query: one call to learn the identity exists,
// then its four independent calls at once, and no call twice.
func TestIdentityPage(t *testing.T) { inEachGeneration(t, testIdentityPage) }

func testIdentityPage(t *testing.T, gen string) {
	e := newEnvIn(t, gen, simtenant.Options{}, graph.Options{})
	id := e.firstIdentity()
	e.tn.SetLatency(200 * time.Millisecond)
	e.calls.SetGate(e.path(op.GetHistoricalIdentity, id)+"/", 4)

	var d pageData
	e.mustQuery(identityPage, map[string]any{"id": id}, &d)

	byOp, _, maxInFlight := e.calls.Snapshot()
	want := map[string]int{
		"getHistoricalIdentity":       1, // also serves snapshotDate, attributes, accessItemCounts
		"getIdentityStartDate":        1,
		"listIdentityAccessItems":     1, // shared by the "again" alias
		"getHistoricalIdentityEvents": 1,
		"listIdentitySnapshots":       1,
	}
	if !mapsEqual(byOp, want) {
		t.Errorf("upstream calls %v, want %v", byOp, want)
	}
	// The identity's children need only its id: they start with the
	// identity's own call (look-ahead), so the page is one round trip.
	if maxInFlight != 5 {
		t.Errorf("at most %d upstream calls were in flight at once, want all 5 together", maxInFlight)
	}

	// The data is the tenant's.
	e.tn.SetLatency(0)
	ctx := context.Background()
	got := d.Identity
	detail := must(e.history.GetIdentity(ctx, id))
	if got.ID != id || got.DisplayName != detail.DisplayName || !sameTime(got.SnapshotDate, detail.Snapshot) || !sameTime(got.DeletedDate, detail.DeletedDate) {
		t.Errorf("identity %+v, tenant %+v", got, detail)
	}
	if got.Active != nil {
		t.Errorf("active %v: the detail operation does not say", *got.Active)
	}
	if got.Attributes["department"] != detail.Attributes["department"] || len(got.Attributes) != len(detail.Attributes) {
		t.Errorf("attributes %v, tenant %v", got.Attributes, detail.Attributes)
	}
	if len(got.AccessItemCounts) != 5 {
		t.Fatalf("accessItemCounts %+v", got.AccessItemCounts)
	}
	for _, c := range got.AccessItemCounts {
		typ := map[string]history.AccessType{"ACCOUNT": history.Account, "ENTITLEMENT": history.Entitlement, "APP": history.App, "ACCESS_PROFILE": history.AccessProfile, "ROLE": history.Role}[c.Type]
		if c.Count != detail.AccessItemCount[typ] {
			t.Errorf("%s count %d, tenant %d", c.Type, c.Count, detail.AccessItemCount[typ])
		}
	}
	if start := must(e.history.GetStartDate(ctx, id)); !got.StartDate.Equal(start) {
		t.Errorf("startDate %v, tenant %v", got.StartDate, start)
	}

	accounts := must(e.history.ListAccessItems(ctx, id, history.AccessItemsParams{Paging: isc.Paging{Limit: 50, Count: true}}))
	if got.AccessItems.TotalCount != accounts.Total || len(got.AccessItems.Edges) != len(accounts.Items) || len(got.Again.Nodes) != len(accounts.Items) {
		t.Fatalf("accessItems: total %d, %d edges; tenant %d of %d", got.AccessItems.TotalCount, len(got.AccessItems.Edges), len(accounts.Items), accounts.Total)
	}
	for i, edge := range got.AccessItems.Edges {
		a := accounts.Items[i].(*history.AccountItem)
		n := edge.Node
		if n.Typename != "Account" || n.AccessType != "ACCOUNT" || n.ID != a.ID || n.NativeIdentity != a.NativeIdentity ||
			n.SourceName != a.SourceName || n.SourceID != a.SourceID || n.EntitlementCount != a.EntitlementCount || got.Again.Nodes[i].ID != a.ID {
			t.Errorf("access item %d: %+v, tenant %+v", i, n, a)
		}
	}
	if got.AccessItems.PageInfo.HasNextPage != (accounts.Total > 50) {
		t.Errorf("hasNextPage %v with %d items", got.AccessItems.PageInfo.HasNextPage, accounts.Total)
	}
	if last := len(got.AccessItems.Edges) - 1; last >= 0 && (got.AccessItems.PageInfo.EndCursor == nil || *got.AccessItems.PageInfo.EndCursor != got.AccessItems.Edges[last].Cursor) {
		t.Errorf("endCursor %v, last edge's cursor %q", got.AccessItems.PageInfo.EndCursor, got.AccessItems.Edges[last].Cursor)
	}

	events := must(e.history.ListEvents(ctx, id, history.EventsParams{Paging: isc.Paging{Limit: 20}}))
	if len(got.Events.Nodes) != len(events.Items) {
		t.Fatalf("%d events, tenant %d", len(got.Events.Nodes), len(events.Items))
	}
	for i, ev := range got.Events.Nodes {
		b := events.Items[i].Base()
		if ev.Typename != b.EventType || ev.EventType != b.EventType || ev.IdentityID != id || !ev.DateTime.Equal(*b.DateTime) {
			t.Errorf("event %d: %+v, tenant %+v", i, ev, b)
		}
	}
	snaps := must(e.history.ListSnapshots(ctx, id, history.SnapshotsParams{Paging: isc.Paging{Limit: 5, Count: true}}))
	if got.Snapshots.TotalCount != snaps.Total || len(got.Snapshots.Nodes) != len(snaps.Items) || !got.Snapshots.Nodes[0].Date.Equal(snaps.Items[0].Snapshot) {
		t.Errorf("snapshots %+v, tenant %+v", got.Snapshots, snaps)
	}
}

// Fields that share an upstream call share it: three detail fields of one
// listed identity make one call, and totalCount is asked of the tenant only
// when it is selected.
func TestEqualCallsOnceAndCountOnlyWhenSelected(t *testing.T) {
	inEachGeneration(t, testEqualCallsOnceAndCountOnlyWhenSelected)
}

func testEqualCallsOnceAndCountOnlyWhenSelected(t *testing.T, gen string) {
	e := newEnvIn(t, gen, simtenant.Options{}, graph.Options{})
	var d struct {
		Identities struct {
			Nodes []struct {
				ID          string
				Attributes  map[string]any
				Counted     struct{ TotalCount *int } `json:"counted"`
				Uncounted   struct{ Nodes []struct{ ID string } }
				AccessItems struct{ Nodes []struct{ ID string } }
			}
		}
	}
	e.mustQuery(`{ identities(first: 3) { nodes { id attributes snapshotDate accessItemCounts { count }
		counted: events(first: 5) { totalCount }
		uncounted: accessItems(first: 5) { nodes { id } }
		accessItems(first: 5) { nodes { id } } } } }`, nil, &d)
	byOp, queries, _ := e.calls.Snapshot()
	want := map[string]int{"listHistoricalIdentities": 1, "getHistoricalIdentity": 3, "getHistoricalIdentityEvents": 3, "listIdentityAccessItems": 3}
	if !mapsEqual(byOp, want) {
		t.Errorf("upstream calls %v, want %v", byOp, want)
	}
	for _, q := range queries {
		counted := containsParam(q, "count=true")
		if isEvents := slices.Contains([]string{"events"}, lastSegment(q)); counted != isEvents {
			t.Errorf("%s: count=true %v, want it only where totalCount is selected", q, counted)
		}
	}
	for _, n := range d.Identities.Nodes {
		if n.Counted.TotalCount == nil || *n.Counted.TotalCount == 0 || len(n.Attributes) == 0 || len(n.AccessItems.Nodes) != len(n.Uncounted.Nodes) {
			t.Errorf("identity %+v", n)
		}
	}
}

const accessItemFragment = `fragment Item on AccessItem {
  __typename id displayName sourceName accessType
  ... on Account { nativeIdentity sourceId entitlementCount }
  ... on Entitlement { attribute value entitlementType description sourceId standalone privileged cloudGoverned }
  ... on App { appRoleId }
  ... on AccessProfile { description sourceId entitlementCount appRefs { cloudAppId cloudAppName } startDate removeDate standalone revocable }
  ... on Role { description startDate removeDate revocable }
}`

type itemData struct {
	Typename         string `json:"__typename"`
	ID               string
	DisplayName      *string
	SourceName       *string
	AccessType       string
	NativeIdentity   *string
	SourceID         *string
	EntitlementCount *int
	Attribute        *string
	Value            *string
	EntitlementType  *string
	Description      *string
	Standalone       *bool
	Privileged       *bool
	CloudGoverned    *bool
	AppRoleID        *string
	AppRefs          []struct {
		CloudAppID   string
		CloudAppName *string
	}
	StartDate  *time.Time
	RemoveDate *time.Time
	Revocable  *bool
}

// Every access item kind comes back as its own type with its own fields,
// as the tenant has them.
func TestAccessItemKinds(t *testing.T) { inEachGeneration(t, testAccessItemKinds) }

func testAccessItemKinds(t *testing.T, gen string) {
	e := newEnvIn(t, gen, simtenant.Options{}, graph.Options{})
	id := e.firstIdentity()
	var d struct {
		Identity map[string]struct{ Nodes []itemData }
	}
	e.mustQuery(`query Q($id: ID!) { identity(id: $id) {
		ACCOUNT: accessItems(type: ACCOUNT, first: 100) { nodes { ...Item } }
		ENTITLEMENT: accessItems(type: ENTITLEMENT, first: 100) { nodes { ...Item } }
		APP: accessItems(type: APP, first: 100) { nodes { ...Item } }
		ACCESS_PROFILE: accessItems(type: ACCESS_PROFILE, first: 100) { nodes { ...Item } }
		ROLE: accessItems(type: ROLE, first: 100) { nodes { ...Item } }
	} } `+accessItemFragment, map[string]any{"id": id}, &d)

	typenames := map[string]string{"ACCOUNT": "Account", "ENTITLEMENT": "Entitlement", "APP": "App", "ACCESS_PROFILE": "AccessProfile", "ROLE": "Role"}
	upstream := map[string]history.AccessType{"ACCOUNT": history.Account, "ENTITLEMENT": history.Entitlement, "APP": history.App, "ACCESS_PROFILE": history.AccessProfile, "ROLE": history.Role}
	for kind, conn := range d.Identity {
		tenant := must(e.history.ListAccessItems(context.Background(), id, history.AccessItemsParams{Type: upstream[kind], Paging: isc.Paging{Limit: 100}}))
		if len(conn.Nodes) == 0 || len(conn.Nodes) != len(tenant.Items) {
			t.Errorf("%s: %d items, tenant %d", kind, len(conn.Nodes), len(tenant.Items))
			continue
		}
		for i, n := range conn.Nodes {
			if n.Typename != typenames[kind] || n.AccessType != kind {
				t.Errorf("%s item %d is a %s (%s)", kind, i, n.Typename, n.AccessType)
			}
			checkItem(t, n, tenant.Items[i])
		}
	}
	if len(d.Identity) != 5 {
		t.Errorf("%d kinds", len(d.Identity))
	}
}

// checkItem compares a GraphQL access item with the tenant's.
func checkItem(t *testing.T, n itemData, it history.AccessItem) {
	t.Helper()
	b := it.Base()
	if n.ID != b.ID || str(n.DisplayName) != b.DisplayName || str(n.SourceName) != b.SourceName {
		t.Errorf("item %s: %+v, tenant %+v", b.ID, n, b)
	}
	ok := true
	switch v := it.(type) {
	case *history.AccountItem:
		ok = str(n.NativeIdentity) == v.NativeIdentity && str(n.SourceID) == v.SourceID && *n.EntitlementCount == v.EntitlementCount
	case *history.EntitlementItem:
		ok = str(n.Attribute) == v.Attribute && str(n.Value) == v.Value && str(n.EntitlementType) == v.EntitlementType &&
			str(n.Description) == v.Description && sameBool(n.Standalone, v.Standalone) && sameBool(n.Privileged, v.Privileged) && sameBool(n.CloudGoverned, v.CloudGoverned)
	case *history.AppItem:
		ok = str(n.AppRoleID) == v.AppRoleID
	case *history.AccessProfileItem:
		ok = str(n.Description) == v.Description && *n.EntitlementCount == v.EntitlementCount && len(n.AppRefs) == len(v.AppRefs) &&
			sameTime(n.StartDate, v.StartDate) && sameTime(n.RemoveDate, v.RemoveDate) && sameBool(n.Revocable, v.Revocable)
		for i := range n.AppRefs {
			ok = ok && n.AppRefs[i].CloudAppID == v.AppRefs[i].CloudAppID
		}
	case *history.RoleItem:
		ok = str(n.Description) == v.Description && sameTime(n.StartDate, v.StartDate) && *n.Revocable == v.Revocable
	}
	if !ok {
		t.Errorf("%s %s: %+v, tenant %+v", n.Typename, b.ID, n, it)
	}
}

// Filters, sort order and search reach the tenant as the tenant's
// parameters: the answer is the one the tenant gives for them.
func TestAccessItemFilterOrderAndSearch(t *testing.T) {
	inEachGeneration(t, testAccessItemFilterOrderAndSearch)
}

func testAccessItemFilterOrderAndSearch(t *testing.T, gen string) {
	e := newEnvIn(t, gen, simtenant.Options{}, graph.Options{})
	id := e.firstIdentity()
	var d struct {
		Identity struct {
			Privileged, Searched struct{ Nodes []itemData }
		}
	}
	e.mustQuery(`query Q($id: ID!) { identity(id: $id) {
		privileged: accessItems(type: ENTITLEMENT, filter: {privileged: false, standalone: false}, orderBy: [{field: NAME, direction: DESC}], first: 100) { nodes { ...Item } }
		searched: accessItems(type: ENTITLEMENT, query: "a", orderBy: [{field: SOURCE}, {field: VALUE, direction: DESC}], first: 100) { nodes { ...Item } }
	} } `+accessItemFragment, map[string]any{"id": id}, &d)
	ctx := context.Background()
	filtered := must(e.history.ListAccessItems(ctx, id, history.AccessItemsParams{
		Type:   history.Entitlement,
		Filter: isc.And(isc.Eq(history.ItemPrivileged, isc.Bool(false)), isc.Eq(history.ItemStandalone, isc.Bool(false))),
		Sort:   []isc.Sort[history.ItemSortField]{isc.Desc(history.SortName)},
		Paging: isc.Paging{Limit: 100},
	}))
	searched := must(e.history.ListAccessItems(ctx, id, history.AccessItemsParams{
		Type: history.Entitlement, Query: "a",
		Sort:   []isc.Sort[history.ItemSortField]{isc.Asc(history.SortSource), isc.Desc(history.SortValue)},
		Paging: isc.Paging{Limit: 100},
	}))
	for name, c := range map[string]struct {
		got  []itemData
		want []history.AccessItem
	}{"filtered": {d.Identity.Privileged.Nodes, filtered.Items}, "searched": {d.Identity.Searched.Nodes, searched.Items}} {
		if len(c.got) != len(c.want) {
			t.Errorf("%s: %d items, tenant %d", name, len(c.got), len(c.want))
			continue
		}
		for i := range c.got {
			checkItem(t, c.got[i], c.want[i])
		}
	}
	for _, n := range d.Identity.Privileged.Nodes {
		if n.Privileged == nil || *n.Privileged || n.Standalone == nil || *n.Standalone {
			t.Errorf("filtered item %+v", n)
		}
	}
}

type eventData struct {
	Typename          string `json:"__typename"`
	IdentityID        string
	EventType         string
	DateTime          *time.Time
	CertificationID   string
	CertificationName string
	SignedDate        *time.Time
	Reviewers         []struct{ ID string }
	Signer            *struct{ ID, DisplayName string }
	AccessItem        *itemData
	GovernanceEvent   *struct {
		Name, Type   *string
		GovernanceID *string
		Owners       []struct{ ID string }
	}
	AttributeChanges []struct {
		Name                    string
		PreviousValue, NewValue *string
	}
	AccessRequest *struct {
		RequesterID *string
		Items       []struct {
			Name           *string
			AccessItemType *string
			Decision       *string
			ApprovalInfos  []struct{ Status *string }
		}
	}
	Account      *itemData
	StatusChange *struct{ PreviousStatus, NewStatus *string }
}

// Every event kind comes back as its own type with its own fields, as the
// tenant has them.
func TestEventKinds(t *testing.T) { inEachGeneration(t, testEventKinds) }

func testEventKinds(t *testing.T, gen string) {
	e := newEnvIn(t, gen, simtenant.Options{}, graph.Options{})
	id := e.identityWithEveryEventKind()
	var d struct {
		Identity struct {
			Events struct {
				TotalCount int
				Nodes      []eventData
			}
		}
	}
	e.mustQuery(`query Q($id: ID!) { identity(id: $id) { events(first: 250) { totalCount nodes {
		__typename identityId eventType dateTime
		... on IdentityCertified { certificationId certificationName signedDate reviewers { id } signer { id displayName } }
		... on AccessItemAssociated { accessItem { ...Item } governanceEvent { name type governanceId owners { id } } }
		... on AccessItemRemoved { accessItem { ...Item } governanceEvent { name type governanceId owners { id } } }
		... on AttributesChanged { attributeChanges { name previousValue newValue } }
		... on AccessRequested { accessRequest { requesterId items { name accessItemType decision approvalInfos { status } } } }
		... on AccountStatusChanged { account { ...Item } statusChange { previousStatus newStatus } }
	} } } } `+accessItemFragment, map[string]any{"id": id}, &d)

	tenant := must(e.history.ListEvents(context.Background(), id, history.EventsParams{Paging: isc.Paging{Limit: 250, Count: true}}))
	got := d.Identity.Events
	if got.TotalCount != tenant.Total || len(got.Nodes) != len(tenant.Items) {
		t.Fatalf("%d of %d events, tenant %d of %d", len(got.Nodes), got.TotalCount, len(tenant.Items), tenant.Total)
	}
	kinds := map[string]int{}
	for i, n := range got.Nodes {
		kinds[n.Typename]++
		ok := n.IdentityID == id && n.EventType == n.Typename && n.DateTime != nil
		switch v := tenant.Items[i].(type) {
		case *history.IdentityCertified:
			ok = ok && n.CertificationID == v.CertificationID && n.CertificationName == v.CertificationName &&
				len(n.Reviewers) == len(v.Reviewers) && (n.Signer == nil) == (v.Signer == nil)
		case *history.AccessItemAssociated:
			ok = ok && n.AccessItem != nil && n.AccessItem.ID == v.Item.Base().ID && (n.GovernanceEvent == nil) == (v.GovernanceEvent == nil)
		case *history.AccessItemRemoved:
			ok = ok && n.AccessItem != nil && n.AccessItem.ID == v.Item.Base().ID && (n.GovernanceEvent == nil) == (v.GovernanceEvent == nil)
		case *history.AttributesChanged:
			ok = ok && len(n.AttributeChanges) == len(v.Changes) && len(v.Changes) > 0 && n.AttributeChanges[0].Name == v.Changes[0].Name
		case *history.AccessRequested:
			ok = ok && n.AccessRequest != nil && len(n.AccessRequest.Items) == len(v.Request.Items)
		case *history.AccountStatusChanged:
			ok = ok && n.Account != nil && n.Account.ID == v.Account.ID && n.Account.Typename == "Account" &&
				n.StatusChange != nil && n.StatusChange.NewStatus != nil && *n.StatusChange.NewStatus == upper(v.NewStatus)
		default:
			ok = false
		}
		if !ok {
			t.Errorf("event %d: %+v, tenant %+v", i, n, tenant.Items[i])
		}
	}
	for _, k := range []string{"IdentityCertified", "AccessItemAssociated", "AccessItemRemoved", "AttributesChanged", "AccessRequested", "AccountStatusChanged"} {
		if kinds[k] == 0 {
			t.Errorf("no %s event among %v", k, kinds)
		}
	}
}

// Snapshots, one snapshot, the summary, the comparison and the diff, each
// as the tenant has it; a snapshot asked for twice is fetched once.
func TestSnapshotsAndComparisons(t *testing.T) { inEachGeneration(t, testSnapshotsAndComparisons) }

func testSnapshotsAndComparisons(t *testing.T, gen string) {
	e := newEnvIn(t, gen, simtenant.Options{}, graph.Options{})
	id := e.firstIdentity()
	ctx := context.Background()
	snaps := must(e.history.ListSnapshots(ctx, id, history.SnapshotsParams{Paging: isc.Paging{Limit: 250}}))
	if len(snaps.Items) < 3 {
		t.Fatalf("%d snapshots", len(snaps.Items))
	}
	first, second, last := snaps.Items[0].Snapshot, snaps.Items[1].Snapshot, snaps.Items[len(snaps.Items)-1].Snapshot

	var d struct {
		Identity struct {
			Snapshots struct {
				Nodes []struct {
					Date             time.Time
					IdentityID       string
					DisplayName      string
					AccessItemCounts []struct {
						Type  string
						Count int
					}
					AccessItems []struct {
						Typename   string `json:"__typename"`
						ID         string
						AccessType string
					}
				}
			}
			Snapshot struct {
				Date        time.Time
				DisplayName string
				Attributes  map[string]any
				AccessItems []struct{ ID string }
			}
			SnapshotSummary []struct {
				Name  string
				Date  *time.Time
				Value float64
			}
			Compare []struct {
				AccessType     string
				Added, Removed int
			}
			AccessDiff struct {
				TotalCount int
				Nodes      []struct {
					ID, Change  string
					DisplayName *string
				}
			}
		}
	}
	e.mustQuery(`query Q($id: ID!, $second: DateTime!, $first: DateTime, $last: DateTime) { identity(id: $id) {
		snapshots(first: 3) { nodes { date identityId displayName accessItemCounts { type count } accessItems { __typename id accessType } } }
		snapshot(date: $second) { date displayName attributes accessItems(type: ROLE) { id } }
		snapshotSummary(interval: MONTH, timeZone: "Europe/Berlin") { name date value }
		compare(snapshot1: $first, snapshot2: $last) { accessType added removed }
		accessDiff(accessType: ENTITLEMENT, snapshot1: $first, snapshot2: $last, first: 100) { totalCount nodes { id change displayName } }
	} }`, map[string]any{"id": id, "second": second, "first": first, "last": last}, &d)

	byOp, _, _ := e.calls.Snapshot()
	want := map[string]int{
		"getHistoricalIdentity":              1,
		"listIdentitySnapshots":              1,
		"getIdentitySnapshot":                3, // snapshot(date: second) is one of the three listed
		"listIdentitySnapshotAccessItems":    4, // three of all types, one of roles
		"getIdentitySnapshotSummary":         1,
		"compareIdentitySnapshots":           1,
		"compareIdentitySnapshotsAccessType": 1,
	}
	if !mapsEqual(byOp, want) {
		t.Errorf("upstream calls %v, want %v", byOp, want)
	}

	got := d.Identity
	for i, n := range got.Snapshots.Nodes {
		at := snaps.Items[i].Snapshot
		detail := must(e.history.GetSnapshot(ctx, id, at))
		items := must(e.history.ListSnapshotAccessItems(ctx, id, at, 0))
		total := 0
		for _, c := range n.AccessItemCounts {
			total += c.Count
		}
		if !n.Date.Equal(at) || n.IdentityID != id || n.DisplayName != detail.DisplayName || len(n.AccessItems) != len(items) || total != len(items) {
			t.Errorf("snapshot %d: %+v; tenant %+v with %d items", i, n, detail, len(items))
		}
	}
	roles := must(e.history.ListSnapshotAccessItems(ctx, id, second, history.Role))
	if !got.Snapshot.Date.Equal(second) || len(got.Snapshot.AccessItems) != len(roles) || len(got.Snapshot.Attributes) == 0 {
		t.Errorf("snapshot at %v: %+v, tenant %d roles", second, got.Snapshot, len(roles))
	}

	summary := must(e.history.GetSnapshotSummary(ctx, id, history.SummaryParams{Interval: history.Month, TimeZone: "Europe/Berlin", Paging: isc.Paging{Limit: 250}}))
	if len(got.SnapshotSummary) == 0 || len(got.SnapshotSummary) != len(summary.Items) {
		t.Fatalf("summary %+v, tenant %+v", got.SnapshotSummary, summary.Items)
	}
	for i, m := range got.SnapshotSummary {
		if m.Name != summary.Items[i].Name || m.Value != summary.Items[i].Value || m.Date == nil {
			t.Errorf("metric %d: %+v, tenant %+v", i, m, summary.Items[i])
		}
	}

	cmp := must(e.history.CompareSnapshots(ctx, id, history.CompareParams{Snapshot1: first, Snapshot2: last, Paging: isc.Paging{Limit: 250}}))
	counts := map[string][2]int{}
	for _, c := range cmp.Items {
		for typ, ch := range c.AccessItemDiff {
			counts[typ.String()] = [2]int{ch.Added, ch.Removed}
		}
	}
	names := map[string]string{"ACCOUNT": "account", "ENTITLEMENT": "entitlement", "APP": "app", "ACCESS_PROFILE": "accessProfile", "ROLE": "role"}
	if len(got.Compare) == 0 || len(got.Compare) != len(counts) {
		t.Errorf("compare %+v, tenant %v", got.Compare, counts)
	}
	for _, c := range got.Compare {
		if counts[names[c.AccessType]] != [2]int{c.Added, c.Removed} {
			t.Errorf("compare %s: +%d -%d, tenant %v", c.AccessType, c.Added, c.Removed, counts[names[c.AccessType]])
		}
	}

	diff := must(e.history.CompareAccessType(ctx, id, history.Entitlement, history.DiffParams{Snapshot1: first, Snapshot2: last, Paging: isc.Paging{Limit: 100, Count: true}}))
	if got.AccessDiff.TotalCount != diff.Total || len(got.AccessDiff.Nodes) != len(diff.Items) {
		t.Fatalf("accessDiff %d of %d, tenant %d of %d", len(got.AccessDiff.Nodes), got.AccessDiff.TotalCount, len(diff.Items), diff.Total)
	}
	for i, n := range got.AccessDiff.Nodes {
		if n.ID != diff.Items[i].ID || n.Change != string(diff.Items[i].EventType) {
			t.Errorf("diff %d: %+v, tenant %+v", i, n, diff.Items[i])
		}
	}
}

// More than 250 identities come in concurrent upstream pages of 250, in
// the tenant's order, and cursors page on from where a page ended.
func TestPagingAcrossUpstreamPages(t *testing.T) { inEachGeneration(t, testPagingAcrossUpstreamPages) }

func testPagingAcrossUpstreamPages(t *testing.T, gen string) {
	e := newEnvIn(t, gen, simtenant.Options{Identities: 600}, graph.Options{})
	type conn struct {
		Identities struct {
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
			Edges []struct {
				Cursor string
				Node   struct{ ID string }
			}
		}
	}
	const q = `query Q($first: Int, $after: String) { identities(first: $first, after: $after) { pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }`
	var p1 conn
	e.mustQuery(q, map[string]any{"first": 300}, &p1)
	_, queries1, _ := e.calls.Snapshot()
	if len(p1.Identities.Edges) != 300 || !p1.Identities.PageInfo.HasNextPage {
		t.Fatalf("first page: %d edges, hasNextPage %v", len(p1.Identities.Edges), p1.Identities.PageInfo.HasNextPage)
	}
	slices.Sort(queries1)
	list := e.path(op.ListHistoricalIdentities)
	if want := []string{list + "?limit=250", list + "?limit=51&offset=250"}; !slices.Equal(queries1, want) {
		t.Errorf("upstream requests %v, want %v", queries1, want)
	}

	e.calls.SetGate(list, 4) // the rest comes in four pages at once
	var p2 conn
	e.mustQuery(q, map[string]any{"first": 1000, "after": p1.Identities.PageInfo.EndCursor}, &p2)
	byOp, _, maxInFlight := e.calls.Snapshot()
	if len(p2.Identities.Edges) != 300 || p2.Identities.PageInfo.HasNextPage {
		t.Fatalf("second page: %d edges, hasNextPage %v", len(p2.Identities.Edges), p2.Identities.PageInfo.HasNextPage)
	}
	if byOp["listHistoricalIdentities"] != 4 || maxInFlight != 4 {
		t.Errorf("second page: %v, %d in flight at once; want 4 concurrent calls", byOp, maxInFlight)
	}

	var all []string
	for offset := 0; ; offset += 250 {
		page := must(e.history.ListIdentities(context.Background(), history.ListIdentitiesParams{Paging: isc.Paging{Offset: offset, Limit: 250}}))
		for _, it := range page.Items {
			all = append(all, it.ID)
		}
		if len(page.Items) < 250 {
			break
		}
	}
	var got []string
	for _, edge := range append(p1.Identities.Edges, p2.Identities.Edges...) {
		got = append(got, edge.Node.ID)
	}
	if !slices.Equal(got, all) {
		t.Fatalf("paged %d ids; the tenant lists %d, and they differ", len(got), len(all))
	}
	if p2.Identities.Edges[0].Cursor == p1.Identities.PageInfo.EndCursor {
		t.Error("the next page repeats the cursor it started after")
	}
}

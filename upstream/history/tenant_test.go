package history_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/history"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/isc/isctest"
)

// historyOps are the operations this package serves.
var historyOps = []string{
	"listHistoricalIdentities", "getHistoricalIdentity", "listIdentityAccessItems",
	"getHistoricalIdentityEvents", "listIdentitySnapshots", "getIdentitySnapshot",
	"listIdentitySnapshotAccessItems", "getIdentitySnapshotSummary", "getIdentityStartDate",
	"compareIdentitySnapshots", "compareIdentitySnapshotsAccessType",
}

func start(t *testing.T) (*isctest.Tenant, *history.Client, context.Context) {
	t.Helper()
	tn := isctest.Start(t, simtenant.Options{Seed: 1, Identities: 200, RateLimit: -1})
	c, err := history.New(tn.URL, tn.HTTP)
	if err != nil {
		t.Fatal(err)
	}
	return tn, c, tn.Context(t)
}

// richIdentity finds an identity holding entitlements, access profiles
// and roles, so that every kind shows up.
func richIdentity(t *testing.T, ctx context.Context, c *history.Client) *history.Identity {
	t.Helper()
	page, err := c.ListIdentities(ctx, history.ListIdentitiesParams{Active: new(true), Paging: isc.Paging{Limit: 50}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range page.Items {
		id, err := c.GetIdentity(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		n := id.AccessItemCount
		if n[history.Entitlement] >= 5 && n[history.AccessProfile] > 0 && n[history.Role] > 0 && n[history.Account] > 0 && n[history.App] > 0 {
			return id
		}
	}
	t.Fatal("no identity among the first 50 active ones holds every kind of access")
	return nil
}

func TestEveryHistoryOperation(t *testing.T) {
	tn, c, ctx := start(t)
	id := richIdentity(t, ctx, c)

	t.Run("identities", func(t *testing.T) {
		all, err := c.ListIdentities(ctx, history.ListIdentitiesParams{})
		if err != nil {
			t.Fatal(err)
		}
		if len(all.Items) != 200 || all.HasTotal {
			t.Fatalf("%d identities (total sent: %v), want 200 and no total", len(all.Items), all.HasTotal)
		}
		// Pages of 7 at every offset add up to the whole list.
		var paged []history.IdentitySummary
		for off := 0; off < 200; off += 7 {
			p, err := c.ListIdentities(ctx, history.ListIdentitiesParams{Paging: isc.Paging{Limit: 7, Offset: off}})
			if err != nil {
				t.Fatal(err)
			}
			paged = append(paged, p.Items...)
		}
		if !slices.EqualFunc(paged, all.Items, func(a, b history.IdentitySummary) bool { return a.ID == b.ID }) {
			t.Fatal("paging across offsets does not give the full list in order")
		}
		prefix := all.Items[0].DisplayName[:2]
		found, err := c.ListIdentities(ctx, history.ListIdentitiesParams{StartsWith: prefix})
		if err != nil || len(found.Items) == 0 {
			t.Fatalf("starts-with %q: %d, %v", prefix, len(found.Items), err)
		}
		for _, s := range found.Items {
			if !hasPrefixFold(prefix, s.DisplayName, s.FirstName, s.LastName) {
				t.Errorf("%q does not start with %q", s.DisplayName, prefix)
			}
		}
		deleted, err := c.ListIdentities(ctx, history.ListIdentitiesParams{Deleted: new(true)})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range deleted.Items {
			if s.DeletedDate == nil {
				t.Errorf("%s listed as deleted without a deletedDate", s.ID)
			}
		}
	})

	t.Run("access items of every kind, with totals", func(t *testing.T) {
		for _, typ := range history.AccessTypes() {
			page, err := c.ListAccessItems(ctx, id.ID, history.AccessItemsParams{Type: typ, Paging: isc.Paging{Count: true}})
			if err != nil {
				t.Fatal(err)
			}
			if !page.HasTotal || page.Total != id.AccessItemCount[typ] || len(page.Items) != page.Total {
				t.Fatalf("%v: total %d (sent %v), %d items; the identity counts %d", typ, page.Total, page.HasTotal, len(page.Items), id.AccessItemCount[typ])
			}
			for _, it := range page.Items {
				if it.Type() != typ || it.Base().ID == "" {
					t.Fatalf("%v page holds %T %+v", typ, it, it.Base())
				}
			}
		}
		// Without count=true the tenant sends no total.
		page, err := c.ListAccessItems(ctx, id.ID, history.AccessItemsParams{})
		if err != nil || page.HasTotal {
			t.Fatalf("total sent without count=true: %+v, %v", page, err)
		}
		if _, ok := page.Items[0].(*history.AccountItem); !ok {
			t.Fatalf("default type is %T, want accounts", page.Items[0])
		}
	})

	t.Run("access items filtered, sorted and paged", func(t *testing.T) {
		all, err := c.ListAccessItems(ctx, id.ID, history.AccessItemsParams{Type: history.Entitlement, Sort: []isc.Sort[history.ItemSortField]{isc.Desc(history.SortName)}})
		if err != nil {
			t.Fatal(err)
		}
		names := make([]string, len(all.Items))
		for i, it := range all.Items {
			names[i] = strings.ToLower(it.Base().DisplayName)
		}
		if !slices.IsSortedFunc(names, func(a, b string) int { return strings.Compare(b, a) }) {
			t.Fatalf("not sorted by name descending: %q", names)
		}
		var paged []history.AccessItem
		for off := 0; off < len(all.Items); off += 2 {
			p, err := c.ListAccessItems(ctx, id.ID, history.AccessItemsParams{Type: history.Entitlement, Sort: []isc.Sort[history.ItemSortField]{isc.Desc(history.SortName)}, Paging: isc.Paging{Limit: 2, Offset: off, Count: true}})
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != len(all.Items) {
				t.Fatalf("total %d at offset %d, want %d", p.Total, off, len(all.Items))
			}
			paged = append(paged, p.Items...)
		}
		if !slices.EqualFunc(paged, all.Items, func(a, b history.AccessItem) bool { return a.Base().ID == b.Base().ID }) {
			t.Fatal("pages of 2 do not add up to the full list")
		}

		first := all.Items[0].(*history.EntitlementItem)
		bySource, err := c.ListAccessItems(ctx, id.ID, history.AccessItemsParams{
			Type:   history.Entitlement,
			Filter: isc.And(isc.Eq(history.ItemSource, isc.Str(first.SourceName)), isc.Eq(history.ItemAttribute, isc.Str(first.Attribute))),
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(bySource.Items, func(it history.AccessItem) bool { return it.Base().ID == first.ID }) {
			t.Fatalf("filtering on its own source and attribute lost %s", first.ID)
		}
		for _, it := range bySource.Items {
			e := it.(*history.EntitlementItem)
			if !strings.EqualFold(e.SourceName, first.SourceName) || !strings.EqualFold(e.Attribute, first.Attribute) {
				t.Errorf("filter let through %+v", e)
			}
		}
		priv, err := c.ListAccessItems(ctx, id.ID, history.AccessItemsParams{Type: history.Entitlement, Filter: isc.And(isc.Eq(history.ItemPrivileged, isc.Bool(true)))})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range priv.Items {
			if e := it.(*history.EntitlementItem); e.Privileged == nil || !*e.Privileged {
				t.Errorf("privileged eq true let through %+v", e)
			}
		}
		word := strings.Fields(first.DisplayName)[0]
		hits, err := c.ListAccessItems(ctx, id.ID, history.AccessItemsParams{Type: history.Entitlement, Query: word})
		if err != nil || !slices.ContainsFunc(hits.Items, func(it history.AccessItem) bool { return it.Base().ID == first.ID }) {
			t.Fatalf("query %q did not find %s: %v", word, first.ID, err)
		}
	})

	t.Run("events", func(t *testing.T) {
		all, err := c.ListEvents(ctx, id.ID, history.EventsParams{Paging: isc.Paging{Count: true}})
		if err != nil {
			t.Fatal(err)
		}
		if !all.HasTotal || all.Total != len(all.Items) || len(all.Items) == 0 {
			t.Fatalf("total %d (sent %v) for %d events", all.Total, all.HasTotal, len(all.Items))
		}
		kinds := map[string]int{}
		for _, ev := range all.Items {
			b := ev.Base()
			if b.IdentityID != id.ID || b.DateTime == nil {
				t.Fatalf("event %+v", b)
			}
			kinds[b.EventType]++
			switch e := ev.(type) {
			case *history.AccessItemAssociated:
				if e.Item == nil || e.Item.Type() != e.AccessItemType {
					t.Fatalf("associated item %T, type %v", e.Item, e.AccessItemType)
				}
			case *history.AccessItemRemoved:
				if e.Item == nil {
					t.Fatal("removed event without item")
				}
			case *history.IdentityCertified:
				if e.CertificationID == "" || e.CertificationName == "" {
					t.Fatalf("certified %+v", e)
				}
			case *history.AccountStatusChanged:
				if e.Account.ID == "" || e.NewStatus == "" {
					t.Fatalf("status change %+v", e)
				}
			}
		}
		if kinds[history.EventAccessItemAssociated] == 0 {
			t.Fatalf("no AccessItemAssociated among %v", kinds)
		}
		only, err := c.ListEvents(ctx, id.ID, history.EventsParams{EventTypes: []string{history.EventAccessItemAssociated, history.EventAccessItemRemoved}, AccessItemTypes: []history.AccessType{history.Role, history.AccessProfile}})
		if err != nil {
			t.Fatal(err)
		}
		if len(only.Items) == 0 {
			t.Fatal("no role or access-profile events")
		}
		for _, ev := range only.Items {
			var typ history.AccessType
			switch e := ev.(type) {
			case *history.AccessItemAssociated:
				typ = e.Item.Type()
			case *history.AccessItemRemoved:
				typ = e.Item.Type()
			default:
				t.Fatalf("eventTypes filter let through %T", ev)
			}
			if typ != history.Role && typ != history.AccessProfile {
				t.Fatalf("accessItemTypes filter let through %v", typ)
			}
		}
	})

	t.Run("every event kind", func(t *testing.T) {
		ids, err := c.ListIdentities(ctx, history.ListIdentitiesParams{})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, s := range ids.Items {
			evs, err := c.ListEvents(ctx, s.ID, history.EventsParams{})
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range evs.Items {
				seen[fmt.Sprintf("%T", ev)] = true
			}
			if len(seen) == 6 {
				return
			}
		}
		t.Fatalf("only %v among the events of 200 identities", seen)
	})

	t.Run("snapshots", func(t *testing.T) {
		startDate, err := c.GetStartDate(ctx, id.ID)
		if err != nil {
			t.Fatal(err)
		}
		snaps, err := c.ListSnapshots(ctx, id.ID, history.SnapshotsParams{Interval: history.Month, Paging: isc.Paging{Count: true}})
		if err != nil {
			t.Fatal(err)
		}
		if len(snaps.Items) < 2 || snaps.Total != len(snaps.Items) || snaps.Items[0].Snapshot.Before(startDate) {
			t.Fatalf("%d snapshots (total %d) from %v, start date %v", len(snaps.Items), snaps.Total, snaps.Items[0].Snapshot, startDate)
		}
		later, err := c.ListSnapshots(ctx, id.ID, history.SnapshotsParams{Start: snaps.Items[1].Snapshot})
		if err != nil || len(later.Items) != len(snaps.Items)-1 || !later.Items[0].Snapshot.Equal(snaps.Items[1].Snapshot) {
			t.Fatalf("start filter: %d snapshots, %v", len(later.Items), err)
		}
		at := snaps.Items[len(snaps.Items)/2].Snapshot
		snap, err := c.GetSnapshot(ctx, id.ID, at)
		if err != nil {
			t.Fatal(err)
		}
		if snap.ID != id.ID || snap.Snapshot == nil || !snap.Snapshot.Equal(at) {
			t.Fatalf("snapshot %+v at %v", snap, at)
		}
		items, err := c.ListSnapshotAccessItems(ctx, id.ID, at, 0)
		if err != nil {
			t.Fatal(err)
		}
		perType := map[history.AccessType]int{}
		for _, it := range items {
			perType[it.Type()]++
		}
		for typ, n := range snap.AccessItemCount {
			if perType[typ] != n {
				t.Errorf("%v: %d items at %v, the snapshot counts %d", typ, perType[typ], at, n)
			}
		}
		aps, err := c.ListSnapshotAccessItems(ctx, id.ID, time.Now(), history.AccessProfile)
		if err != nil {
			t.Fatal(err)
		}
		if len(aps) != id.AccessItemCount[history.AccessProfile] {
			t.Fatalf("%d access profiles now, the identity counts %d", len(aps), id.AccessItemCount[history.AccessProfile])
		}
		for _, it := range aps {
			if _, ok := it.(*history.AccessProfileItem); !ok {
				t.Fatalf("access_profile snapshot holds %T", it)
			}
		}
	})

	t.Run("summary", func(t *testing.T) {
		sum, err := c.GetSnapshotSummary(ctx, id.ID, history.SummaryParams{Interval: history.Month, TimeZone: "America/New_York", Paging: isc.Paging{Count: true}})
		if err != nil {
			t.Fatal(err)
		}
		if len(sum.Items) == 0 || sum.Total != len(sum.Items) {
			t.Fatalf("%d buckets, total %d", len(sum.Items), sum.Total)
		}
		total := 0.0
		for _, m := range sum.Items {
			if m.Name == "" || m.Value < 0 {
				t.Fatalf("metric %+v", m)
			}
			total += m.Value
		}
		if total == 0 {
			t.Fatal("the summary counts no changes at all")
		}
	})

	t.Run("compare", func(t *testing.T) {
		startDate, err := c.GetStartDate(ctx, id.ID)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		cmp, err := c.CompareSnapshots(ctx, id.ID, history.CompareParams{Snapshot1: startDate, Snapshot2: now, Paging: isc.Paging{Count: true}})
		if err != nil {
			t.Fatal(err)
		}
		if cmp.Total != 5 || len(cmp.Items) != 5 {
			t.Fatalf("%d comparisons, total %d, want one per access type", len(cmp.Items), cmp.Total)
		}
		added := map[history.AccessType]int{}
		for _, c := range cmp.Items {
			for typ, ch := range c.AccessItemDiff {
				added[typ] += ch.Added
			}
		}
		roles, err := c.CompareSnapshots(ctx, id.ID, history.CompareParams{AccessItemTypes: []history.AccessType{history.Role}})
		if err != nil || len(roles.Items) != 1 || len(roles.Items[0].AccessItemDiff) != 1 {
			t.Fatalf("accessItemTypes=role: %+v, %v", roles.Items, err)
		}
		diff, err := c.CompareAccessType(ctx, id.ID, history.Role, history.DiffParams{Associated: new(true), Snapshot1: startDate, Snapshot2: now, Paging: isc.Paging{Count: true}})
		if err != nil {
			t.Fatal(err)
		}
		if diff.Total != added[history.Role] || len(diff.Items) != diff.Total {
			t.Fatalf("%d roles added (total %d), compare counts %d", len(diff.Items), diff.Total, added[history.Role])
		}
		for _, d := range diff.Items {
			if d.EventType != history.DiffAdd || d.ID == "" {
				t.Fatalf("access-associated=true gave %+v", d)
			}
		}
		aps, err := c.CompareAccessType(ctx, id.ID, history.AccessProfile, history.DiffParams{})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range aps.Items {
			if d.EventType != history.DiffAdd && d.EventType != history.DiffRemove {
				t.Fatalf("diff %+v", d)
			}
		}
	})

	t.Run("unknown identity", func(t *testing.T) {
		_, err := c.GetIdentity(ctx, "no-such-identity")
		var ae *isc.APIError
		if !errors.Is(err, isc.ErrNotFound) || !errors.As(err, &ae) || ae.DetailCode == "" || ae.Operation != "getHistoricalIdentity" {
			t.Fatalf("err = %v", err)
		}
		_, err = c.ListAccessItems(ctx, "no-such-identity", history.AccessItemsParams{})
		if !errors.Is(err, isc.ErrNotFound) {
			t.Fatalf("access items of an unknown identity: %v", err)
		}
	})

	t.Run("upstream bad request keeps its detail code", func(t *testing.T) {
		// Only the tenant knows its clock: a snapshot date after its now
		// passes every check the client can make.
		_, err := c.GetSnapshot(ctx, id.ID, time.Now().AddDate(1, 0, 0))
		var ae *isc.APIError
		if !errors.Is(err, isc.ErrBadRequest) || !errors.As(err, &ae) || ae.Status != 400 || ae.DetailCode != "400.1 Bad Request Content" || len(ae.Messages) == 0 {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("bad filter is refused before any call", func(t *testing.T) {
		before := tn.Stats().Requests["listIdentityAccessItems"]
		_, err := c.ListAccessItems(ctx, id.ID, history.AccessItemsParams{Filter: isc.And(isc.In(history.ItemSource, isc.Str("a"), isc.Str("b")))})
		var ae *isc.ArgumentError
		if !errors.Is(err, isc.ErrBadRequest) || !errors.As(err, &ae) || ae.Param != "filters" {
			t.Fatalf("err = %v", err)
		}
		if after := tn.Stats().Requests["listIdentityAccessItems"]; sum(after) != sum(before) {
			t.Fatal("a refused filter still reached the tenant")
		}
	})

	tn.RequireCovered(t, historyOps...)
}

func sum(m map[int]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func hasPrefixFold(prefix string, names ...string) bool {
	for _, n := range names {
		if strings.HasPrefix(strings.ToLower(n), strings.ToLower(prefix)) {
			return true
		}
	}
	return false
}

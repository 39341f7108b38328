package history_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/history"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/isc/isctest"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// recorder keeps the requests a client sent.
type recorder struct {
	mu   sync.Mutex
	next http.RoundTripper
	reqs []*http.Request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

// twoClients returns a legacy and a v1 client of one tenant whose clock
// is stopped, so that both read the same data.
func twoClients(t *testing.T) (legacy, v1 *history.Client, sent *recorder, tn *isctest.Tenant, ctx context.Context) {
	t.Helper()
	now := time.Now()
	tn = isctest.Start(t, simtenant.Options{Seed: 5, Identities: 60, RateLimit: -1, Now: func() time.Time { return now }})
	legacy, err := history.New(tn.URL, tn.HTTP, isc.WithGenerations(isc.FixedGeneration(op.Legacy)))
	if err != nil {
		t.Fatal(err)
	}
	sent = &recorder{next: tn.HTTP.Transport}
	v1, err = history.New(tn.URL, &http.Client{Transport: sent}, isc.WithGenerations(isc.FixedGeneration(op.V1)))
	if err != nil {
		t.Fatal(err)
	}
	return legacy, v1, sent, tn, tn.Context(t)
}

// itemKeys names each item by kind and id, in order.
func itemKeys(p isc.Page[history.AccessItem]) []string {
	out := make([]string, len(p.Items))
	for i, it := range p.Items {
		out[i] = it.Type().String() + ":" + it.Base().ID
	}
	return out
}

// accessItemCases are the filters, searches and sorts asked of one type
// of one identity's items: every filter field with each value, every sort
// field both ways, searches that match some, all and none, combinations,
// and paging over them.
func accessItemCases(typ history.AccessType, sample []history.AccessItem) map[string]history.AccessItemsParams {
	cases := map[string]history.AccessItemsParams{}
	add := func(name string, p history.AccessItemsParams) {
		p.Type = typ
		cases[name] = p
	}
	eq := func(f history.ItemField, v isc.Value) isc.Filter[history.ItemField] {
		return isc.And(isc.Eq(f, v))
	}
	for _, b := range []bool{true, false} {
		for _, f := range []history.ItemField{history.ItemStandalone, history.ItemPrivileged, history.ItemCloudGoverned} {
			add(fmt.Sprintf("%s=%v", f, b), history.AccessItemsParams{Filter: eq(f, isc.Bool(b)), Paging: isc.Paging{Count: true}})
		}
	}
	add("source of nothing", history.AccessItemsParams{Filter: eq(history.ItemSource, isc.Str("no such source"))})
	add("empty source", history.AccessItemsParams{Filter: eq(history.ItemSource, isc.Str(""))})
	for i, it := range sample {
		if i > 2 {
			break
		}
		b := it.Base()
		add(fmt.Sprintf("source name %d in upper case", i), history.AccessItemsParams{Filter: eq(history.ItemSource, isc.Str(strings.ToUpper(b.SourceName))), Paging: isc.Paging{Count: true}})
		var sid, attr string
		switch v := it.(type) {
		case *history.AccountItem:
			sid = v.SourceID
		case *history.EntitlementItem:
			sid, attr = v.SourceID, v.Attribute
		case *history.AccessProfileItem:
			sid = v.SourceID
		}
		add(fmt.Sprintf("source id %d", i), history.AccessItemsParams{Filter: eq(history.ItemSource, isc.Str(sid))})
		add(fmt.Sprintf("attribute %d, mixed case", i), history.AccessItemsParams{Filter: eq(history.ItemAttribute, isc.Str(strings.ToUpper(attr[:len(attr)/2])+attr[len(attr)/2:]))})
		add(fmt.Sprintf("search a piece of name %d", i), history.AccessItemsParams{Query: strings.ToUpper(b.DisplayName[1:4]), Paging: isc.Paging{Count: true}})
	}
	for _, q := range []string{"a", "e", "admin", "CN=", "-", "zzzz-none"} {
		add("search "+q, history.AccessItemsParams{Query: q, Paging: isc.Paging{Count: true}})
	}
	fields := []history.ItemSortField{history.SortName, history.SortValue, history.SortStandalone, history.SortPrivileged, history.SortAttribute,
		history.SortSource, history.SortCloudGoverned, history.SortRemoveDate, history.SortNativeIdentity, history.SortEntitlementCount}
	for _, f := range fields {
		add("sort "+string(f), history.AccessItemsParams{Sort: []isc.Sort[history.ItemSortField]{isc.Asc(f)}})
		add("sort -"+string(f), history.AccessItemsParams{Sort: []isc.Sort[history.ItemSortField]{isc.Desc(f)}, Paging: isc.Paging{Count: true}})
	}
	add("sort source, -value", history.AccessItemsParams{Sort: []isc.Sort[history.ItemSortField]{isc.Asc(history.SortSource), isc.Desc(history.SortValue)}})
	add("sort -standalone, entitlementCount, -name", history.AccessItemsParams{Sort: []isc.Sort[history.ItemSortField]{isc.Desc(history.SortStandalone), isc.Asc(history.SortEntitlementCount), isc.Desc(history.SortName)}})
	both := history.AccessItemsParams{
		Filter: isc.And(isc.Eq(history.ItemPrivileged, isc.Bool(false)), isc.Eq(history.ItemStandalone, isc.Bool(false))),
		Sort:   []isc.Sort[history.ItemSortField]{isc.Desc(history.SortName)}, Query: "a",
	}
	for _, pg := range []isc.Paging{{}, {Limit: 3, Count: true}, {Limit: 2, Offset: 3, Count: true}, {Offset: 10000, Count: true}} {
		p := both
		p.Paging = pg
		add(fmt.Sprintf("filter, search, sort, page %+v", pg), p)
	}
	return cases
}

// With filters, sorters or a query, which listIdentityAccessItemsV1 lacks,
// the v1 client reads the whole list and answers exactly as the legacy
// operation does: same items, order, totals and paging, for every kind.
// It never sends the parameters v1 refuses, and always the experimental
// header, and every exchange is valid against the v1 spec.
func TestV1AccessItemsAnswerAsLegacy(t *testing.T) {
	legacy, v1, sent, tn, ctx := twoClients(t)
	// The first few identities, and a few whose roles end on a date (so
	// that sorting by removeDate sorts something).
	var idents []string
	withRemoveDate := 0
	for i, ident := range must(legacy.ListIdentities(ctx, history.ListIdentitiesParams{Paging: isc.Paging{Limit: 60}})).Items {
		roles := must(legacy.ListAccessItems(ctx, ident.ID, history.AccessItemsParams{Type: history.Role}))
		ends := slices.ContainsFunc(roles.Items, func(it history.AccessItem) bool { return it.(*history.RoleItem).RemoveDate != nil })
		if i < 8 || (ends && withRemoveDate < 3) {
			idents = append(idents, ident.ID)
			if ends {
				withRemoveDate++
			}
		}
	}
	if withRemoveDate == 0 {
		t.Fatal("no identity has a role with a removeDate")
	}
	compared := map[history.AccessType]int{}
	nonEmpty := 0
	for _, ident := range idents {
		for _, typ := range history.AccessTypes() {
			sample := must(legacy.ListAccessItems(ctx, ident, history.AccessItemsParams{Type: typ, Paging: isc.Paging{Limit: 3}}))
			if len(sample.Items) == 0 {
				continue
			}
			for name, p := range accessItemCases(typ, sample.Items) {
				want := must(legacy.ListAccessItems(ctx, ident, p))
				got, err := v1.ListAccessItems(ctx, ident, p)
				if err != nil {
					t.Fatalf("%s %s %s: %v", ident, typ, name, err)
				}
				if !slices.Equal(itemKeys(got), itemKeys(want)) || got.Total != want.Total || got.HasTotal != want.HasTotal {
					t.Errorf("%s %s %s:\n v1     %v (total %d %v)\n legacy %v (total %d %v)", ident, typ, name,
						itemKeys(got), got.Total, got.HasTotal, itemKeys(want), want.Total, want.HasTotal)
				}
				if !reflect.DeepEqual(got.Items, want.Items) {
					t.Errorf("%s %s %s: the items' fields differ", ident, typ, name)
				}
				compared[typ]++
				if len(want.Items) > 0 {
					nonEmpty++
				}
			}
		}
	}
	if len(compared) != 5 || nonEmpty < 200 {
		t.Fatalf("compared %v, %d with items: too few to say anything", compared, nonEmpty)
	}
	sent.mu.Lock()
	defer sent.mu.Unlock()
	for _, r := range sent.reqs {
		q := r.URL.Query()
		if !strings.HasPrefix(r.URL.Path, "/historical-identities/v1/") || r.Header.Get(isc.HeaderExperimental) != "true" ||
			q.Has("filters") || q.Has("sorters") || q.Has("query") || q.Get("limit") != "250" {
			t.Fatalf("v1 client sent %s?%s (experimental %q)", r.URL.Path, r.URL.RawQuery, r.Header.Get(isc.HeaderExperimental))
		}
	}
	tn.RequireCovered(t, "listIdentityAccessItemsV1")
}

// Without filters, sorters and query the v1 list is the tenant's own
// paging, one call; and every other identity-history operation answers
// in v1 as in legacy.
func TestV1HistoryAnswersAsLegacy(t *testing.T) {
	legacy, v1, sent, tn, ctx := twoClients(t)
	id := richIdentity(t, ctx, legacy)
	snaps := must(legacy.ListSnapshots(ctx, id.ID, history.SnapshotsParams{Paging: isc.Paging{Limit: 250}}))
	if len(snaps.Items) < 2 {
		t.Fatalf("%d snapshots", len(snaps.Items))
	}
	first, last := snaps.Items[0].Snapshot, snaps.Items[len(snaps.Items)-1].Snapshot
	calls := map[string]func(c *history.Client) (any, error){
		"identities": func(c *history.Client) (any, error) {
			return c.ListIdentities(ctx, history.ListIdentitiesParams{StartsWith: "a", Paging: isc.Paging{Limit: 20}})
		},
		"identity": func(c *history.Client) (any, error) { return c.GetIdentity(ctx, id.ID) },
		"items, paged": func(c *history.Client) (any, error) {
			return c.ListAccessItems(ctx, id.ID, history.AccessItemsParams{Type: history.Entitlement, Paging: isc.Paging{Limit: 4, Offset: 2, Count: true}})
		},
		"items, default": func(c *history.Client) (any, error) {
			return c.ListAccessItems(ctx, id.ID, history.AccessItemsParams{})
		},
		"events": func(c *history.Client) (any, error) {
			return c.ListEvents(ctx, id.ID, history.EventsParams{Paging: isc.Paging{Limit: 30, Count: true}})
		},
		"snapshots": func(c *history.Client) (any, error) {
			return c.ListSnapshots(ctx, id.ID, history.SnapshotsParams{Paging: isc.Paging{Count: true}})
		},
		"snapshot":       func(c *history.Client) (any, error) { return c.GetSnapshot(ctx, id.ID, first) },
		"snapshot items": func(c *history.Client) (any, error) { return c.ListSnapshotAccessItems(ctx, id.ID, last, 0) },
		"snapshot profiles": func(c *history.Client) (any, error) {
			return c.ListSnapshotAccessItems(ctx, id.ID, last, history.AccessProfile)
		},
		"summary": func(c *history.Client) (any, error) {
			return c.GetSnapshotSummary(ctx, id.ID, history.SummaryParams{Interval: history.Day})
		},
		"start date": func(c *history.Client) (any, error) { return c.GetStartDate(ctx, id.ID) },
		"compare": func(c *history.Client) (any, error) {
			return c.CompareSnapshots(ctx, id.ID, history.CompareParams{Snapshot1: first, Snapshot2: last})
		},
		"diff": func(c *history.Client) (any, error) {
			return c.CompareAccessType(ctx, id.ID, history.Role, history.DiffParams{Snapshot1: first, Snapshot2: last, Paging: isc.Paging{Count: true}})
		},
	}
	for name, call := range calls {
		want, err := call(legacy)
		if err != nil {
			t.Fatalf("%s, legacy: %v", name, err)
		}
		sent.mu.Lock()
		before := len(sent.reqs)
		sent.mu.Unlock()
		got, err := call(v1)
		if err != nil {
			t.Fatalf("%s, v1: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: v1 %+v\nlegacy %+v", name, got, want)
		}
		sent.mu.Lock()
		if n := len(sent.reqs) - before; n != 1 {
			t.Errorf("%s: %d v1 calls", name, n)
		}
		sent.mu.Unlock()
	}
	sent.mu.Lock()
	for _, r := range sent.reqs {
		if !strings.HasPrefix(r.URL.Path, "/historical-identities/v1") || r.Header.Get(isc.HeaderExperimental) != "true" {
			t.Errorf("v1 client sent %s (experimental %q)", r.URL.Path, r.Header.Get(isc.HeaderExperimental))
		}
	}
	sent.mu.Unlock()
	var v1Ops []string
	for _, o := range historyOps {
		v1Ops = append(v1Ops, o+"V1")
	}
	tn.RequireCovered(t, v1Ops...)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

package resolvers

import (
	"context"
	"time"

	"github.com/sailgraph/sailgraph/graph/model"
	"github.com/sailgraph/sailgraph/upstream/history"
	"github.com/sailgraph/sailgraph/upstream/isc"
)

// This file holds the identity resolvers' shared calls: each upstream
// operation made once per request for equal arguments.

// identityDetail is the identity's latest snapshot.
func (r *Resolver) identityDetail(ctx context.Context, id string) (*history.Identity, error) {
	return once(ctx, newKey("getHistoricalIdentity").str(id), func(ctx context.Context) (*history.Identity, error) {
		return r.History.GetIdentity(ctx, id)
	})
}

// detailOfIdentity is obj's detail, fetched when obj came from a list.
func (r *Resolver) detailOfIdentity(ctx context.Context, obj *model.Identity) (*model.IdentityDetail, error) {
	if obj.Detail != nil {
		return obj.Detail, nil
	}
	h, err := r.identityDetail(ctx, obj.ID)
	if err != nil {
		return nil, err
	}
	return detailOf(h), nil
}

// snapshotDetail is the identity as it was at date.
func (r *Resolver) snapshotDetail(ctx context.Context, id string, date time.Time) (*history.Identity, error) {
	return once(ctx, newKey("getIdentitySnapshot").str(id).time(date), func(ctx context.Context) (*history.Identity, error) {
		return r.History.GetSnapshot(ctx, id, date)
	})
}

// detailOfSnapshot is obj's detail, fetched when obj came from a list.
func (r *Resolver) detailOfSnapshot(ctx context.Context, obj *model.IdentitySnapshot) (*model.IdentityDetail, error) {
	if obj.Detail != nil {
		return obj.Detail, nil
	}
	h, err := r.snapshotDetail(ctx, obj.IdentityID, obj.Date)
	if err != nil {
		return nil, err
	}
	return detailOf(h), nil
}

// The upstream reads of the identity's children. Each resolver maps what
// its read returns into the schema's types; look-ahead (lookahead.go)
// calls the reads alone, so that a child's answer is mapped once, by its
// resolver, and both make the same memo keys by construction.

// startDate is the identity's start date.
func (r *Resolver) startDate(ctx context.Context, id string) (time.Time, error) {
	return once(ctx, newKey("getIdentityStartDate").str(id), func(ctx context.Context) (time.Time, error) {
		return r.History.GetStartDate(ctx, id)
	})
}

// accessItemsWindow reads the window of Identity.accessItems.
func (r *Resolver) accessItemsWindow(ctx context.Context, id string, typeArg *model.AccessItemType, filter *model.AccessItemFilter, orderBy []*model.AccessItemOrder, query *string, first *int, after *string) (page[history.AccessItem], error) {
	w, err := windowOf(ctx, first, after)
	if err != nil {
		return page[history.AccessItem]{}, err
	}
	q := accessItemsQuery{ID: id, Type: typeArg, Filter: filter, OrderBy: orderBy, Query: query}
	return fetchWindow(ctx, w, pagesOf(q.key(), func(ctx context.Context, pg isc.Paging) (isc.Page[history.AccessItem], error) {
		return r.History.ListAccessItems(ctx, id, q.params(pg))
	}))
}

// eventsWindow reads the window of Identity.events.
func (r *Resolver) eventsWindow(ctx context.Context, id string, from *time.Time, eventTypes []string, accessItemTypes []model.AccessItemType, first *int, after *string) (page[history.Event], error) {
	w, err := windowOf(ctx, first, after)
	if err != nil {
		return page[history.Event]{}, err
	}
	key := keyEnums(newKey("getHistoricalIdentityEvents").str(id).optTime(from).strs(eventTypes), accessItemTypes)
	return fetchWindow(ctx, w, pagesOf(key, func(ctx context.Context, pg isc.Paging) (isc.Page[history.Event], error) {
		return r.History.ListEvents(ctx, id, history.EventsParams{
			From: timeOrZero(from), EventTypes: eventTypes, AccessItemTypes: upstreamTypes(accessItemTypes), Paging: pg,
		})
	}))
}

// snapshotsWindow reads the window of Identity.snapshots.
func (r *Resolver) snapshotsWindow(ctx context.Context, id string, start *time.Time, interval *model.Interval, first *int, after *string) (page[history.SnapshotSummary], error) {
	w, err := windowOf(ctx, first, after)
	if err != nil {
		return page[history.SnapshotSummary]{}, err
	}
	key := keyEnum(newKey("listIdentitySnapshots").str(id).optTime(start), interval)
	return fetchWindow(ctx, w, pagesOf(key, func(ctx context.Context, pg isc.Paging) (isc.Page[history.SnapshotSummary], error) {
		return r.History.ListSnapshots(ctx, id, history.SnapshotsParams{Start: timeOrZero(start), Interval: upstreamInterval(interval), Paging: pg})
	}))
}

// snapshotMetrics reads the whole of Identity.snapshotSummary.
func (r *Resolver) snapshotMetrics(ctx context.Context, id string, before *time.Time, interval *model.Interval, timeZone *string) ([]history.Metric, error) {
	key := keyEnum(newKey("getIdentitySnapshotSummary").str(id).optTime(before), interval).optStr(timeZone)
	return fetchAll(ctx, pagesOf(key, func(ctx context.Context, pg isc.Paging) (isc.Page[history.Metric], error) {
		return r.History.GetSnapshotSummary(ctx, id, history.SummaryParams{
			Before: timeOrZero(before), Interval: upstreamInterval(interval), TimeZone: deref(timeZone), Paging: pg,
		})
	}))
}

// comparisons reads the whole of Identity.compare.
func (r *Resolver) comparisons(ctx context.Context, id string, snapshot1, snapshot2 *time.Time, accessItemTypes []model.AccessItemType) ([]history.Comparison, error) {
	key := keyEnums(newKey("compareIdentitySnapshots").str(id).optTime(snapshot1).optTime(snapshot2), accessItemTypes)
	return fetchAll(ctx, pagesOf(key, func(ctx context.Context, pg isc.Paging) (isc.Page[history.Comparison], error) {
		return r.History.CompareSnapshots(ctx, id, history.CompareParams{
			Snapshot1: timeOrZero(snapshot1), Snapshot2: timeOrZero(snapshot2), AccessItemTypes: upstreamTypes(accessItemTypes), Paging: pg,
		})
	}))
}

// accessDiffWindow reads the window of Identity.accessDiff.
func (r *Resolver) accessDiffWindow(ctx context.Context, id string, accessType model.AccessItemType, snapshot1, snapshot2 *time.Time, associated *bool, first *int, after *string) (page[history.AccessItemDiff], error) {
	w, err := windowOf(ctx, first, after)
	if err != nil {
		return page[history.AccessItemDiff]{}, err
	}
	typ := upstreamType(&accessType)
	key := newKey("compareIdentitySnapshotsAccessType").str(id).str(string(accessType)).optTime(snapshot1).optTime(snapshot2).optBool(associated)
	return fetchWindow(ctx, w, pagesOf(key, func(ctx context.Context, pg isc.Paging) (isc.Page[history.AccessItemDiff], error) {
		return r.History.CompareAccessType(ctx, id, typ, history.DiffParams{
			Associated: associated, Snapshot1: timeOrZero(snapshot1), Snapshot2: timeOrZero(snapshot2), Paging: pg,
		})
	}))
}

// snapshotAccessItems reads IdentitySnapshot.accessItems.
func (r *Resolver) snapshotAccessItems(ctx context.Context, id string, date time.Time, typeArg *model.AccessItemType) ([]history.AccessItem, error) {
	typ := upstreamType(typeArg)
	return once(ctx, keyEnum(newKey("listIdentitySnapshotAccessItems").str(id).time(date), typeArg), func(ctx context.Context) ([]history.AccessItem, error) {
		return r.History.ListSnapshotAccessItems(ctx, id, date, typ)
	})
}

// accessItemsQuery is Identity.accessItems' arguments, as the key of its
// upstream calls and the source of their parameters.
type accessItemsQuery struct {
	ID      string
	Type    *model.AccessItemType
	Filter  *model.AccessItemFilter
	OrderBy []*model.AccessItemOrder
	Query   *string
}

// key names the query's upstream calls.
func (q accessItemsQuery) key() *callKey {
	k := keyEnum(newKey("listIdentityAccessItems").str(q.ID), q.Type)
	return k.itemFilter(q.Filter).itemOrder(q.OrderBy).optStr(q.Query)
}

// params builds the client's parameters for one page.
func (q accessItemsQuery) params(p isc.Paging) history.AccessItemsParams {
	out := history.AccessItemsParams{Type: upstreamType(q.Type), Query: deref(q.Query), Paging: p}
	if f := q.Filter; f != nil {
		if f.Source != nil {
			out.Filter = append(out.Filter, isc.Eq(history.ItemSource, isc.Str(*f.Source)))
		}
		if f.Standalone != nil {
			out.Filter = append(out.Filter, isc.Eq(history.ItemStandalone, isc.Bool(*f.Standalone)))
		}
		if f.Privileged != nil {
			out.Filter = append(out.Filter, isc.Eq(history.ItemPrivileged, isc.Bool(*f.Privileged)))
		}
		if f.Attribute != nil {
			out.Filter = append(out.Filter, isc.Eq(history.ItemAttribute, isc.Str(*f.Attribute)))
		}
		if f.CloudGoverned != nil {
			out.Filter = append(out.Filter, isc.Eq(history.ItemCloudGoverned, isc.Bool(*f.CloudGoverned)))
		}
	}
	for _, o := range q.OrderBy {
		out.Sort = append(out.Sort, isc.Sort[history.ItemSortField]{Field: itemSortFields[o.Field], Desc: o.Direction == model.SortDirectionDesc})
	}
	return out
}

var itemSortFields = map[model.AccessItemSortField]history.ItemSortField{
	model.AccessItemSortFieldName:             history.SortName,
	model.AccessItemSortFieldValue:            history.SortValue,
	model.AccessItemSortFieldStandalone:       history.SortStandalone,
	model.AccessItemSortFieldPrivileged:       history.SortPrivileged,
	model.AccessItemSortFieldAttribute:        history.SortAttribute,
	model.AccessItemSortFieldSource:           history.SortSource,
	model.AccessItemSortFieldCloudGoverned:    history.SortCloudGoverned,
	model.AccessItemSortFieldRemoveDate:       history.SortRemoveDate,
	model.AccessItemSortFieldNativeIdentity:   history.SortNativeIdentity,
	model.AccessItemSortFieldEntitlementCount: history.SortEntitlementCount,
}

func upstreamInterval(i *model.Interval) history.Interval {
	if i == nil {
		return ""
	}
	if *i == model.IntervalDay {
		return history.Day
	}
	return history.Month
}

// timeOrZero is *t, or the zero time ("not given") for nil.
func timeOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

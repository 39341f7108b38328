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

package history

import (
	"context"
	"encoding/json"
	"net/url"
	"time"

	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// ListIdentities lists identities (listHistoricalIdentities).
func (c *Client) ListIdentities(ctx context.Context, p ListIdentitiesParams) (isc.Page[IdentitySummary], error) {
	o := op.ListHistoricalIdentities
	if p.Count {
		return isc.Page[IdentitySummary]{}, isc.Invalid("count", "%s cannot count its results", o.Name)
	}
	q := url.Values{}
	if err := p.Paging.Apply(q); err != nil {
		return isc.Page[IdentitySummary]{}, err
	}
	isc.SetString(q, "starts-with-query", p.StartsWith)
	isc.SetBool(q, "is-deleted", p.Deleted)
	isc.SetBool(q, "is-active", p.Active)
	page, err := isc.List[wireSummary](ctx, c.c, isc.Call{Op: o, Query: q})
	if err != nil {
		return isc.Page[IdentitySummary]{}, err
	}
	out := isc.Page[IdentitySummary]{Items: make([]IdentitySummary, len(page.Items))}
	for i := range page.Items {
		if out.Items[i], err = page.Items[i].summary(); err != nil {
			return isc.Page[IdentitySummary]{}, withOp(o.Name, err)
		}
	}
	return out, nil
}

// GetIdentity returns the latest snapshot of the identity with id
// (getHistoricalIdentity).
func (c *Client) GetIdentity(ctx context.Context, id string) (*Identity, error) {
	return c.identity(ctx, isc.Call{Op: op.GetHistoricalIdentity, Params: []string{id}})
}

// GetSnapshot returns the identity with id as it was at date
// (getIdentitySnapshot).
func (c *Client) GetSnapshot(ctx context.Context, id string, date time.Time) (*Identity, error) {
	if date.IsZero() {
		return nil, isc.Invalid("date", "a snapshot date is needed")
	}
	return c.identity(ctx, isc.Call{Op: op.GetIdentitySnapshot, Params: []string{id, isc.FormatTime(date)}})
}

func (c *Client) identity(ctx context.Context, call isc.Call) (*Identity, error) {
	return isc.Decode(ctx, c.c, call, func(body []byte, _ isc.Meta) (*Identity, error) {
		var w wireIdentity
		if err := json.Unmarshal(body, &w); err != nil {
			return nil, isc.Breach(call.Op.Name, err, "decode %T", w)
		}
		id, err := w.identity()
		return id, withOp(call.Op.Name, err)
	})
}

// GetStartDate returns when the identity with id started
// (getIdentityStartDate).
func (c *Client) GetStartDate(ctx context.Context, id string) (time.Time, error) {
	o := op.GetIdentityStartDate
	var s string
	if _, err := c.c.JSON(ctx, isc.Call{Op: o, Params: []string{id}}, &s); err != nil {
		return time.Time{}, err
	}
	t, err := isc.ParseTime(s)
	return t, withOp(o.Name, err)
}

// ListSnapshots lists the snapshot dates of the identity with id
// (listIdentitySnapshots).
func (c *Client) ListSnapshots(ctx context.Context, id string, p SnapshotsParams) (isc.Page[SnapshotSummary], error) {
	o := op.ListIdentitySnapshots
	q := url.Values{}
	if err := p.Paging.Apply(q); err != nil {
		return isc.Page[SnapshotSummary]{}, err
	}
	if err := p.Interval.validate(); err != nil {
		return isc.Page[SnapshotSummary]{}, err
	}
	isc.SetTime(q, "start", p.Start)
	isc.SetString(q, "interval", string(p.Interval))
	page, err := isc.List[wireSnapshot](ctx, c.c, isc.Call{Op: o, Params: []string{id}, Query: q})
	if err != nil {
		return isc.Page[SnapshotSummary]{}, err
	}
	out := isc.Page[SnapshotSummary]{Items: make([]SnapshotSummary, len(page.Items)), Total: page.Total, HasTotal: page.HasTotal}
	for i, w := range page.Items {
		if out.Items[i].Snapshot, err = isc.ParseTime(w.Snapshot); err != nil {
			return isc.Page[SnapshotSummary]{}, withOp(o.Name, err)
		}
	}
	return out, nil
}

// GetSnapshotSummary returns the count of the identity's changes per day
// or month (getIdentitySnapshotSummary).
func (c *Client) GetSnapshotSummary(ctx context.Context, id string, p SummaryParams) (isc.Page[Metric], error) {
	q := url.Values{}
	if err := p.Paging.Apply(q); err != nil {
		return isc.Page[Metric]{}, err
	}
	if err := p.Interval.validate(); err != nil {
		return isc.Page[Metric]{}, err
	}
	if err := validTimeZone(p.TimeZone); err != nil {
		return isc.Page[Metric]{}, err
	}
	isc.SetTime(q, "before", p.Before)
	isc.SetString(q, "interval", string(p.Interval))
	isc.SetString(q, "time-zone", p.TimeZone)
	return isc.List[Metric](ctx, c.c, isc.Call{Op: op.GetIdentitySnapshotSummary, Params: []string{id}, Query: q})
}

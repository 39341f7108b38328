package history

import (
	"context"
	"net/url"
	"time"

	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// ListAccessItems lists the access items the identity with id holds now,
// of one type (listIdentityAccessItems), filtered, searched, sorted and
// paged as the tenant does it. In v1 the tenant can no longer filter,
// sort or search this list, so for a call that asks for any of these the
// client reads the whole list and does it itself (see local.go).
func (c *Client) ListAccessItems(ctx context.Context, id string, p AccessItemsParams) (isc.Page[AccessItem], error) {
	q := url.Values{}
	if err := p.Paging.Apply(q); err != nil {
		return isc.Page[AccessItem]{}, err
	}
	if p.Type != 0 && !p.Type.Valid() {
		return isc.Page[AccessItem]{}, isc.Invalid("type", "no access type %d", uint8(p.Type))
	}
	isc.SetString(q, "type", p.Type.String())
	filters, err := p.Filter.Encode(itemFilterSpec)
	if err != nil {
		return isc.Page[AccessItem]{}, err
	}
	sorters, err := isc.EncodeSorters(p.Sort, itemSortFields...)
	if err != nil {
		return isc.Page[AccessItem]{}, err
	}
	gen, err := c.c.GenerationFor(ctx, op.History)
	if err != nil {
		return isc.Page[AccessItem]{}, err
	}
	if gen == op.V1 && (filters != "" || sorters != "" || p.Query != "") {
		return c.accessItemsLocally(ctx, id, p)
	}
	isc.SetString(q, "filters", filters)
	isc.SetString(q, "sorters", sorters)
	isc.SetString(q, "query", p.Query)
	return c.accessItems(ctx, id, p.Type, q, gen)
}

// accessItems sends one listIdentityAccessItems call in gen.
func (c *Client) accessItems(ctx context.Context, id string, typ AccessType, q url.Values, gen op.Generation) (isc.Page[AccessItem], error) {
	o := op.ListIdentityAccessItems
	fallback := typ
	if fallback == 0 {
		fallback = Account
	}
	call := isc.Call{Op: o, Params: []string{id}, Query: q}.In(gen)
	return isc.DecodeList(ctx, c.c, call, func(ws []wireItem) ([]AccessItem, error) {
		return items(o.Name, ws, fallback)
	})
}

// ListSnapshotAccessItems lists the access items the identity with id held
// at date (listIdentitySnapshotAccessItems); typ 0 lists every type.
func (c *Client) ListSnapshotAccessItems(ctx context.Context, id string, date time.Time, typ AccessType) ([]AccessItem, error) {
	o := op.ListIdentitySnapshotAccessItems
	if date.IsZero() {
		return nil, isc.Invalid("date", "a snapshot date is needed")
	}
	if typ != 0 && !typ.Valid() {
		return nil, isc.Invalid("type", "no access type %d", uint8(typ))
	}
	q := url.Values{}
	isc.SetString(q, "type", typ.snapshotName())
	var ws []wireItem
	call := isc.Call{Op: o, Params: []string{id, isc.FormatTime(date)}, Query: q}
	if _, err := c.c.JSON(ctx, call, &ws); err != nil {
		return nil, err
	}
	return items(o.Name, ws, typ)
}

// ListEvents lists the identity's events, newest first
// (getHistoricalIdentityEvents).
func (c *Client) ListEvents(ctx context.Context, id string, p EventsParams) (isc.Page[Event], error) {
	o := op.GetHistoricalIdentityEvents
	q := url.Values{}
	if err := p.Paging.Apply(q); err != nil {
		return isc.Page[Event]{}, err
	}
	isc.SetTime(q, "from", p.From)
	if err := isc.SetStrings(q, "eventTypes", p.EventTypes); err != nil {
		return isc.Page[Event]{}, err
	}
	if len(p.AccessItemTypes) > 0 {
		names, err := appendNames("accessItemTypes", p.AccessItemTypes)
		if err != nil {
			return isc.Page[Event]{}, err
		}
		q["accessItemTypes"] = names
	}
	return isc.DecodeList(ctx, c.c, isc.Call{Op: o, Params: []string{id}, Query: q}, func(ws []wireEvent) ([]Event, error) {
		return events(o.Name, ws)
	})
}

// CompareSnapshots counts the access gained and lost per type between two
// snapshots (compareIdentitySnapshots).
func (c *Client) CompareSnapshots(ctx context.Context, id string, p CompareParams) (isc.Page[Comparison], error) {
	q := url.Values{}
	if err := p.Paging.Apply(q); err != nil {
		return isc.Page[Comparison]{}, err
	}
	isc.SetTime(q, "snapshot1", p.Snapshot1)
	isc.SetTime(q, "snapshot2", p.Snapshot2)
	if len(p.AccessItemTypes) > 0 {
		names, err := appendNames("accessItemTypes", p.AccessItemTypes)
		if err != nil {
			return isc.Page[Comparison]{}, err
		}
		q["accessItemTypes"] = names
	}
	return isc.List[Comparison](ctx, c.c, isc.Call{Op: op.CompareIdentitySnapshots, Params: []string{id}, Query: q})
}

// CompareAccessType lists the access items of one type gained or lost
// between two snapshots (compareIdentitySnapshotsAccessType).
func (c *Client) CompareAccessType(ctx context.Context, id string, typ AccessType, p DiffParams) (isc.Page[AccessItemDiff], error) {
	if !typ.Valid() {
		return isc.Page[AccessItemDiff]{}, isc.Invalid("accessType", "an access type is needed")
	}
	q := url.Values{}
	if err := p.Paging.Apply(q); err != nil {
		return isc.Page[AccessItemDiff]{}, err
	}
	isc.SetBool(q, "access-associated", p.Associated)
	isc.SetTime(q, "snapshot1", p.Snapshot1)
	isc.SetTime(q, "snapshot2", p.Snapshot2)
	call := isc.Call{Op: op.CompareIdentitySnapshotsAccessType, Params: []string{id, typ.String()}, Query: q}
	return isc.List[AccessItemDiff](ctx, c.c, call)
}

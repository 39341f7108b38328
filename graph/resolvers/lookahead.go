package resolvers

import (
	"context"
	"encoding/json"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/sailgraph/sailgraph/graph/model"
)

// Look-ahead: a parent field whose children need only its arguments (an
// identity's id, a snapshot's id and date) starts its children's upstream
// calls together with its own, through the request's memo, so that the
// children find them in flight when they run: a cold identity page costs
// one upstream round trip, not two.
//
// A child is started by calling the upstream read its resolver makes
// (identity.go), with its arguments decoded from the query and a field
// context of its own (so that what it reads of its selection, such as
// whether totalCount is asked, is the same), in a goroutine whose result
// is dropped: the resolver that runs afterwards for real makes the same
// memo keys, gets the answers and maps them, once. An unknown id costs
// the started calls (each a cached 404).

// lookAheadChildren are the Identity fields whose upstream calls need
// only the identity's id and their own arguments.
var lookAheadChildren = map[string]bool{
	"accessItems": true, "events": true, "snapshots": true, "snapshot": true, "compare": true,
	"accessDiff": true, "snapshotSummary": true, "startDate": true,
}

// lookAhead reports whether look-ahead is on for the request: it is off
// while the tenant budget has little headroom, so that calls go in order.
func (r *Resolver) lookAhead(ctx context.Context) bool {
	return r.LookAhead == nil || r.LookAhead(ctx)
}

// prefetchIdentity starts the upstream calls of the selected children of
// the identity id in the field being resolved, each in a goroutine of its
// own.
func (r *Resolver) prefetchIdentity(ctx context.Context, id string) {
	if !r.lookAhead(ctx) {
		return
	}
	forEachChild(ctx, "Identity", lookAheadChildren, func(cctx context.Context, name string, args map[string]any) {
		go r.prefetchIdentityField(cctx, id, name, args)
	})
}

// prefetchIdentityField makes the upstream read of the child name of the
// identity id, with args.
func (r *Resolver) prefetchIdentityField(ctx context.Context, id string, name string, args map[string]any) {
	var a struct {
		Type            *model.AccessItemType    `json:"type"`
		Filter          *model.AccessItemFilter  `json:"filter"`
		OrderBy         []*model.AccessItemOrder `json:"orderBy"`
		Query           *string                  `json:"query"`
		First           *int                     `json:"first"`
		After           *string                  `json:"after"`
		From            *time.Time               `json:"from"`
		EventTypes      []string                 `json:"eventTypes"`
		AccessItemTypes []model.AccessItemType   `json:"accessItemTypes"`
		Start           *time.Time               `json:"start"`
		Interval        *model.Interval          `json:"interval"`
		Date            *time.Time               `json:"date"`
		Before          *time.Time               `json:"before"`
		TimeZone        *string                  `json:"timeZone"`
		Snapshot1       *time.Time               `json:"snapshot1"`
		Snapshot2       *time.Time               `json:"snapshot2"`
		AccessType      *model.AccessItemType    `json:"accessType"`
		Associated      *bool                    `json:"associated"`
	}
	if !decodeArgs(args, &a) {
		return // the real resolver reports what is wrong with them
	}
	switch name {
	case "accessItems":
		_, _ = r.accessItemsWindow(ctx, id, a.Type, a.Filter, a.OrderBy, a.Query, a.First, a.After)
	case "events":
		_, _ = r.eventsWindow(ctx, id, a.From, a.EventTypes, a.AccessItemTypes, a.First, a.After)
	case "snapshots":
		_, _ = r.snapshotsWindow(ctx, id, a.Start, a.Interval, a.First, a.After)
	case "snapshot":
		if a.Date != nil {
			_, _ = r.snapshotDetail(ctx, id, *a.Date)
		}
	case "compare":
		_, _ = r.comparisons(ctx, id, a.Snapshot1, a.Snapshot2, a.AccessItemTypes)
	case "accessDiff":
		if a.AccessType != nil {
			_, _ = r.accessDiffWindow(ctx, id, *a.AccessType, a.Snapshot1, a.Snapshot2, a.Associated, a.First, a.After)
		}
	case "snapshotSummary":
		_, _ = r.snapshotMetrics(ctx, id, a.Before, a.Interval, a.TimeZone)
	case "startDate":
		_, _ = r.startDate(ctx, id)
	}
}

// prefetchSnapshot starts the upstream calls of the selected access items
// of the snapshot of id at date.
func (r *Resolver) prefetchSnapshot(ctx context.Context, id string, date time.Time) {
	if !r.lookAhead(ctx) {
		return
	}
	forEachChild(ctx, "IdentitySnapshot", map[string]bool{"accessItems": true}, func(cctx context.Context, _ string, args map[string]any) {
		var a struct {
			Type *model.AccessItemType `json:"type"`
		}
		if decodeArgs(args, &a) {
			go func() { _, _ = r.snapshotAccessItems(cctx, id, date, a.Type) }()
		}
	})
}

// forEachChild calls start for every selected field of the object type
// typeName, in the field being resolved, that is in names: with a context
// holding the child's own field context, and the child's arguments.
func forEachChild(ctx context.Context, typeName string, names map[string]bool, start func(ctx context.Context, name string, args map[string]any)) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !graphql.HasOperationContext(ctx) {
		return
	}
	oc := graphql.GetOperationContext(ctx)
	for _, f := range graphql.CollectFields(oc, fc.Field.Selections, []string{typeName}) {
		if !names[f.Name] {
			continue
		}
		args := f.ArgumentMap(oc.Variables)
		child := &graphql.FieldContext{Parent: fc, Object: typeName, Field: f, Args: args, IsMethod: true, IsResolver: true}
		start(graphql.WithFieldContext(ctx, child), f.Name, args)
	}
}

// decodeArgs decodes a field's raw arguments into the typed values its
// resolver takes, through encoding/json. It runs for every identity the
// result cache does not answer, warm upstream cache or not.
func decodeArgs(args map[string]any, into any) bool {
	b, err := json.Marshal(args)
	return err == nil && json.Unmarshal(b, into) == nil
}

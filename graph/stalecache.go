package graph

import (
	"context"

	"github.com/sailgraph/sailgraph/cache"
)

// CacheStaleNotes is StaleNotes over the cache package's per-request
// record of stale serves (cache.WithNotes, cache.WithLabel). It is the
// default Options.Stale.
type CacheStaleNotes struct{}

var _ StaleNotes = CacheStaleNotes{}

// Collect gives ctx a fresh cache.Notes and lists it as StaleServes.
func (CacheStaleNotes) Collect(ctx context.Context) (context.Context, func() []StaleServe) {
	ctx, notes := cache.WithNotes(ctx)
	return ctx, func() []StaleServe {
		list := notes.List()
		if len(list) == 0 {
			return nil
		}
		out := make([]StaleServe, len(list))
		for i, n := range list {
			out[i] = StaleServe{
				Field: n.Label, Operation: n.Operation, Resource: n.Resource,
				AgeSeconds: n.Age.Seconds(), Reason: n.Reason.String(),
			}
		}
		return out
	}
}

// Label names the field in ctx with cache.WithLabel.
func (CacheStaleNotes) Label(ctx context.Context, label string) context.Context {
	return cache.WithLabel(ctx, label)
}

package resolvers

import (
	"context"

	"github.com/sailgraph/sailgraph/graph/loaders"
	"github.com/sailgraph/sailgraph/upstream/isc"
)

// once makes the upstream call fn once per request for key: equal calls
// of one request share one answer. key must hold everything that shapes
// the call (graph arguments, ids, paging).
func once[V any](ctx context.Context, key *callKey, fn func(context.Context) (V, error)) (V, error) {
	return loaders.Once(ctx, loaders.For(ctx), key.String(), fn)
}

// pagesOf is a connection's page source over a list operation named by
// key (the operation and its arguments), each page made once per request.
func pagesOf[T any](key *callKey, list func(context.Context, isc.Paging) (isc.Page[T], error)) listPage[T] {
	return func(ctx context.Context, offset, limit int, count bool) ([]T, *int, error) {
		p := isc.Paging{Offset: offset, Limit: limit, Count: count}
		page, err := once(ctx, key.clone().paging(p), func(ctx context.Context) (isc.Page[T], error) {
			return list(ctx, p)
		})
		if err != nil {
			return nil, nil, err
		}
		var total *int
		if page.HasTotal {
			total = &page.Total
		}
		return page.Items, total, nil
	}
}

// maxListItems bounds the lists the schema serves whole (snapshot
// summaries, comparisons): at most this many items, in upstream pages read
// one after another until a short one.
const maxListItems = MaxFirst

// fetchAll reads a whole list through fetch, up to maxListItems.
func fetchAll[T any](ctx context.Context, fetch listPage[T]) ([]T, error) {
	var all []T
	for offset := 0; offset < maxListItems; offset += upstreamLimit {
		items, _, err := fetch(ctx, offset, upstreamLimit, false)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if len(items) < upstreamLimit {
			break
		}
	}
	return all, nil
}

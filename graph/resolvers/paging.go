package resolvers

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"sync"

	"github.com/sailgraph/sailgraph/graph/model"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// Connections page with `first` and `after` over the tenant's offset
// paging. A cursor is the item's offset, opaque to the caller.
const (
	// DefaultFirst is a connection's page size when `first` is not given.
	DefaultFirst = 50
	// MaxFirst is the largest `first` a connection serves.
	MaxFirst = 1000
	// upstreamLimit is the most items one upstream list call returns.
	upstreamLimit = op.MaxPageSize
)

// window is the part of a list a connection field asks for.
type window struct {
	offset int  // index of the first item
	first  int  // how many items
	count  bool // whether totalCount is selected
}

// windowOf reads first and after, and whether the connection's totalCount
// is selected (only then is the tenant asked to count).
func windowOf(ctx context.Context, first *int, after *string) (window, error) {
	w := window{first: DefaultFirst, count: selects(ctx, "totalCount")}
	if first != nil {
		if *first < 0 || *first > MaxFirst {
			return w, model.BadInput("first", "must be from 0 to %d, got %d", MaxFirst, *first)
		}
		w.first = *first
	}
	if after != nil {
		n, err := decodeCursor(*after)
		if err != nil {
			return w, err
		}
		w.offset = n + 1
	}
	// Every upstream page of the window must start at an offset the tenant
	// takes: refuse the window whole rather than send part of it.
	if w.offset > isc.MaxOffset-w.first {
		return w, model.BadInput("after", "a page of %d items after this cursor goes past the tenant's largest offset, %d", w.first, isc.MaxOffset)
	}
	return w, nil
}

const cursorPrefix = "offset:"

// maxCursor is the largest offset a cursor names: the item after it, where
// the next page starts, is at the tenant's largest offset (the spec types
// offsets as int32).
const maxCursor = isc.MaxOffset - 1

func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.Itoa(offset)))
}

// decodeCursor reads a cursor encodeCursor wrote, and only those: one
// spelling per offset (no "+7", "007" or padding), so that a cursor is as
// good a cache key as the offset it names.
func decodeCursor(c string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		s, ok := strings.CutPrefix(string(b), cursorPrefix)
		if n, convErr := strconv.Atoi(s); ok && convErr == nil && n >= 0 && n <= maxCursor && encodeCursor(n) == c {
			return n, nil
		}
	}
	return 0, model.BadInput("after", "%q is not a cursor of this connection", c)
}

// listPage is one upstream list call: at most limit items from offset,
// with the total count when count is true.
type listPage[T any] func(ctx context.Context, offset, limit int, count bool) (items []T, total *int, err error)

// page is a window's items and what the connection says about them.
type page[T any] struct {
	items   []T
	offset  int
	hasNext bool
	total   *int
}

// fetchWindow fetches w through fetch, in upstream pages of at most 250
// items called concurrently. It asks for one item more than w.first when
// that costs no extra call, so hasNextPage is exact; otherwise hasNextPage
// is true when the window came back full (and the total, if known, is not
// reached), and may then lead to one empty page.
func fetchWindow[T any](ctx context.Context, w window, fetch listPage[T]) (page[T], error) {
	p := page[T]{offset: w.offset}
	if w.first == 0 {
		if !w.count {
			return p, nil
		}
		// The tenant's smallest page is one item; only its count is used.
		_, total, err := fetch(ctx, w.offset, 1, true)
		if err != nil {
			return p, err
		}
		p.total = total
		p.hasNext = total != nil && *total > w.offset
		return p, nil
	}
	want := w.first
	if w.first%upstreamLimit != 0 {
		want++ // the look-ahead item rides in the last call for free
	}
	nCalls := (want + upstreamLimit - 1) / upstreamLimit
	chunks := make([][]T, nCalls)
	errs := make([]error, nCalls)
	// The pages run under ctx itself, not under a context canceled when
	// one of them fails: each page is made once per request and shared
	// with the request's other callers of it (look-ahead starts the same
	// pages), who must get its answer, not a cancellation that was not
	// theirs. A failed page leaves the others to finish; they are sent
	// already, or a few.
	var wg sync.WaitGroup
	for i := range nCalls {
		off := i * upstreamLimit
		limit := min(upstreamLimit, want-off)
		wg.Go(func() {
			items, total, err := fetch(ctx, w.offset+off, limit, w.count && i == 0)
			chunks[i], errs[i] = items, err
			if i == 0 {
				p.total = total
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return p, err // the first page's error, whichever failed first
		}
	}
	var all []T
	for i, c := range chunks {
		all = append(all, c...)
		if len(c) < min(upstreamLimit, want-i*upstreamLimit) {
			break // the list ended inside this chunk
		}
	}
	switch {
	case len(all) > w.first:
		p.hasNext = true
	case p.total != nil:
		p.hasNext = w.offset+len(all) < *p.total
	default:
		p.hasNext = want == w.first && len(all) == w.first
	}
	p.items = all[:min(len(all), w.first)]
	return p, nil
}

// pageInfo describes p for its connection.
func (p page[T]) pageInfo() *model.PageInfo {
	info := &model.PageInfo{HasNextPage: p.hasNext}
	if len(p.items) > 0 {
		c := encodeCursor(p.offset + len(p.items) - 1)
		info.EndCursor = &c
	}
	return info
}

// edges builds a connection's edges from its nodes with mk.
func edges[N, E any](p page[N], mk func(cursor string, node N) E) []E {
	out := make([]E, len(p.items))
	for i, n := range p.items {
		out[i] = mk(encodeCursor(p.offset+i), n)
	}
	return out
}

// mapItems maps a page's items with f.
func mapItems[T, N any](p page[T], f func(T) N) page[N] {
	out := page[N]{offset: p.offset, hasNext: p.hasNext, total: p.total, items: make([]N, len(p.items))}
	for i, it := range p.items {
		out.items[i] = f(it)
	}
	return out
}

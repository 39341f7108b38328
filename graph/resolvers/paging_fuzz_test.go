package resolvers

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/sailgraph/sailgraph/graph/model"
	"github.com/sailgraph/sailgraph/upstream/isc"
)

// FuzzCursor: any string given as `after` either is refused as an
// InputError on after, or is the one cursor of an offset from 0 to
// maxCursor; a window after it is refused whole, or every upstream page of
// it is one the tenant's paging takes. Every offset's cursor comes back as
// that offset.
func FuzzCursor(f *testing.F) {
	f.Fuzz(func(t *testing.T, after string, offset int, first int) {
		if offset >= 0 && offset <= maxCursor {
			if n, err := decodeCursor(encodeCursor(offset)); err != nil || n != offset {
				t.Fatalf("cursor of %d came back as %d, %v", offset, n, err)
			}
		}
		n, err := decodeCursor(after)
		if err != nil {
			var in *model.InputError
			if !errors.As(err, &in) || in.Arg != "after" {
				t.Fatalf("%q refused with %v, want an InputError on after", after, err)
			}
			return
		}
		if n < 0 || n > maxCursor || encodeCursor(n) != after {
			t.Fatalf("%q decoded to %d", after, n)
		}
		w, err := windowOf(t.Context(), &first, &after)
		if err != nil {
			var in *model.InputError
			if !errors.As(err, &in) || (in.Arg != "first" && in.Arg != "after") {
				t.Fatalf("window of %d after %q refused with %v", first, after, err)
			}
			return
		}
		if w.offset != n+1 || w.first != first {
			t.Fatalf("window of %d after %q: %+v", first, after, w)
		}
		var (
			mu    sync.Mutex // fetchWindow calls concurrently
			pages []isc.Paging
		)
		_, _ = fetchWindow(t.Context(), w, func(_ context.Context, offset, limit int, count bool) ([]int, *int, error) {
			mu.Lock()
			pages = append(pages, isc.Paging{Offset: offset, Limit: limit, Count: count})
			mu.Unlock()
			return nil, nil, nil
		})
		for _, p := range pages {
			if err := p.Validate(); err != nil {
				t.Fatalf("window of %d after %q sends %+v: %v", first, after, p, err)
			}
		}
	})
}

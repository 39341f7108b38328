package resolvers

import (
	"errors"
	"testing"

	"github.com/sailgraph/sailgraph/graph/model"
	"github.com/sailgraph/sailgraph/upstream/isc"
)

// FuzzCursor: any string given as `after` either is refused as an
// InputError on after, or is the one cursor of an offset from 0 to
// maxCursor, and the window it starts is one the tenant's paging takes.
// Every offset's cursor comes back as that offset.
func FuzzCursor(f *testing.F) {
	f.Fuzz(func(t *testing.T, after string, offset int) {
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
		first := MaxFirst
		w, err := windowOf(t.Context(), &first, &after)
		if err != nil || w.offset != n+1 {
			t.Fatalf("window after %q: %+v, %v", after, w, err)
		}
		if err := (isc.Paging{Offset: w.offset, Limit: upstreamLimit}).Validate(); err != nil {
			t.Fatalf("the page after %q: %v", after, err)
		}
	})
}

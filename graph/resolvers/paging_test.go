package resolvers

import (
	"context"
	"encoding/base64"
	"errors"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/sailgraph/sailgraph/graph/model"
)

// fakeList serves a list of n ints with the tenant's offset paging and
// records the calls it gets.
type fakeList struct {
	n     int
	mu    sync.Mutex
	calls [][3]int // offset, limit, count
}

func (f *fakeList) page(_ context.Context, offset, limit int, count bool) ([]int, *int, error) {
	if limit > upstreamLimit {
		return nil, nil, errors.New("limit over 250")
	}
	f.mu.Lock()
	c := 0
	if count {
		c = 1
	}
	f.calls = append(f.calls, [3]int{offset, limit, c})
	f.mu.Unlock()
	var items []int
	for i := offset; i < min(offset+limit, f.n); i++ {
		items = append(items, i)
	}
	var total *int
	if count {
		total = &f.n
	}
	return items, total, nil
}

func TestFetchWindow(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		w         window
		wantFirst int // first item, -1 for none
		wantLen   int
		hasNext   bool
		total     int // -1 for none
		calls     [][3]int
	}{
		{"small page, exact hasNext", 100, window{first: 10}, 0, 10, true, -1, [][3]int{{0, 11, 0}}},
		{"small page at the end", 100, window{offset: 90, first: 10}, 90, 10, false, -1, [][3]int{{90, 11, 0}}},
		{"short last page", 100, window{offset: 95, first: 10}, 95, 5, false, -1, [][3]int{{95, 11, 0}}},
		{"count when selected", 100, window{first: 10, count: true}, 0, 10, true, 100, [][3]int{{0, 11, 1}}},
		{"a full 250 page costs one call", 1000, window{first: 250}, 0, 250, true, -1, [][3]int{{0, 250, 0}}},
		{"250 at the exact end", 250, window{first: 250, count: true}, 0, 250, false, 250, [][3]int{{0, 250, 1}}},
		{"600 in three calls", 1000, window{offset: 10, first: 600}, 10, 600, true, -1, [][3]int{{10, 250, 0}, {260, 250, 0}, {510, 101, 0}}},
		{"1000 ending early", 620, window{first: 1000}, 0, 620, false, -1, [][3]int{{0, 250, 0}, {250, 250, 0}, {500, 250, 0}, {750, 250, 0}}},
		{"first 0 without count makes no call", 100, window{first: 0}, -1, 0, false, -1, nil},
		{"first 0 with count", 100, window{first: 0, count: true}, -1, 0, true, 100, [][3]int{{0, 1, 1}}},
		{"past the end", 10, window{offset: 50, first: 10}, -1, 0, false, -1, [][3]int{{50, 11, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeList{n: tt.n}
			p, err := fetchWindow(context.Background(), tt.w, f.page)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.items) != tt.wantLen || (tt.wantLen > 0 && p.items[0] != tt.wantFirst) {
				t.Errorf("items: %d from %v, want %d from %d", len(p.items), p.items[:min(1, len(p.items))], tt.wantLen, tt.wantFirst)
			}
			for i := 1; i < len(p.items); i++ {
				if p.items[i] != p.items[i-1]+1 {
					t.Fatalf("items out of order at %d: %d after %d", i, p.items[i], p.items[i-1])
				}
			}
			if p.hasNext != tt.hasNext {
				t.Errorf("hasNext %v, want %v", p.hasNext, tt.hasNext)
			}
			if (p.total == nil) != (tt.total < 0) || (p.total != nil && *p.total != tt.total) {
				t.Errorf("total %v, want %d", p.total, tt.total)
			}
			slices.SortFunc(f.calls, func(a, b [3]int) int { return a[0] - b[0] })
			if !slices.Equal(f.calls, tt.calls) {
				t.Errorf("calls %v, want %v", f.calls, tt.calls)
			}
		})
	}
}

func TestFetchWindowFailsWhole(t *testing.T) {
	boom := errors.New("boom")
	_, err := fetchWindow(context.Background(), window{first: 600}, func(_ context.Context, offset, _ int, _ bool) ([]int, *int, error) {
		if offset == 250 {
			return nil, nil, boom
		}
		return make([]int, 250), nil, nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom", err)
	}
}

func TestCursors(t *testing.T) {
	for _, n := range []int{0, 1, 249, 250, 123456, maxCursor} {
		got, err := decodeCursor(encodeCursor(n))
		if err != nil || got != n {
			t.Fatalf("cursor %d came back as %d, %v", n, got, err)
		}
	}
	raw := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	bad := []string{"", "nope", encodeCursor(-1), "b2Zmc2V0Og",
		// Beyond the tenant's int32 offsets; the largest would overflow
		// the next page's offset to a negative one.
		encodeCursor(maxCursor + 1), encodeCursor(math.MaxInt64),
		// Other spellings of an offset.
		raw("offset:+7"), raw("offset:007"), raw("offset: 7"), base64.URLEncoding.EncodeToString([]byte("offset:7")),
	}
	for _, bad := range bad {
		_, err := decodeCursor(bad)
		var in *model.InputError
		if !errors.As(err, &in) || in.Arg != "after" {
			t.Errorf("cursor %q: err %v, want an InputError on after", bad, err)
		}
	}
}

func TestPageInfoAndEdges(t *testing.T) {
	p := page[int]{items: []int{7, 8, 9}, offset: 7, hasNext: true}
	info := p.pageInfo()
	if !info.HasNextPage || info.EndCursor == nil || *info.EndCursor != encodeCursor(9) {
		t.Fatalf("pageInfo %+v", info)
	}
	es := edges(p, func(c string, n int) [2]any { return [2]any{c, n} })
	if len(es) != 3 || es[0][0] != encodeCursor(7) || es[2][1] != 9 {
		t.Fatalf("edges %v", es)
	}
	if (page[int]{}).pageInfo().EndCursor != nil {
		t.Fatal("an empty page has an end cursor")
	}
}

// A window whose upstream pages would start past the tenant's largest
// offset is refused whole, before any call: sending its first pages and
// refusing the rest would spend calls on an error.
func TestWindowWithinTheTenantsOffsets(t *testing.T) {
	last := encodeCursor(maxCursor)
	for _, tc := range []struct {
		first int
		after string
		ok    bool
	}{
		{0, last, true},
		{1, last, false},
		{1000, encodeCursor(maxCursor - 1000), true},
		{1000, encodeCursor(maxCursor - 999), false},
	} {
		w, err := windowOf(t.Context(), &tc.first, &tc.after)
		var in *model.InputError
		switch {
		case tc.ok && (err != nil || w.offset+w.first > math.MaxInt32):
			t.Errorf("first %d after %q: %+v, %v", tc.first, tc.after, w, err)
		case !tc.ok && (!errors.As(err, &in) || in.Arg != "after"):
			t.Errorf("first %d after %q: err %v, want an InputError on after", tc.first, tc.after, err)
		}
	}
}

// The pages of a window run under the caller's context, never one that
// fetchWindow cancels: the request's memo shares each page with its other
// callers (look-ahead starts the same pages), who must not inherit a
// cancellation that was not theirs. Of several failed pages the first
// one's error is returned, whichever failed first.
func TestFetchWindowPagesShareTheCallersContext(t *testing.T) {
	errFirst, errSecond := errors.New("page 0"), errors.New("page 1")
	secondFailed := make(chan struct{})
	var (
		mu   sync.Mutex
		ctxs []context.Context
	)
	_, err := fetchWindow(t.Context(), window{first: 600}, func(ctx context.Context, offset, _ int, _ bool) ([]int, *int, error) {
		mu.Lock()
		ctxs = append(ctxs, ctx)
		mu.Unlock()
		switch offset {
		case 0:
			<-secondFailed
			return nil, nil, errFirst
		case upstreamLimit:
			close(secondFailed)
			return nil, nil, errSecond
		}
		return make([]int, upstreamLimit), nil, nil
	})
	if err != errFirst {
		t.Fatalf("err = %v, want the first page's", err)
	}
	if len(ctxs) != 3 {
		t.Fatalf("%d pages fetched, want 3", len(ctxs))
	}
	for i, ctx := range ctxs {
		if ctx.Err() != nil {
			t.Errorf("page %d ran under a context that is now %v", i, ctx.Err())
		}
	}
}

package isc

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// identifiedReader is a stored answer's body, as the cache layer serves it.
type identifiedReader struct {
	io.Reader
	id string
}

func (identifiedReader) Close() error            { return nil }
func (r identifiedReader) CacheIdentity() string { return r.id }

// A stored answer is decoded and converted once; the same bytes under
// another identity, or an answer from the network, are decoded again.
func TestDecodeOncePerStoredAnswer(t *testing.T) {
	var id atomic.Value
	id.Store("entry-1")
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		var body io.ReadCloser = io.NopCloser(strings.NewReader(`[1,2,3]`))
		if s := id.Load().(string); s != "" {
			body = identifiedReader{Reader: strings.NewReader(`[1,2,3]`), id: s}
		}
		return &http.Response{StatusCode: 200, Header: http.Header{"X-Total-Count": {"3"}}, Body: body, ContentLength: -1, Request: r}, nil
	})}
	c, err := New("https://tenant.example", hc, WithDecodedCache(NewDecodedCache(0)))
	if err != nil {
		t.Fatal(err)
	}
	var conversions int
	list := func() Page[int] {
		t.Helper()
		p, err := DecodeList(context.Background(), c, Call{Op: testOp("listThings", http.MethodGet, "/beta/things")}, func(ws []int) ([]int, error) {
			conversions++
			return ws, nil
		})
		if err != nil || len(p.Items) != 3 || p.Total != 3 {
			t.Fatalf("page %+v, %v", p, err)
		}
		return p
	}
	list()
	list()
	if conversions != 1 {
		t.Fatalf("%d conversions of one stored answer, want 1", conversions)
	}
	id.Store("entry-2")
	list()
	id.Store("")
	list()
	list()
	if conversions != 4 {
		t.Fatalf("%d conversions, want a new one per identity and per answer without one (4)", conversions)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

package isc

import (
	"context"
	"io"
	"net/http"
	"reflect"
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

// The cache holds at most its bytes of source JSON, dropping the least
// recently used; an answer over a quarter of it is not kept at all; a
// value is kept per stored answer and per type.
func TestDecodedCacheBound(t *testing.T) {
	d := NewDecodedCache(100)
	intType, strType := reflect.TypeFor[int](), reflect.TypeFor[string]()
	key := func(id string) decodedKey { return decodedKey{id: id, typ: intType} }
	for i, id := range []string{"a", "b", "c", "d"} {
		d.put(key(id), i, 25)
	}
	d.get(key("a")) // now the most recently used
	d.put(key("e"), 4, 25)
	for id, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true, "e": true} {
		if _, ok := d.get(key(id)); ok != want {
			t.Errorf("%s held: %v, want %v", id, ok, want)
		}
	}
	if _, ok := d.get(decodedKey{id: "a", typ: strType}); ok {
		t.Error("a value of another type was served")
	}
	d.put(key("big"), 5, 26)
	if _, ok := d.get(key("big")); ok {
		t.Error("an answer over a quarter of the cache was kept")
	}
	if d.size != 100 || len(d.items) != 4 || d.lru.Len() != 4 {
		t.Errorf("size %d, %d items, %d listed", d.size, len(d.items), d.lru.Len())
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// BenchmarkDecodeStored is a read answered from the cache whose value is
// already decoded: what Decode costs on top of the transport.
func BenchmarkDecodeStored(b *testing.B) {
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{"X-Total-Count": {"3"}},
			Body: identifiedReader{Reader: strings.NewReader(`[1,2,3]`), id: "sg:cache:{0123456789abcdef0123456789abcdef}:listThings@1b5sq1n9a8"}, ContentLength: -1, Request: r}, nil
	})}
	c, err := New("https://tenant.example", hc, WithDecodedCache(NewDecodedCache(0)))
	if err != nil {
		b.Fatal(err)
	}
	call := Call{Op: testOp("listThings", http.MethodGet, "/beta/things")}
	b.ReportAllocs()
	for b.Loop() {
		if p, err := DecodeList[int, int](b.Context(), c, call, nil); err != nil || len(p.Items) != 3 {
			b.Fatal(p, err)
		}
	}
}

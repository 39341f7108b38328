package transport

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/optest"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

var gateway = principal.ForClient("sim", "gateway-client")

// roundTripperFunc adapts a function to http.RoundTripper.
type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// send makes a request through rt; body, if not empty, is rewindable (as
// http.NewRequest makes it).
func send(ctx context.Context, rt http.RoundTripper, method, url, body string) (*http.Response, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(optest.WithCall(ctx, method, url), method, url, rd)
	if err != nil {
		return nil, err
	}
	return rt.RoundTrip(req)
}

// call sends a request through rt and returns the answer's status and
// body; an error fails the test.
func call(t *testing.T, ctx context.Context, rt http.RoundTripper, method, url, body string) (int, string) {
	t.Helper()
	resp, err := send(ctx, rt, method, url, body)
	if err != nil {
		t.Fatalf("request failed: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp.StatusCode, string(b)
}

// hits counts requests by path and remembers what they carried.
type hits struct {
	mu     sync.Mutex
	n      map[string]int
	bodies []string
	auth   []string
}

func newHits() *hits { return &hits{n: map[string]int{}} }

func (h *hits) record(r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n[r.URL.Path]++
	h.bodies = append(h.bodies, string(b))
	h.auth = append(h.auth, r.Header.Get("Authorization"))
}

func (h *hits) count(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n[path]
}

func (h *hits) snapshot() (bodies, auth []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.bodies...), append([]string(nil), h.auth...)
}

package httpcache

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/optest"

	"github.com/sailgraph/sailgraph/cache"
	"github.com/sailgraph/sailgraph/internal/clocktest"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

var (
	alice = principal.ForClient("sim", "client-a")
	bob   = principal.ForClient("sim", "client-b")
)

// principalHeader stands in for the credentials layer: it tells the
// upstream whom the call is for, as a real bearer would.
type principalHeader struct{ base http.RoundTripper }

func (p principalHeader) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if pr, ok := principal.From(req.Context()); ok {
		r.Header.Set("X-Test-Principal", pr.ClientID)
	}
	return p.base.RoundTrip(r)
}

// upstream is an httptest tenant whose answers the test scripts, counting
// requests by method and path.
type upstream struct {
	srv *httptest.Server

	mu     sync.Mutex
	calls  map[string]int
	answer func(w http.ResponseWriter, r *http.Request)
}

func newUpstream(t testing.TB, answer func(w http.ResponseWriter, r *http.Request)) *upstream {
	u := &upstream{calls: map[string]int{}, answer: answer}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.calls[r.Method+" "+r.URL.Path]++
		answer := u.answer
		u.mu.Unlock()
		answer(w, r)
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) setAnswer(f func(w http.ResponseWriter, r *http.Request)) {
	u.mu.Lock()
	u.answer = f
	u.mu.Unlock()
}

func (u *upstream) total() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := 0
	for _, c := range u.calls {
		n += c
	}
	return n
}

// env is a caching transport over an upstream, on a fake clock.
type env struct {
	t   *testing.T
	clk *fakeClock
	c   *cache.Cache
	tr  *Transport
	up  *upstream
}

func newEnv(t *testing.T, store func(clk *fakeClock) cache.Store, answer func(w http.ResponseWriter, r *http.Request)) *env {
	t.Helper()
	clk := newFakeClock()
	var s cache.Store
	if store != nil {
		s = store(clk)
	} else {
		s = cache.NewMemory(cache.MemoryOptions{Now: clk.Now})
	}
	c, err := cache.New(s, cache.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = c.Close(ctx)
	})
	up := newUpstream(t, answer)
	tr := New(c, principalHeader{base: http.DefaultTransport}, Options{Now: clk.Now})
	return &env{t: t, clk: clk, c: c, tr: tr, up: up}
}

// result is a response read whole.
type result struct {
	status int
	header http.Header
	body   string
}

func (e *env) do(ctx context.Context, method, path string) result {
	e.t.Helper()
	r, err := e.try(ctx, method, path)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

func (e *env) try(ctx context.Context, method, path string) (result, error) {
	req, err := http.NewRequestWithContext(optest.WithCall(ctx, method, path), method, e.up.srv.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := e.tr.RoundTrip(req)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: string(b)}, nil
}

func as(p principal.Principal) context.Context {
	return principal.With(context.Background(), p)
}

// fakeClock is a settable clock for entry lifetimes.
type fakeClock = clocktest.Clock

func newFakeClock() *fakeClock { return clocktest.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)) }

package transport

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/upstream/principal"
)

// gatedServer answers each request only once release is closed, counting
// arrivals.
type gatedServer struct {
	url     string
	release chan struct{}
	arrived atomic.Int64
	h       *hits
}

func newGatedServer(t *testing.T) *gatedServer {
	g := &gatedServer{release: make(chan struct{}), h: newHits()}
	g.url = serve(t, func(w http.ResponseWriter, r *http.Request) {
		g.h.record(r)
		g.arrived.Add(1)
		<-g.release
		w.Header().Set("X-Path", r.URL.Path)
		_, _ = w.Write([]byte("body of " + r.URL.Path))
	}).URL
	return g
}

// withJoinCounter installs the test hook counting callers that wait on a
// flight.
func withJoinCounter(rt http.RoundTripper) (*atomic.Int64, http.RoundTripper) {
	var n atomic.Int64
	rt.(*flights).joined = func() { n.Add(1) }
	return &n, rt
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestSingleflightSharesIdenticalGETs(t *testing.T) {
	g := newGatedServer(t)
	obs := NewCounter()
	joined, rt := withJoinCounter(Singleflight(gateway, obs)(http.DefaultTransport))
	const n = 20
	resps := make([]*http.Response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resp, err := send(ctxFor(t, 20*time.Second), rt, "GET", g.url+"/beta/task-status/abc?x=1", "")
			if err != nil {
				t.Errorf("caller %d: %v", i, err)
				return
			}
			resps[i] = resp
		})
	}
	waitUntil(t, "every caller waits on the flight", func() bool { return joined.Load() == n })
	close(g.release)
	wg.Wait()
	if t.Failed() {
		return
	}
	if got := g.arrived.Load(); got != 1 {
		t.Errorf("%d requests upstream for %d identical GETs, want 1", got, n)
	}
	// Each caller owns its response: reading or changing one leaves the
	// others whole.
	resps[0].Header.Set("X-Path", "changed")
	b0, _ := io.ReadAll(resps[0].Body)
	for i, resp := range resps {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if i == 0 {
			b = b0
		}
		if string(b) != "body of /beta/task-status/abc" {
			t.Errorf("caller %d body %q", i, b)
		}
		if i > 0 && resp.Header.Get("X-Path") != "/beta/task-status/abc" {
			t.Errorf("caller %d header changed by another caller", i)
		}
	}
	if s := obs.Snapshot().Shared; s != n-1 {
		t.Errorf("observed %d shared answers, want %d", s, n-1)
	}
}

// TestSingleflightKeepsApart: different principals, URLs and Accept
// headers, and the file downloads, each go upstream themselves.
func TestSingleflightKeepsApart(t *testing.T) {
	type req struct {
		ctx    func() context.Context
		method string
		path   string
		accept string
	}
	bg := func() context.Context { return ctxFor(t, 20*time.Second) }
	other := func() context.Context {
		return principal.With(ctxFor(t, 20*time.Second), principal.ForBearer("sim", "other-caller"))
	}
	cases := map[string][2]req{
		"principals":  {{bg, "GET", "/beta/task-status/a", ""}, {other, "GET", "/beta/task-status/a", ""}},
		"urls":        {{bg, "GET", "/beta/task-status/a", ""}, {bg, "GET", "/beta/task-status/a?x=1", ""}},
		"accept":      {{bg, "GET", "/v2024/reports/r/result", "application/json"}, {bg, "GET", "/v2024/reports/r/result", "text/plain"}},
		"report file": {{bg, "GET", "/v2024/reports/r?fileFormat=csv", ""}, {bg, "GET", "/v2024/reports/r?fileFormat=csv", ""}},
		"export zip":  {{bg, "GET", "/beta/role-mining-sessions/s/potential-roles/p/export-async/e/download", ""}, {bg, "GET", "/beta/role-mining-sessions/s/potential-roles/p/export-async/e/download", ""}},
		"HEAD":        {{bg, "HEAD", "/beta/task-status/pending-tasks", ""}, {bg, "HEAD", "/beta/task-status/pending-tasks", ""}},
	}
	for name, pair := range cases {
		t.Run(name, func(t *testing.T) {
			g := newGatedServer(t)
			rt := Singleflight(gateway, nil)(http.DefaultTransport)
			var wg sync.WaitGroup
			for _, r := range pair {
				wg.Go(func() {
					hr, _ := http.NewRequestWithContext(r.ctx(), r.method, g.url+r.path, nil)
					if r.accept != "" {
						hr.Header.Set("Accept", r.accept)
					}
					resp, err := rt.RoundTrip(hr)
					if err != nil {
						t.Errorf("%s: %v", r.path, err)
						return
					}
					resp.Body.Close()
				})
			}
			// Both must reach the server while neither is answered.
			waitUntil(t, "both requests arrive upstream", func() bool { return g.arrived.Load() == 2 })
			close(g.release)
			wg.Wait()
		})
	}
}

// TestSingleflightSurvivesLeaderLeaving: the first caller cancels; the
// shared request goes on and the second caller gets its answer.
func TestSingleflightSurvivesLeaderLeaving(t *testing.T) {
	g := newGatedServer(t)
	joined, rt := withJoinCounter(Singleflight(gateway, nil)(http.DefaultTransport))
	leader, cancel := context.WithCancel(context.Background())
	leaderErr := make(chan error, 1)
	go func() {
		_, err := send(leader, rt, "GET", g.url+"/beta/task-status/a", "")
		leaderErr <- err
	}()
	waitUntil(t, "the leader's request is upstream", func() bool { return g.arrived.Load() == 1 })
	follower := make(chan string, 1)
	go func() {
		_, body := call(t, ctxFor(t, 20*time.Second), rt, "GET", g.url+"/beta/task-status/a", "")
		follower <- body
	}()
	waitUntil(t, "the follower joins", func() bool { return joined.Load() == 2 })
	cancel()
	if err := <-leaderErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("leader got %v, want context.Canceled", err)
	}
	close(g.release)
	if body := <-follower; body != "body of /beta/task-status/a" {
		t.Fatalf("follower got %q", body)
	}
	if n := g.arrived.Load(); n != 1 {
		t.Errorf("%d requests upstream, want 1", n)
	}
}

// TestSingleflightFollowerDeadline: a follower whose deadline passes
// leaves with its own error, without waiting for the flight.
func TestSingleflightFollowerDeadline(t *testing.T) {
	g := newGatedServer(t)
	rt := Singleflight(gateway, nil)(http.DefaultTransport)
	done := make(chan string, 1)
	go func() {
		_, body := call(t, ctxFor(t, 20*time.Second), rt, "GET", g.url+"/beta/task-status/a", "")
		done <- body
	}()
	waitUntil(t, "the first request is upstream", func() bool { return g.arrived.Load() == 1 })
	_, err := send(ctxFor(t, 100*time.Millisecond), rt, "GET", g.url+"/beta/task-status/a", "")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("follower got %v, want its own deadline", err)
	}
	close(g.release)
	if body := <-done; body != "body of /beta/task-status/a" {
		t.Fatalf("leader got %q", body)
	}
}

package transport

import (
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/clocktest"
	"github.com/sailgraph/sailgraph/internal/redistest"
	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/upstream/isc"
)

// A tenant answering 503: the circuit opens after the configured failures
// in a row, on every replica sharing the circuits; no call is sent while
// it is open; after the cool-off one probe decides, and a failed probe
// opens it for twice as long.
func TestBreakerOpensProbesAndCloses(t *testing.T) {
	for name, circuits := range map[string]func(*clocktest.Clock) ratelimit.Circuits{
		"memory": func(clk *clocktest.Clock) ratelimit.Circuits { return ratelimit.NewMemoryCircuits(clk.Now) },
		// Redis keeps real time: the test's cool-offs are short.
		"redis": func(*clocktest.Clock) ratelimit.Circuits {
			return ratelimit.NewRedisCircuits(redistest.Start(t).Client(), "", time.Second)
		},
	} {
		t.Run(name, func(t *testing.T) { testBreaker(t, name == "redis", circuits) })
	}
}

func testBreaker(t *testing.T, realTime bool, circuits func(*clocktest.Clock) ratelimit.Circuits) {
	clk := clocktest.New(time.Now())
	coolOff := 10 * time.Second
	now := clk.Now
	if realTime {
		coolOff, now = 300*time.Millisecond, time.Now
	}
	advance := func(d time.Duration) {
		if realTime {
			time.Sleep(d) // Redis's own TTLs: no fake clock reaches them
			return
		}
		clk.Advance(d)
	}
	var status atomic.Int32
	status.Store(http.StatusServiceUnavailable)
	srv := serve(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(int(status.Load())) })
	shared := circuits(clk)
	obs := NewCounter()
	replica := func() http.RoundTripper {
		return Chain(http.DefaultTransport, Breaker(shared, gateway, BreakerOptions{Failures: 3, CoolOff: coolOff, Now: now}, obs))
	}
	a, b := replica(), replica()
	ctx := ctxFor(t, 10*time.Second)
	get := func(rt http.RoundTripper) (int, error) {
		resp, err := send(ctx, rt, http.MethodGet, srv.URL+"/beta/task-status/t1", "")
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	for i := range 3 {
		if st, err := get(a); err != nil || st != http.StatusServiceUnavailable {
			t.Fatalf("call %d: %d %v; want the tenant's 503", i, st, err)
		}
	}
	// Open: both replicas refuse at once, with when to come back.
	for _, rt := range []http.RoundTripper{a, b} {
		_, err := get(rt)
		var ue *isc.UnavailableError
		if !errors.As(err, &ue) || ue.RetryAfter <= 0 || ue.RetryAfter > coolOff || !errors.Is(err, isc.ErrUnavailable) {
			t.Fatalf("open circuit: %v; want an UnavailableError with a retry hint", err)
		}
	}
	if s := obs.Snapshot(); s.Trips != 1 || s.Refused != 2 {
		t.Fatalf("trips %d, refused %d; want 1 and 2", s.Trips, s.Refused)
	}
	// Half-open: one probe, which fails and opens the circuit for twice
	// the cool-off.
	advance(coolOff + coolOff/10)
	if st, err := get(b); err != nil || st != http.StatusServiceUnavailable {
		t.Fatalf("probe: %d %v; want the tenant's answer", st, err)
	}
	if _, err := get(a); !errors.Is(err, isc.ErrUnavailable) {
		t.Fatalf("after a failed probe: %v; want the circuit open again", err)
	}
	advance(coolOff + coolOff/10)
	if _, err := get(a); !errors.Is(err, isc.ErrUnavailable) {
		t.Fatalf("one cool-off after a failed probe: %v; want still open (twice as long)", err)
	}
	// The tenant recovers: the next probe closes the circuit for all.
	status.Store(http.StatusOK)
	advance(coolOff + coolOff/10)
	if st, err := get(a); err != nil || st != http.StatusOK {
		t.Fatalf("probe after recovery: %d %v", st, err)
	}
	for _, rt := range []http.RoundTripper{a, b} {
		if st, err := get(rt); err != nil || st != http.StatusOK {
			t.Fatalf("closed circuit: %d %v", st, err)
		}
	}
	if s := obs.Snapshot(); s.Closes != 1 {
		t.Fatalf("closes %d, want 1", s.Closes)
	}
}

// 429s and 4xx answers are not the tenant failing; successes in between
// reset the count.
func TestBreakerCountsOnlyFailuresInARow(t *testing.T) {
	var n atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		switch n.Add(1) % 4 {
		case 1:
			w.WriteHeader(http.StatusServiceUnavailable)
		case 2:
			w.WriteHeader(http.StatusTooManyRequests)
		case 3:
			w.WriteHeader(http.StatusNotFound)
		default:
			w.WriteHeader(http.StatusOK)
		}
	})
	obs := NewCounter()
	rt := Chain(http.DefaultTransport, Breaker(ratelimit.NewMemoryCircuits(nil), gateway, BreakerOptions{Failures: 2}, obs))
	ctx := ctxFor(t, 10*time.Second)
	for i := range 40 {
		resp, err := send(ctx, rt, http.MethodGet, srv.URL+"/beta/task-status/t1", "")
		if err != nil {
			t.Fatalf("call %d refused: %v", i, err)
		}
		resp.Body.Close()
	}
	if s := obs.Snapshot(); s.Trips != 0 {
		t.Fatalf("the circuit opened %d times on isolated failures", s.Trips)
	}
}

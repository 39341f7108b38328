package transport

import (
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

// slowBudget grants one request, then the next only after 2 s.
var slowBudget = ratelimit.Rate{N: 10, Per: 20 * time.Second}

func TestLimitRefusesWithRateLimitedError(t *testing.T) {
	h := newHits()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { h.record(r) })
	obs := NewCounter()
	rt := Chain(http.DefaultTransport, Limit(ratelimit.NewMemory(slowBudget), gateway, LimitOptions{}, obs))
	call(t, ctxFor(t, 10*time.Second), rt, "GET", srv.URL+"/beta/task-status/1", "")

	body := &closeTracker{}
	req, _ := http.NewRequestWithContext(ctxFor(t, 500*time.Millisecond), "POST", srv.URL+"/beta/task-status/1", body)
	resp, err := rt.RoundTrip(req)
	var rl *isc.RateLimitedError
	if resp != nil || !errors.As(err, &rl) || !errors.Is(err, isc.ErrRateLimited) {
		t.Fatalf("over budget: %v, %v; want an *isc.RateLimitedError", resp, err)
	}
	if rl.RetryAfter < time.Second || rl.Reason != "local budget" {
		t.Errorf("RateLimitedError %+v, want about 2s for the local budget", rl)
	}
	if !body.closed.Load() {
		t.Error("request body not closed")
	}
	if n := h.count("/beta/task-status/1"); n != 1 {
		t.Errorf("%d requests reached the server, want 1", n)
	}
	if c := obs.Snapshot(); c.Waits != 1 || c.Limited != 1 {
		t.Errorf("observed %d waits and %d refusals, want 1 and 1", c.Waits, c.Limited)
	}
}

func TestLimitBudgetsPerPrincipalAndAPI(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {})
	rt := Chain(http.DefaultTransport, Limit(ratelimit.NewMemory(slowBudget), gateway, LimitOptions{}, nil))
	call(t, ctxFor(t, 10*time.Second), rt, "GET", srv.URL+"/beta/task-status/1", "")
	// Sharing the spent budget would take 2 s: a 1 s deadline tells.
	other := principal.With(ctxFor(t, time.Second), principal.ForBearer("sim", "someone-else"))
	for _, c := range []struct {
		name string
		req  func() (*http.Response, error)
	}{
		{"other API", func() (*http.Response, error) {
			return send(ctxFor(t, time.Second), rt, "GET", srv.URL+"/v2024/reports/r1/result", "")
		}},
		{"other principal", func() (*http.Response, error) {
			return send(other, rt, "GET", srv.URL+"/beta/task-status/1", "")
		}},
	} {
		resp, err := c.req()
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		resp.Body.Close()
	}
}

// TestLimitCooldownFromRetryAfter: a 429 stops that API version for its
// Retry-After (seconds or HTTP date); the other keeps flowing.
func TestLimitCooldownFromRetryAfter(t *testing.T) {
	for _, form := range []string{"seconds", "date"} {
		t.Run(form, func(t *testing.T) {
			var refused atomic.Bool
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/beta/task-status/limited" && !refused.Swap(true) {
					v := "3"
					if form == "date" {
						v = time.Now().Add(4 * time.Second).UTC().Format(http.TimeFormat)
					}
					w.Header().Set("Retry-After", v)
					w.WriteHeader(http.StatusTooManyRequests)
				}
			})
			obs := NewCounter()
			rt := Chain(http.DefaultTransport, Limit(ratelimit.NewMemory(ratelimit.Rate{N: 100, Per: time.Second}), gateway, LimitOptions{}, obs))
			if status, _ := call(t, ctxFor(t, 10*time.Second), rt, "GET", srv.URL+"/beta/task-status/limited", ""); status != 429 {
				t.Fatalf("status %d, want the 429 passed up", status)
			}
			_, err := send(ctxFor(t, time.Second), rt, "GET", srv.URL+"/beta/task-status/other", "")
			var rl *isc.RateLimitedError
			if !errors.As(err, &rl) || rl.Reason != "upstream 429 cooldown" || rl.RetryAfter < 2*time.Second {
				t.Fatalf("beta during the cooldown: %v, want a cooldown RateLimitedError of about 3s", err)
			}
			if status, _ := call(t, ctxFor(t, time.Second), rt, "GET", srv.URL+"/v2024/reports/r1/result", ""); status != 200 {
				t.Errorf("v2024 during the beta cooldown: %d", status)
			}
			if cd := obs.Snapshot().Cooldowns["beta"]; len(cd) != 1 || cd[0] < 2*time.Second || cd[0] > 4*time.Second {
				t.Errorf("observed cooldowns %v, want one of about 3s", cd)
			}
		})
	}
}

func TestLimitDefaultCooldownWithoutRetryAfter(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTooManyRequests) })
	obs := NewCounter()
	rt := Chain(http.DefaultTransport, Limit(ratelimit.NewMemory(ratelimit.Rate{N: 100, Per: time.Second}), gateway, LimitOptions{DefaultCooldown: 1500 * time.Millisecond}, obs))
	call(t, ctxFor(t, 10*time.Second), rt, "GET", srv.URL+"/beta/task-status/1", "")
	if cd := obs.Snapshot().Cooldowns["beta"]; len(cd) != 1 || cd[0] != 1500*time.Millisecond {
		t.Errorf("cooldowns %v, want the default 1.5s", cd)
	}
}

// closeTracker is a request body that remembers being closed.
type closeTracker struct{ closed atomic.Bool }

func (c *closeTracker) Read([]byte) (int, error) { return 0, fmt.Errorf("body read after refusal") }
func (c *closeTracker) Close() error             { c.closed.Store(true); return nil }

// TestLimitKeepsHeadroom: a wait that would leave the request almost no
// time is refused rather than granted at the last moment.
func TestLimitKeepsHeadroom(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {})
	budget := ratelimit.Rate{N: 3, Per: 30 * time.Second} // a slot every 15 s
	rt := Chain(http.DefaultTransport, Limit(ratelimit.NewMemory(budget), gateway, LimitOptions{Headroom: 5 * time.Second}, nil))
	call(t, ctxFor(t, 10*time.Second), rt, "GET", srv.URL+"/beta/task-status/1", "")
	// 17 s would cover the 15 s wait, but not with a quarter kept back.
	_, err := send(ctxFor(t, 17*time.Second), rt, "GET", srv.URL+"/beta/task-status/1", "")
	var rl *isc.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter < 10*time.Second {
		t.Fatalf("err = %v, want a RateLimitedError of about 15s", err)
	}
}

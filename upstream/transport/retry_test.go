package transport

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/waittest"
	"github.com/sailgraph/sailgraph/upstream/isc"
)

var fastRetry = RetryPolicy{MaxAttempts: 4, BaseDelay: 10 * time.Millisecond, MaxDelay: 40 * time.Millisecond}

// scripted answers the n-th request (from 1) with statuses[n-1], then 200.
func scripted(t *testing.T, h *hits, statuses ...int) string {
	var n atomic.Int64
	return serve(t, func(w http.ResponseWriter, r *http.Request) {
		h.record(r)
		i := int(n.Add(1))
		if i <= len(statuses) {
			if statuses[i-1] == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "0")
			}
			w.WriteHeader(statuses[i-1])
			return
		}
		_, _ = w.Write([]byte("done"))
	}).URL
}

func TestRetryStatuses(t *testing.T) {
	cases := []struct {
		method   string
		statuses []int
		want     int // final status
		attempts int
	}{
		{"GET", []int{503, 502, 504}, 200, 4},
		{"GET", []int{429}, 200, 2},
		{"HEAD", []int{503}, 200, 2},
		{"GET", []int{503, 503, 503, 503, 503}, 503, 4}, // gives up after MaxAttempts
		{"GET", []int{500}, 500, 1},
		{"GET", []int{404}, 404, 1},
		{"POST", []int{429}, 200, 2},
		{"PATCH", []int{429, 429}, 200, 3},
		{"POST", []int{503}, 503, 1},
		{"PATCH", []int{502}, 502, 1},
		{"POST", []int{504}, 504, 1},
	}
	for _, c := range cases {
		t.Run(c.method+" "+strconv.Itoa(c.statuses[0]), func(t *testing.T) {
			h := newHits()
			url := scripted(t, h, c.statuses...)
			obs := NewCounter()
			rt := Chain(http.DefaultTransport, Retry(fastRetry, obs))
			body := ""
			if c.method == "POST" || c.method == "PATCH" {
				body = `{"x":1}`
			}
			status, _ := call(t, ctxFor(t, 10*time.Second), rt, c.method, url+"/beta/task-status/1", body)
			if status != c.want {
				t.Errorf("status %d, want %d", status, c.want)
			}
			if n := h.count("/beta/task-status/1"); n != c.attempts {
				t.Errorf("%d attempts, want %d", n, c.attempts)
			}
			bodies, _ := h.snapshot()
			for i, b := range bodies {
				if b != body {
					t.Errorf("attempt %d carried %q, want %q (rewound)", i+1, b, body)
				}
			}
			retries := 0
			for _, n := range obs.Snapshot().Retries {
				retries += n
			}
			if retries != c.attempts-1 {
				t.Errorf("observed %d retries, want %d", retries, c.attempts-1)
			}
		})
	}
}

// TestRetryConnectionErrors: a connection dropped before the answer is
// retried for GET, not for POST.
func TestRetryConnectionErrors(t *testing.T) {
	for _, c := range []struct {
		method   string
		attempts int
		ok       bool
	}{{"GET", 2, true}, {"POST", 1, false}} {
		t.Run(c.method, func(t *testing.T) {
			var n atomic.Int64
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					conn, _, err := http.NewResponseController(w).Hijack()
					if err == nil {
						conn.Close()
					}
					return
				}
			})
			rt := Chain(&http.Transport{DisableKeepAlives: true}, Retry(fastRetry, nil))
			resp, err := send(ctxFor(t, 10*time.Second), rt, c.method, srv.URL+"/beta/task-status/1", "{}")
			if c.ok && (err != nil || resp.StatusCode != 200) {
				t.Fatalf("GET after a dropped connection: %v", err)
			}
			if !c.ok && err == nil {
				t.Fatalf("POST after a dropped connection succeeded; it must not be retried")
			}
			if resp != nil {
				resp.Body.Close()
			}
			if got := int(n.Load()); got != c.attempts {
				t.Errorf("%d attempts, want %d", got, c.attempts)
			}
		})
	}
}

// TestRetryGivesUpBeforeTheDeadline: when the next backoff would pass the
// deadline the last answer is returned at once.
func TestRetryGivesUpBeforeTheDeadline(t *testing.T) {
	h := newHits()
	url := scripted(t, h, 503, 503, 503)
	rt := Chain(http.DefaultTransport, Retry(RetryPolicy{BaseDelay: 5 * time.Second, MaxDelay: 5 * time.Second}, nil))
	ctx := ctxFor(t, 2*time.Second)
	status, _ := call(t, ctx, rt, "GET", url+"/beta/task-status/1", "")
	if status != 503 {
		t.Errorf("status %d, want the last 503", status)
	}
	if ctx.Err() != nil {
		t.Error("the retry layer waited past the deadline")
	}
	if n := h.count("/beta/task-status/1"); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

// TestRetry429PastDeadline: a Retry-After the deadline cannot wait out
// becomes a rate-limited error carrying it.
func TestRetry429PastDeadline(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	rt := Chain(http.DefaultTransport, Retry(fastRetry, nil))
	_, err := send(ctxFor(t, 2*time.Second), rt, "GET", srv.URL+"/beta/task-status/1", "")
	var rl *isc.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 30*time.Second {
		t.Fatalf("err = %v, want a RateLimitedError of 30s", err)
	}
}

func TestRetryWaitEndsWithContext(t *testing.T) {
	h := newHits()
	url := scripted(t, h, 503, 503)
	rt := Chain(http.DefaultTransport, Retry(RetryPolicy{BaseDelay: time.Minute, MaxDelay: time.Minute}, nil))
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := send(ctx, rt, "GET", url+"/beta/task-status/1", "")
		errc <- err
	}()
	waittest.Until(t, "the first attempt is upstream", func() bool { return h.count("/beta/task-status/1") > 0 })
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the backoff did not end with the context")
	}
}

func TestBackoffIsJitteredAndCapped(t *testing.T) {
	p := RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}.withDefaults()
	seen := map[time.Duration]bool{}
	for attempt := 1; attempt <= 40; attempt++ {
		bound := min(p.BaseDelay<<min(attempt-1, 20), p.MaxDelay)
		for range 20 {
			d := p.backoff(attempt)
			if d < bound/2 || d > bound {
				t.Fatalf("backoff(%d) = %s, want within [%s, %s]", attempt, d, bound/2, bound)
			}
			seen[d] = true
		}
	}
	if len(seen) < 100 {
		t.Errorf("only %d distinct waits in 800: not jittered", len(seen))
	}
}

package ratelimit

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestParseRate(t *testing.T) {
	good := map[string]Rate{
		"100/10s":  {100, 10 * time.Second},
		" 20/2s ":  {20, 2 * time.Second},
		"100/s":    {100, time.Second},
		"5/m":      {5, time.Minute},
		"7/h":      {7, time.Hour},
		"3/1500ms": {3, 1500 * time.Millisecond},
	}
	for in, want := range good {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "100", "0/10s", "-1/s", "10/0s", "x/10s", "10/abc", "10/-1s", "/10s"} {
		if got, err := ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) = %v, want an error", in, got)
		}
	}
	if s := (Rate{100, 10 * time.Second}).String(); s != "100/10s" {
		t.Errorf("String() = %q", s)
	}
}

func TestShare(t *testing.T) {
	r := Rate{100, 10 * time.Second}
	for parts, want := range map[int]int{0: 100, 1: 100, 3: 31, 4: 23, 200: 1} {
		if got := r.Share(parts); got.N != want || got.Per != r.Per {
			t.Errorf("Share(%d) = %v, want %d/%s", parts, got, want, r.Per)
		}
	}
}

// TestBucketSizing checks the sizing rule for every budget up to 2000:
// the most a bucket can grant in one window stays within 95% of the
// budget, the steady rate keeps at least 85% of it from 40 on (the
// rest pays for a burst of a tenth), and from 20 on a burst holds a page.
func TestBucketSizing(t *testing.T) {
	for n := 1; n <= 2000; n++ {
		b := Rate{n, 10 * time.Second}.Bucket()
		limit := max(1, n*19/20)
		if b.Burst < 1 || b.Refill < 1 || b.MaxPerWindow() > limit || b.MaxPerWindow() > n {
			t.Fatalf("N=%d: %+v grants up to %d per window, want <= %d", n, b, b.MaxPerWindow(), limit)
		}
		if n >= 40 && float64(b.Refill) < 0.85*float64(n) {
			t.Fatalf("N=%d: refill %d is under 85%% of the budget", n, b.Refill)
		}
		if u := n * 19 / 20; u >= 50 && b.Burst < 5 {
			t.Fatalf("N=%d: burst %d cannot send a page's calls at once", n, b.Burst)
		}
		if n >= 22 && b.Burst < 2 {
			t.Fatalf("N=%d: burst %d leaves no room for a late grant", n, b.Burst)
		}
	}
}

// TestBucketBoundSimulated proves the sliding-window bound on the token
// bucket itself, on a simulated clock: greedy callers arriving at random
// instants never get more than MaxPerWindow grants in any window, wherever
// it starts; and the naive bucket (burst N, refill N per window) does
// break the budget, so the check can fail.
func TestBucketBoundSimulated(t *testing.T) {
	const window = 10 * time.Second
	for _, n := range []int{1, 5, 20, 50, 100, 333} {
		b := Rate{n, window}.Bucket()
		grants := greedy(rate.NewLimiter(rate.Every(b.Interval()), b.Burst), 20*window, b.Interval())
		if got := maxInWindow(grants, window); got > b.MaxPerWindow() {
			t.Errorf("N=%d %+v: %d grants in one window, bound %d", n, b, got, b.MaxPerWindow())
		}
		// With a burst of 2 or more a grant taken late does not lose its
		// slot; with 1, callers arriving up to a third of an interval late
		// lose up to that much.
		want := 20 * b.Refill
		if b.Burst < 2 {
			want = want * 3 / 4
		}
		if len(grants) < want {
			t.Errorf("N=%d: %d grants in 20 windows, want at least %d", n, len(grants), want)
		}
	}
	naive := greedy(rate.NewLimiter(rate.Every(window/100), 100), 5*window, window/100)
	if got := maxInWindow(naive, window); got <= 100 {
		t.Errorf("naive 100/100 bucket: %d grants in one window; the check would miss a broken bucket", got)
	}
}

// greedy asks lim for a token at random instants (at most step/3 apart,
// from a fixed seed) for d of simulated time and returns the grant times.
func greedy(lim *rate.Limiter, d, step time.Duration) []time.Duration {
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Unix(0, 0)
	var grants []time.Duration
	for at := time.Duration(0); at < d; at += time.Duration(rng.Int64N(int64(step/3) + 1)) {
		for lim.AllowN(start.Add(at), 1) {
			grants = append(grants, at)
		}
	}
	return grants
}

// maxInWindow is the most instants of ts (sorted or not) inside any
// half-open window (s-w, s], as the tenant counts.
func maxInWindow(ts []time.Duration, w time.Duration) int {
	ts = slices.Clone(ts)
	slices.Sort(ts)
	best, lo := 0, 0
	for hi, end := range ts {
		for ts[lo] <= end-w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

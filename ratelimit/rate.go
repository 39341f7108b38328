package ratelimit

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate is a budget of N requests per window Per, as the tenant counts it.
// It converts to and from config.Rate, which has the same fields.
type Rate struct {
	N   int
	Per time.Duration
}

func (r Rate) String() string { return fmt.Sprintf("%d/%s", r.N, r.Per) }

// ParseRate reads a budget such as "100/10s" (SAILGRAPH_RATE_LIMIT): a
// positive count, a slash and a Go duration; "100/s", "100/m" and "100/h"
// mean one second, minute or hour.
func ParseRate(s string) (Rate, error) {
	n, per, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Rate{}, fmt.Errorf("rate %q: want N/duration, e.g. 100/10s", s)
	}
	count, err := strconv.Atoi(n)
	if err != nil || count <= 0 {
		return Rate{}, fmt.Errorf("rate %q: count must be a positive integer", s)
	}
	switch per {
	case "s", "m", "h":
		per = "1" + per
	}
	d, err := time.ParseDuration(per)
	if err != nil || d <= 0 {
		return Rate{}, fmt.Errorf("rate %q: period must be a positive duration such as 10s", s)
	}
	return Rate{N: count, Per: d}, nil
}

// Share is one replica's part of the budget when parts replicas must
// split it without a shared counter: the safe 95% of N (see Bucket),
// divided by parts, at least 1. Each share's bucket keeps its own margin
// on top, for its own grants' jitter: parts independent streams can each
// put one grant more into a window than their bucket allows on paper.
func (r Rate) Share(parts int) Rate {
	if parts <= 1 {
		return r
	}
	return Rate{N: max(1, r.N*19/20/parts), Per: r.Per}
}

// Bucket is a token bucket (or, equivalently, a GCRA with tolerance
// (Burst-1)·Interval) sized for a Rate.
type Bucket struct {
	// Burst is how many requests may go at once after a quiet spell.
	Burst int
	// Refill is how many tokens come back per Per.
	Refill int
	Per    time.Duration
}

// Bucket sizes a bucket so that the tenant's sliding-window promise holds.
//
// A bucket of burst B refilled with R tokens per window W grants requests
// t1 < ... < tn inside any half-open window of length W only if
// n <= B + R·(tn-t1)/W < B + R, so n <= B + R - 1. A naive B = R = N allows
// 2N-1. The bucket keeps B + R - 1 <= U, with U = floor(0.95·N) (at least
// 1): a safety margin of about 5% for the time between a grant and its
// arrival at the tenant, and for the switch between Redis and the
// in-memory fallback.
//
// Within that sum, B is a tenth of U from U = 20 on (at least 2, so a
// request granted a little late does not lose its slot), and 1 below. The
// burst is what a page's calls need after a quiet spell: an identity page
// makes four or five calls at once, and with a burst of 2 they would go a
// refill interval apart (about 107 ms each on 100 per 10 s), the budget
// adding three times the tenant's own latency to a page that was never
// near it. It costs the steady rate a tenth: 100 per 10 s is sized
// burst 9, refill 87.
func (r Rate) Bucket() Bucket {
	u := max(1, r.N*19/20)
	burst := 1
	if u >= 20 {
		burst = max(2, u/10)
	}
	return Bucket{Burst: burst, Refill: u - burst + 1, Per: r.Per}
}

// MaxPerWindow is the most requests the bucket grants in any window of
// length Per: Burst + Refill - 1.
func (b Bucket) MaxPerWindow() int { return b.Burst + b.Refill - 1 }

// Interval is the steady spacing between grants: Per / Refill.
func (b Bucket) Interval() time.Duration { return b.Per / time.Duration(b.Refill) }

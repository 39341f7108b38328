package simtenant

import (
	"math"
	"sync"
	"time"
)

// windowLimiter enforces N requests per window per (client id, API) as a
// sliding window: a request is accepted only if fewer than N
// were accepted in the window ending now. This is the strictest reading of
// SailPoint's "100 requests per 10 seconds", whose real alignment is not
// documented.
type windowLimiter struct {
	n      int
	window time.Duration
	now    func() time.Time

	mu        sync.Mutex
	accepted  map[limitKey][]time.Time // accept times inside the window, oldest first
	waitUntil map[limitKey]time.Time   // the Retry-After last told to this client
	forced    map[string]time.Time     // api -> forced 429 until
}

type limitKey struct{ client, api string }

func newWindowLimiter(n int, window time.Duration, now func() time.Time) *windowLimiter {
	return &windowLimiter{
		n: n, window: window, now: now,
		accepted:  map[limitKey][]time.Time{},
		waitUntil: map[limitKey]time.Time{},
		forced:    map[string]time.Time{},
	}
}

// verdict of one admission check.
type verdict struct {
	ok         bool
	retryAfter int  // whole seconds, for the Retry-After header
	early      bool // the client came back before the Retry-After it was given
}

func (l *windowLimiter) admit(client, api string) verdict {
	now := l.now()
	k := limitKey{client, api}
	l.mu.Lock()
	defer l.mu.Unlock()
	early := now.Before(l.waitUntil[k])
	if until, ok := l.forced[api]; ok {
		if now.Before(until) {
			return l.refuse(k, now, until.Sub(now), early)
		}
		delete(l.forced, api)
	}
	if l.n < 0 {
		return verdict{ok: true}
	}
	times := l.accepted[k]
	cut := 0
	for cut < len(times) && !times[cut].After(now.Add(-l.window)) {
		cut++
	}
	times = times[cut:]
	if len(times) >= l.n {
		l.accepted[k] = times
		return l.refuse(k, now, times[0].Add(l.window).Sub(now), early)
	}
	l.accepted[k] = append(times, now)
	return verdict{ok: true, early: early}
}

func (l *windowLimiter) refuse(k limitKey, now time.Time, wait time.Duration, early bool) verdict {
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	if until := now.Add(time.Duration(secs) * time.Second); until.After(l.waitUntil[k]) {
		l.waitUntil[k] = until
	}
	return verdict{retryAfter: secs, early: early}
}

func (l *windowLimiter) force(api string, d time.Duration) {
	l.mu.Lock()
	l.forced[api] = l.now().Add(d)
	l.mu.Unlock()
}

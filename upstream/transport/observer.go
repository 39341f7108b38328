package transport

import (
	"maps"
	"sync"
	"time"
)

// Observer receives what the layers see, for metrics. Labels are the API
// version and the spec's operationId, never a principal. Implementations
// must be safe for concurrent use and quick.
type Observer interface {
	// ObserveUpstream is one exchange with the tenant: its status (0 when
	// no response came) and the time until the response headers.
	ObserveUpstream(api, operation string, status int, d time.Duration)
	// ObserveLimiterWait is the time a request waited for the budget;
	// limited is true when it was refused instead.
	ObserveLimiterWait(api string, d time.Duration, limited bool)
	// ObserveCooldown is an upstream 429 holding back api for d.
	ObserveCooldown(api string, d time.Duration)
	// ObserveRetry is a request about to be sent again, and why: an HTTP
	// status such as "503", or "connection".
	ObserveRetry(api, operation, reason string)
	// ObserveCircuit is api's circuit opening (true) or closing (false).
	ObserveCircuit(api string, open bool)
	// ObserveCircuitRefusal is a call not sent because api's circuit is
	// open.
	ObserveCircuitRefusal(api string)
	// ObserveFallback is the limiter falling back to its in-memory share
	// (true) or going back to Redis (false); wire it to
	// ratelimit.RedisOptions.OnFallback.
	ObserveFallback(active bool)
}

// Nop is an Observer that discards everything.
type Nop struct{}

func (Nop) ObserveUpstream(string, string, int, time.Duration) {}
func (Nop) ObserveLimiterWait(string, time.Duration, bool)     {}
func (Nop) ObserveCooldown(string, time.Duration)              {}
func (Nop) ObserveRetry(string, string, string)                {}
func (Nop) ObserveFallback(bool)                               {}
func (Nop) ObserveCircuit(string, bool)                        {}
func (Nop) ObserveCircuitRefusal(string)                       {}

func orNop(o Observer) Observer {
	if o == nil {
		return Nop{}
	}
	return o
}

// Counter is an Observer that counts, for tests and debugging.
type Counter struct {
	mu sync.Mutex
	c  Counts
}

// Counts is a snapshot of a Counter.
type Counts struct {
	// Upstream counts exchanges by API, operation and status.
	Upstream map[Exchange]int
	// Waits counts requests that got the budget; Limited those refused.
	Waits, Limited int
	// Cooldowns lists the cooldowns set, by API.
	Cooldowns map[string][]time.Duration
	// Retries counts retries by reason.
	Retries map[string]int
	// Fallbacks and Recoveries count the limiter's switches to memory and
	// back; FallbackActive is the latest state.
	Fallbacks, Recoveries int
	FallbackActive        bool
	// Trips and Closes count circuits opening and closing; Refused the
	// calls not sent while one was open.
	Trips, Closes, Refused int
}

// Exchange labels one upstream exchange.
type Exchange struct {
	API, Operation string
	Status         int
}

// NewCounter returns an empty Counter.
func NewCounter() *Counter {
	return &Counter{c: Counts{
		Upstream:  map[Exchange]int{},
		Cooldowns: map[string][]time.Duration{},
		Retries:   map[string]int{},
	}}
}

// Snapshot returns a copy of the counts.
func (c *Counter) Snapshot() Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.c
	s.Upstream = maps.Clone(c.c.Upstream)
	s.Retries = maps.Clone(c.c.Retries)
	s.Cooldowns = make(map[string][]time.Duration, len(c.c.Cooldowns))
	for k, v := range c.c.Cooldowns {
		s.Cooldowns[k] = append([]time.Duration(nil), v...)
	}
	return s
}

// Total counts upstream exchanges answered with status (0: no answer).
func (s Counts) Total(status int) int {
	n := 0
	for k, v := range s.Upstream {
		if k.Status == status {
			n += v
		}
	}
	return n
}

func (c *Counter) ObserveUpstream(api, op string, status int, _ time.Duration) {
	c.mu.Lock()
	c.c.Upstream[Exchange{api, op, status}]++
	c.mu.Unlock()
}

func (c *Counter) ObserveLimiterWait(_ string, _ time.Duration, limited bool) {
	c.mu.Lock()
	if limited {
		c.c.Limited++
	} else {
		c.c.Waits++
	}
	c.mu.Unlock()
}

func (c *Counter) ObserveCooldown(api string, d time.Duration) {
	c.mu.Lock()
	c.c.Cooldowns[api] = append(c.c.Cooldowns[api], d)
	c.mu.Unlock()
}

func (c *Counter) ObserveRetry(_, _ string, reason string) {
	c.mu.Lock()
	c.c.Retries[reason]++
	c.mu.Unlock()
}

func (c *Counter) ObserveCircuit(_ string, open bool) {
	c.mu.Lock()
	if open {
		c.c.Trips++
	} else {
		c.c.Closes++
	}
	c.mu.Unlock()
}

func (c *Counter) ObserveCircuitRefusal(string) {
	c.mu.Lock()
	c.c.Refused++
	c.mu.Unlock()
}

func (c *Counter) ObserveFallback(active bool) {
	c.mu.Lock()
	if active {
		c.c.Fallbacks++
	} else {
		c.c.Recoveries++
	}
	c.c.FallbackActive = active
	c.mu.Unlock()
}

var (
	_ Observer = Nop{}
	_ Observer = (*Counter)(nil)
)

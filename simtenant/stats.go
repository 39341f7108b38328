package simtenant

import (
	"maps"
	"sync"
)

// Stats is a snapshot of what the tenant has seen, for tests and benchmarks.
type Stats struct {
	// Requests counts API requests by operationId and answered status.
	Requests map[string]map[int]int
	// ByAPI counts API requests accepted past auth and the rate limit, by
	// API (APIBeta, APIV2024, APIIdentityHistoryV1, ...; see APIs).
	ByAPI map[string]int
	// Unrouted counts requests that reached no operation, by status: 404
	// for a path the tenant does not serve (or whose generation is off),
	// 405 for a known path asked with a method it does not serve.
	Unrouted map[int]int
	// TokenRequests counts calls to POST /oauth/token.
	TokenRequests int
	// Sent429 counts rate-limit refusals.
	Sent429 int
	// EarlyRetries counts requests that arrived while their client should
	// still have been waiting out a Retry-After it was given.
	EarlyRetries int
}

// Accepted is the number of requests to api that passed auth and the limit.
func (s Stats) Accepted(api string) int { return s.ByAPI[api] }

// Total is the number of API requests answered with status, over all
// operations.
func (s Stats) Total(status int) int {
	n := 0
	for _, byStatus := range s.Requests {
		n += byStatus[status]
	}
	return n
}

type counters struct {
	mu sync.Mutex
	s  Stats
}

func newCounters() *counters {
	c := &counters{}
	c.reset()
	return c
}

func (c *counters) reset() {
	c.mu.Lock()
	c.s = Stats{Requests: map[string]map[int]int{}, ByAPI: map[string]int{}, Unrouted: map[int]int{}}
	c.mu.Unlock()
}

func (c *counters) request(op string, status int) {
	c.mu.Lock()
	m := c.s.Requests[op]
	if m == nil {
		m = map[int]int{}
		c.s.Requests[op] = m
	}
	m[status]++
	c.mu.Unlock()
}

func (c *counters) accepted(api string) {
	c.mu.Lock()
	c.s.ByAPI[api]++
	c.mu.Unlock()
}

func (c *counters) unrouted(status int) {
	c.mu.Lock()
	c.s.Unrouted[status]++
	c.mu.Unlock()
}

func (c *counters) token() {
	c.mu.Lock()
	c.s.TokenRequests++
	c.mu.Unlock()
}

func (c *counters) limited(early bool) {
	c.mu.Lock()
	c.s.Sent429++
	if early {
		c.s.EarlyRetries++
	}
	c.mu.Unlock()
}

func (c *counters) early() {
	c.mu.Lock()
	c.s.EarlyRetries++
	c.mu.Unlock()
}

func (c *counters) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := Stats{
		Requests:      make(map[string]map[int]int, len(c.s.Requests)),
		ByAPI:         maps.Clone(c.s.ByAPI),
		Unrouted:      maps.Clone(c.s.Unrouted),
		TokenRequests: c.s.TokenRequests,
		Sent429:       c.s.Sent429,
		EarlyRetries:  c.s.EarlyRetries,
	}
	for op, m := range c.s.Requests {
		out.Requests[op] = maps.Clone(m)
	}
	return out
}

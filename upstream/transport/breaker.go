package transport

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

// BreakerOptions tune the Breaker layer.
type BreakerOptions struct {
	// Failures is how many calls in a row must fail (after their retries)
	// before the circuit opens (default 5).
	Failures int
	// CoolOff is how long the circuit stays open (default 10s). After it
	// the circuit is half-open: one probe call decides whether it closes;
	// if the probe fails it opens again for twice as long, up to 8 times
	// CoolOff.
	CoolOff time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (o BreakerOptions) withDefaults() BreakerOptions {
	if o.Failures <= 0 {
		o.Failures = 5
	}
	if o.CoolOff <= 0 {
		o.CoolOff = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Breaker is a circuit breaker per tenant and API: after Failures calls in
// a row have failed (a connection error, or 500, 502, 503 or 504 after the
// retries below), no call is sent to that API for CoolOff; callers get an
// *isc.UnavailableError at once, carrying when to try again, and the
// cache above serves stale answers in its place. Then one probe call is
// let through (half-open): success closes the circuit, failure opens it
// again. The state lives in circuits, so that every replica sharing them
// stops and starts together. A 429 is not a failure (the budget's
// cooldown handles it), nor is a caller giving up.
//
// When circuits cannot be read (Redis down), each replica keeps its own
// view, so a failing tenant is still spared.
func Breaker(circuits ratelimit.Circuits, def principal.Principal, opts BreakerOptions, obs Observer) Layer {
	opts = opts.withDefaults()
	obs = orNop(obs)
	return func(next http.RoundTripper) http.RoundTripper {
		return &breaker{next: next, circuits: circuits, def: def, opts: opts, obs: obs, local: map[string]*localCircuit{}}
	}
}

type breaker struct {
	next     http.RoundTripper
	circuits ratelimit.Circuits
	def      principal.Principal
	opts     BreakerOptions
	obs      Observer

	mu    sync.Mutex
	local map[string]*localCircuit
}

// localCircuit is this replica's view of one circuit.
type localCircuit struct {
	failures  int
	openUntil time.Time     // known open until then: no store read needed
	coolOff   time.Duration // the next opening's length
}

func (b *breaker) circuit(key string) *localCircuit {
	c, ok := b.local[key]
	if !ok {
		c = &localCircuit{coolOff: b.opts.CoolOff}
		b.local[key] = c
	}
	return c
}

func (b *breaker) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	api, _ := labels(req)
	key := principalFor(req, b.def).Tenant + "|" + api

	b.mu.Lock()
	lc := b.circuit(key)
	left := lc.openUntil.Sub(b.opts.Now())
	b.mu.Unlock()
	if left > 0 {
		closeBody(req)
		return nil, b.refuse(api, left)
	}
	open, half, err := b.circuits.State(ctx, key)
	if err == nil && open > 0 {
		b.mu.Lock()
		lc.openUntil = b.opts.Now().Add(open)
		b.mu.Unlock()
		closeBody(req)
		return nil, b.refuse(api, open)
	}
	if err == nil && half {
		got, perr := b.circuits.Probe(ctx, key, b.opts.CoolOff)
		if perr == nil && !got {
			closeBody(req) // another caller is probing
			return nil, b.refuse(api, time.Second)
		}
	}

	resp, rerr := b.next.RoundTrip(req)
	switch {
	case failed(ctx, resp, rerr):
		b.failure(ctx, key, api, lc, half)
	case rerr == nil || !errors.Is(rerr, isc.ErrRateLimited):
		b.success(ctx, key, api, lc, half)
	}
	return resp, rerr
}

// failed says whether an exchange counts against the tenant.
func failed(ctx context.Context, resp *http.Response, err error) bool {
	if err != nil {
		return ctx.Err() == nil && !errors.Is(err, isc.ErrRateLimited) && isConnErr(err)
	}
	switch resp.StatusCode {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

func (b *breaker) failure(ctx context.Context, key, api string, lc *localCircuit, probe bool) {
	b.mu.Lock()
	lc.failures++
	trip := probe || lc.failures >= b.opts.Failures
	if probe { // failed again: wait longer before the next probe
		lc.coolOff = min(2*lc.coolOff, 8*b.opts.CoolOff)
	}
	d := lc.coolOff
	if trip {
		lc.failures = 0
		lc.openUntil = b.opts.Now().Add(d)
	}
	b.mu.Unlock()
	if trip {
		// The local view holds even if the store does not answer.
		_ = b.circuits.Trip(context.WithoutCancel(ctx), key, d, 10*b.opts.CoolOff)
		b.obs.ObserveCircuit(api, true)
	}
}

func (b *breaker) success(ctx context.Context, key, api string, lc *localCircuit, probe bool) {
	b.mu.Lock()
	lc.failures = 0
	lc.coolOff = b.opts.CoolOff
	b.mu.Unlock()
	if probe {
		_ = b.circuits.Reset(context.WithoutCancel(ctx), key)
		b.obs.ObserveCircuit(api, false)
	}
}

func (b *breaker) refuse(api string, wait time.Duration) error {
	b.obs.ObserveCircuitRefusal(api)
	return &isc.UnavailableError{RetryAfter: wait, Reason: "circuit open for " + api + " after " + strconv.Itoa(b.opts.Failures) + " failures in a row"}
}

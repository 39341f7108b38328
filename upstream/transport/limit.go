package transport

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

// LimitOptions tune the Limit layer.
type LimitOptions struct {
	// DefaultCooldown is the cooldown after a 429 whose Retry-After is
	// missing or unreadable (default 1s).
	DefaultCooldown time.Duration
	// Headroom is the part of a request's remaining time the wait for the
	// budget may not use, left for the request itself (default 250ms, and
	// at most a quarter of the time left): a slot granted just before the
	// deadline would be spent on a request bound to time out.
	Headroom time.Duration
}

func (o LimitOptions) withDefaults() LimitOptions {
	if o.DefaultCooldown <= 0 {
		o.DefaultCooldown = defaultCooldown
	}
	if o.Headroom <= 0 {
		o.Headroom = 250 * time.Millisecond
	}
	return o
}

// Limit waits for the budget of the request's (principal, API version)
// before passing it on. When the wait would outlast the request's
// deadline it answers at once with an *isc.RateLimitedError carrying the
// wait. An upstream 429 sets a cooldown of its Retry-After (seconds or an
// HTTP date) through lim, which every replica sharing lim honours; other
// API versions keep flowing. The 429 response itself is passed up, for
// Retry to retry.
//
// The budget key is the principal's Key() (tenant and client id, or a
// token hash in pass-through mode); def is used when the request's
// context has no principal.
func Limit(lim ratelimit.Limiter, def principal.Principal, opts LimitOptions, obs Observer) Layer {
	opts = opts.withDefaults()
	obs = orNop(obs)
	return func(next http.RoundTripper) http.RoundTripper {
		return &limit{next: next, lim: lim, def: def, opts: opts, obs: obs}
	}
}

type limit struct {
	next http.RoundTripper
	lim  ratelimit.Limiter
	def  principal.Principal
	opts LimitOptions
	obs  Observer
}

func (l *limit) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	api, _ := labels(req)
	key := ratelimit.Key{ClientID: principalFor(req, l.def).Key(), API: api}
	start := time.Now()
	if err := l.wait(ctx, key); err != nil {
		closeBody(req)
		var de *ratelimit.DelayError
		if !errors.As(err, &de) {
			return nil, err
		}
		l.obs.ObserveLimiterWait(api, time.Since(start), true)
		reason := "local budget"
		if de.Cooldown {
			reason = "upstream 429 cooldown"
		}
		return nil, &isc.RateLimitedError{RetryAfter: de.Wait, Reason: reason}
	}
	l.obs.ObserveLimiterWait(api, time.Since(start), false)
	resp, err := l.next.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		if !ok {
			d = l.opts.DefaultCooldown
		}
		// The limiter keeps the cooldown locally whatever happens to its
		// shared store, so its error changes nothing here.
		_ = l.lim.Cooldown(ctx, key, d)
		l.obs.ObserveCooldown(api, d)
	}
	return resp, err
}

// wait waits for key's budget, keeping headroom before ctx's deadline for
// the request.
func (l *limit) wait(ctx context.Context, key ratelimit.Key) error {
	if dl, ok := ctx.Deadline(); ok {
		headroom := min(l.opts.Headroom, time.Until(dl)/4)
		wctx, cancel := context.WithDeadline(ctx, dl.Add(-headroom))
		defer cancel()
		if err := l.lim.Wait(wctx, key); err != nil {
			if ctx.Err() != nil {
				return ctx.Err() // the caller's own deadline or cancellation
			}
			return err
		}
		return nil
	}
	return l.lim.Wait(ctx, key)
}

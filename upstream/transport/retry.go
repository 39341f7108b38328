package transport

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/sailgraph/sailgraph/upstream/isc"
)

// RetryPolicy says how often and how patiently to retry.
type RetryPolicy struct {
	// MaxAttempts counts the first attempt too (default 4).
	MaxAttempts int
	// BaseDelay is the first backoff's upper bound, doubled per attempt
	// up to MaxDelay (defaults 100ms and 2s). Each wait is drawn at
	// random between half and all of its bound.
	BaseDelay, MaxDelay time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 4
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 100 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 2 * time.Second
	}
	return p
}

// backoff is the jittered wait before attempt+1.
func (p RetryPolicy) backoff(attempt int) time.Duration {
	bound := p.MaxDelay
	if attempt < 30 {
		bound = min(p.BaseDelay<<(attempt-1), p.MaxDelay)
	}
	return bound/2 + rand.N(bound/2+1)
}

// Retry sends a request again, after a jittered backoff, when the tenant
// did not act on it: GET and HEAD on 429, 502, 503, 504 and connection
// errors; any other method (POST, PATCH) only on 429. After a 429 it also
// waits at least the Retry-After. Bodies are rewound with GetBody (a body
// without GetBody is not retried). When the next wait would pass the
// request's deadline it gives up with the last answer, except that a 429
// then becomes an *isc.RateLimitedError carrying the Retry-After.
func Retry(p RetryPolicy, obs Observer) Layer {
	p = p.withDefaults()
	obs = orNop(obs)
	return func(next http.RoundTripper) http.RoundTripper {
		return &retry{next: next, policy: p, obs: obs}
	}
}

type retry struct {
	next   http.RoundTripper
	policy RetryPolicy
	obs    Observer
}

func (r *retry) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	try := req
	for attempt := 1; ; attempt++ {
		resp, err := r.next.RoundTrip(try)
		reason, again := retryable(req.Method, resp, err)
		if !again || ctx.Err() != nil || attempt >= r.policy.MaxAttempts || !rewindable(req) {
			return resp, err
		}
		wait := r.policy.backoff(attempt)
		var after time.Duration
		if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
			after, _ = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
			wait = max(wait, after)
		}
		if !fits(ctx, wait) {
			if after > 0 {
				discard(resp)
				return nil, &isc.RateLimitedError{RetryAfter: after, Reason: "upstream 429"}
			}
			return resp, err
		}
		next, rerr := rewound(req)
		if rerr != nil {
			return resp, err
		}
		if resp != nil {
			discard(resp)
		}
		api, op := labels(req)
		r.obs.ObserveRetry(api, op, reason)
		if err := sleep(ctx, wait); err != nil {
			closeBody(next)
			return nil, err
		}
		try = next
	}
}

// retryable says whether an answer to a method may be retried, and why.
func retryable(method string, resp *http.Response, err error) (reason string, ok bool) {
	idempotent := method == http.MethodGet || method == http.MethodHead
	if err != nil {
		return "connection", idempotent && isConnErr(err)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		return "429", true
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return strconv.Itoa(resp.StatusCode), idempotent
	}
	return "", false
}

// isConnErr reports whether err is the connection failing (refused,
// reset, closed early), not the caller giving up or the budget refusing.
func isConnErr(err error) bool {
	var rl *isc.RateLimitedError
	if errors.As(err, &rl) {
		return false
	}
	var op *net.OpError
	return errors.As(err, &op) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}

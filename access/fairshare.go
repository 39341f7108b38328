package access

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"github.com/sailgraph/sailgraph/apierr"
	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/record"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

// FairShareOptions configure NewFairShare.
type FairShareOptions struct {
	// Cost is each caller's allowance of upstream calls unless its key
	// says otherwise (SAILGRAPH_KEY_COST, e.g. 600/1m). Only calls that
	// reach the tenant are charged, after the caches.
	Cost ratelimit.Rate
	// Rate, when set, is each caller's request rate unless its key says
	// otherwise (SAILGRAPH_KEY_RATE). Zero (the default) counts no
	// requests: a request that costs the tenant nothing is never refused.
	Rate ratelimit.Rate
	// Redis shares the allowances between replicas. Nil keeps them in
	// memory.
	Redis redis.UniversalClient
	// Replicas is how many replicas share the allowances (the limiter's
	// heartbeat count). While Redis is down each replica holds each caller
	// to its share, the allowance divided by Replicas. Default: 1.
	Replicas func() int
	// Prefix starts every Redis key. Default "sailgraph:fairshare".
	Prefix string
	// MaxSubscriptions is how many subscriptions one caller may have open
	// at once (SAILGRAPH_MAX_SUBSCRIPTIONS_PER_KEY; default
	// DefaultMaxSubscriptions), across every replica with Redis; see
	// Streams.
	MaxSubscriptions int
	// Logger gets Redis failures: once when Redis stops answering, at
	// most once a minute while it stays down, once when it is back.
	// Default slog.Default().
	Logger *slog.Logger
}

// FairShare holds every caller to its own allowance of upstream calls, and
// optionally to a request rate, so that one noisy client cannot spend the
// whole tenant budget.
//
// The allowance is charged with the upstream calls a request actually
// made, counted on its record.Record, after it ran: cache hits,
// __typename and introspection cost nothing. Before a GraphQL operation
// runs, its estimate is checked: an operation is refused when the
// caller's allowance is spent, or when its estimate is larger than the
// whole allowance (it could never fit).
type FairShare struct {
	rate, cost ratelimit.Rate
	meter      meter
	log        *slog.Logger
	maxSubs    int
	open       openCounter
}

// NewFairShare returns the fair share of opts.
func NewFairShare(opts FairShareOptions) (*FairShare, error) {
	if opts.Cost.N <= 0 || opts.Cost.Per <= 0 {
		return nil, errors.New("fair share: Cost must be positive")
	}
	if opts.Rate.N < 0 || (opts.Rate.N > 0 && opts.Rate.Per <= 0) {
		return nil, errors.New("fair share: Rate must be positive or zero (off)")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Prefix == "" {
		opts.Prefix = "sailgraph:fairshare"
	}
	if opts.Replicas == nil {
		opts.Replicas = func() int { return 1 }
	}
	if opts.MaxSubscriptions <= 0 {
		opts.MaxSubscriptions = DefaultMaxSubscriptions
	}
	f := &FairShare{rate: opts.Rate, cost: opts.Cost, log: opts.Logger, maxSubs: opts.MaxSubscriptions}
	if opts.Redis != nil {
		f.meter = newFailoverMeter(newRedisMeter(opts.Redis, opts.Prefix), opts.Replicas, opts.Logger)
		f.open = newRedisOpen(opts.Redis, opts.Prefix, opts.Logger)
	} else {
		f.meter = newMemoryMeter()
		f.open = newMemoryOpen()
	}
	return f, nil
}

// Close stops the refreshing of this replica's open subscriptions in
// Redis (they lapse there within 30 s).
func (f *FairShare) Close() error { return f.open.close() }

// Middleware returns the echo middleware that counts a request against
// the caller's request rate (when one is set), answering 429 with
// Retry-After beyond it, and charges the caller's allowance with the
// upstream calls the request made, once it has run. Mount it after
// Authenticate, on everything that reaches the tenant.
func (f *FairShare) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx := c.Request().Context()
			bucket, r, cost := f.limits(ctx)
			if r.N > 0 {
				if wait := f.take(ctx, bucket+":rate", r, 1); wait > 0 {
					return tooMany(c, wait, "your API key's request rate")
				}
			}
			err := next(c)
			if n := record.From(ctx).UpstreamCalls(); n > 0 {
				f.charge(context.WithoutCancel(ctx), bucket+":cost", cost, n)
			}
			return err
		}
	}
}

// Admit returns the echo middleware that refuses a plain HTTP request (a
// download, the REST side) with 429 while the caller's allowance is
// spent. Mount it after Middleware.
func (f *FairShare) Admit() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if wait := f.Admission(c.Request().Context(), 1); wait > 0 {
				return tooMany(c, wait, "your API key's allowance of upstream calls")
			}
			return next(c)
		}
	}
}

// Admission decides whether an operation estimated at estimate upstream
// calls may run: 0 when it may, or how long until it could. An operation
// that costs nothing (estimate 0) always may; others may not while the
// allowance is spent, and never when estimate is over the whole
// allowance. A refusal is recorded on the request's record.Record, for
// the HTTP layer to answer 429 with Retry-After.
func (f *FairShare) Admission(ctx context.Context, estimate int) time.Duration {
	if estimate <= 0 {
		return 0
	}
	bucket, _, cost := f.limits(ctx)
	wait := time.Duration(0)
	if estimate > cost.N {
		wait = cost.Per
	} else {
		wait = f.spent(ctx, bucket+":cost", cost)
	}
	if wait > 0 {
		record.From(ctx).Refuse(wait)
	}
	return wait
}

// limits returns the caller's bucket and its rate and cost allowances. An
// anonymous pass-through caller is known by its token's hash.
func (f *FairShare) limits(ctx context.Context) (bucket string, r, cost ratelimit.Rate) {
	c, ok := CallerFrom(ctx)
	if !ok {
		c = anonymous()
	}
	bucket, r, cost = "key:"+c.Name, f.rate, f.cost
	if c.Anonymous {
		bucket = AnonymousName
		if p, ok := principal.From(ctx); ok && p.Bearer() != "" {
			bucket = p.ClientID
		}
	}
	if c.Rate.N > 0 {
		r = c.Rate
	}
	if c.Cost.N > 0 {
		cost = c.Cost
	}
	return bucket, r, cost
}

// take asks the meter for n units of bucket's allowance r. A meter that
// cannot answer (Redis down, and no local share either) lets the request
// through.
func (f *FairShare) take(ctx context.Context, bucket string, r ratelimit.Rate, n int) time.Duration {
	wait, err := f.meter.take(ctx, bucket, r, n)
	if err != nil {
		return 0
	}
	return wait
}

func (f *FairShare) spent(ctx context.Context, bucket string, r ratelimit.Rate) time.Duration {
	wait, err := f.meter.spent(ctx, bucket, r)
	if err != nil {
		return 0
	}
	return wait
}

func (f *FairShare) charge(ctx context.Context, bucket string, r ratelimit.Rate, n int) {
	_ = f.meter.charge(ctx, bucket, r, n)
}

// Charge takes calls upstream calls from the caller's allowance, or what
// is left of it. Middleware does this after every request with the calls
// its record counted.
func (f *FairShare) Charge(ctx context.Context, calls int) {
	if calls > 0 {
		bucket, _, cost := f.limits(ctx)
		f.charge(ctx, bucket+":cost", cost, calls)
	}
}

func tooMany(c echo.Context, wait time.Duration, what string) error {
	secs := apierr.RetryAfterSeconds(wait)
	c.Response().Header().Set("Retry-After", fmt.Sprint(secs))
	return c.JSON(http.StatusTooManyRequests, errorBody(apierr.RateLimited,
		fmt.Sprintf("%s is spent; retry after %d s", what, secs),
		map[string]any{"retryAfterSeconds": secs}))
}

package access

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"github.com/sailgraph/sailgraph/apierr"
	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

// FairShareOptions configure NewFairShare.
type FairShareOptions struct {
	// Rate is each caller's request rate unless its key says otherwise
	// (SAILGRAPH_KEY_RATE, e.g. 10/1s).
	Rate ratelimit.Rate
	// Cost is each caller's allowance of estimated upstream calls unless
	// its key says otherwise (SAILGRAPH_KEY_COST, e.g. 600/1m).
	Cost ratelimit.Rate
	// Redis shares the allowances between replicas. Nil keeps them in
	// memory. When Redis fails, requests are let through (fail open) and
	// logged.
	Redis redis.UniversalClient
	// Prefix starts every Redis key. Default "sailgraph:fairshare".
	Prefix string
	// Logger gets Redis failures. Default slog.Default().
	Logger *slog.Logger
}

// FairShare holds every caller to its own request rate and its own
// allowance of estimated upstream calls.
type FairShare struct {
	rate, cost ratelimit.Rate
	meter      meter
	log        *slog.Logger
}

// NewFairShare returns the fair share of opts.
func NewFairShare(opts FairShareOptions) (*FairShare, error) {
	if opts.Rate.N <= 0 || opts.Rate.Per <= 0 || opts.Cost.N <= 0 || opts.Cost.Per <= 0 {
		return nil, errors.New("fair share: Rate and Cost must be positive")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Prefix == "" {
		opts.Prefix = "sailgraph:fairshare"
	}
	f := &FairShare{rate: opts.Rate, cost: opts.Cost, log: opts.Logger}
	if opts.Redis != nil {
		f.meter = newRedisMeter(opts.Redis, opts.Prefix)
	} else {
		f.meter = newMemoryMeter()
	}
	return f, nil
}

// Middleware returns the echo middleware that spends one request of the
// caller's rate, answering 429 with Retry-After beyond it, and arranges
// for Spend's refusals to be answered 429 too. Mount it after
// Authenticate.
func (f *FairShare) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx := c.Request().Context()
			bucket, r, _ := f.limits(ctx)
			if wait := f.take(ctx, bucket+":rate", r, 1); wait > 0 {
				return tooMany(c, wait, "your API key's request rate")
			}
			v := &verdict{}
			c.SetRequest(c.Request().WithContext(context.WithValue(ctx, verdictKey{}, v)))
			c.Response().Writer = &verdictWriter{ResponseWriter: c.Response().Writer, v: v}
			err := next(c)
			if v.wait.Load() > 0 && c.Response().Committed {
				c.Response().Status = http.StatusTooManyRequests // what was sent, for the request log
			}
			return err
		}
	}
}

// Spend takes calls estimated upstream calls from the caller's allowance.
// It returns 0 when they were granted, or how long until they would be:
// the request must then be refused (under Middleware, its answer becomes
// a 429 with Retry-After whatever status the handler writes). An
// operation dearer than the whole allowance spends all of it.
func (f *FairShare) Spend(ctx context.Context, calls int) time.Duration {
	if calls <= 0 {
		return 0
	}
	bucket, _, cost := f.limits(ctx)
	wait := f.take(ctx, bucket+":cost", cost, min(calls, cost.N))
	if wait > 0 {
		if v, ok := ctx.Value(verdictKey{}).(*verdict); ok {
			v.refuse(wait)
		}
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

// take asks the meter, failing open when it cannot answer.
func (f *FairShare) take(ctx context.Context, bucket string, r ratelimit.Rate, n int) time.Duration {
	wait, err := f.meter.take(ctx, bucket, r, n)
	if err != nil {
		f.log.LogAttrs(ctx, slog.LevelWarn, "fair share unavailable; request let through",
			slog.String("bucket", bucket), slog.String("error", err.Error()))
		return 0
	}
	return wait
}

// retryAfterSeconds rounds a wait up to whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

func tooMany(c echo.Context, wait time.Duration, what string) error {
	secs := retryAfterSeconds(wait)
	c.Response().Header().Set("Retry-After", fmt.Sprint(secs))
	return c.JSON(http.StatusTooManyRequests, errorBody(apierr.RateLimited,
		fmt.Sprintf("%s is spent; retry after %d s", what, secs),
		map[string]any{"retryAfterSeconds": secs}))
}

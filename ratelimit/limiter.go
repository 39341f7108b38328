// Package ratelimit keeps sailgraph inside the tenant's request budget.
//
// SailPoint allows a number of requests per window for each client id and
// each API version, answering 429 with Retry-After beyond that. A Limiter
// hands out permission to send one request for a Key, sized so that in any
// window of the budget's length, wherever it starts, at most the budgeted
// number of requests leave all replicas together (see Rate.Bucket), and
// holds back every request for a Key while a Cooldown set after an upstream
// 429 lasts.
//
// Two implementations: Memory (golang.org/x/time/rate) for a single
// replica, and Redis (GCRA via github.com/go-redis/redis_rate) shared by
// every replica, which falls back to an in-memory share of the budget when
// Redis does not answer.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Key names one budget: the tenant counts requests per client id and per
// API version ("beta", "v2024").
type Key struct {
	ClientID string
	API      string
}

func (k Key) String() string { return k.ClientID + "/" + k.API }

// Limiter grants permission to send requests within a budget.
type Limiter interface {
	// Wait blocks until one request for key may be sent. If the wait would
	// end after ctx's deadline it returns a *DelayError at once, without
	// waiting; if ctx is cancelled it returns ctx.Err().
	Wait(ctx context.Context, key Key) error
	// Cooldown holds back every request for key for d (an upstream 429's
	// Retry-After), on every replica that shares the limiter's state.
	Cooldown(ctx context.Context, key Key, d time.Duration) error
}

var (
	_ Limiter = (*Memory)(nil)
	_ Limiter = (*Redis)(nil)
)

// ErrOverDeadline is wrapped by every *DelayError.
var ErrOverDeadline = errors.New("ratelimit: wait exceeds the deadline")

// DelayError says a request could not be granted before the caller's
// deadline. Wait is how long the caller would have had to wait.
type DelayError struct {
	Wait time.Duration
	// Cooldown is true when the wait is an upstream 429's cooldown rather
	// than the local budget.
	Cooldown bool
}

func (e *DelayError) Error() string {
	why := "budget"
	if e.Cooldown {
		why = "429 cooldown"
	}
	return fmt.Sprintf("%v: %s needs %s", ErrOverDeadline, why, e.Wait.Round(time.Millisecond))
}

// Unwrap returns ErrOverDeadline.
func (e *DelayError) Unwrap() error { return ErrOverDeadline }

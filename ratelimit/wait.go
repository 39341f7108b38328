package ratelimit

import (
	"context"
	"errors"
	"time"
)

// fits reports whether a wait of d ends before ctx's deadline.
func fits(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) >= d
}

// sleep waits d or until ctx is done. It returns the error Wait should
// return when ctx ends first: a *DelayError for a deadline (the caller ran
// out of time waiting for the budget), ctx.Err() for a cancellation.
func sleep(ctx context.Context, d time.Duration, cooldown bool) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return doneErr(ctx, d, cooldown)
	}
}

// doneErr is the error for a ctx that ended while a caller waited for
// wait more.
func doneErr(ctx context.Context, wait time.Duration, cooldown bool) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &DelayError{Wait: wait, Cooldown: cooldown}
	}
	return ctx.Err()
}

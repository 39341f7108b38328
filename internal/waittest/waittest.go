// Package waittest waits, in tests, for what happens in the background
// and has no way to tell the test: it polls a condition until it holds,
// and fails the test after a generous deadline (a loaded machine is slow,
// not wrong). Where the code under test can say when it is done (a
// channel, a fake clock), wait on that instead.
package waittest

import (
	"testing"
	"time"
)

// Deadline is how long Until polls before it fails the test.
const Deadline = 30 * time.Second

// interval is how often Until checks its condition.
const interval = 10 * time.Millisecond

// Until calls cond until it returns true, every few milliseconds, and
// fails the test ("timed out waiting for what") if it has not after
// Deadline. Call it from the test's goroutine: it may call t.Fatalf.
func Until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	until(t, what, Deadline, cond)
}

func until(t testing.TB, what string, deadline time.Duration, cond func() bool) {
	t.Helper()
	timeout := time.NewTimer(deadline)
	defer timeout.Stop()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for !cond() {
		select {
		case <-timeout.C:
			t.Fatalf("timed out after %v waiting for %s", deadline, what)
			return
		case <-tick.C:
		}
	}
}

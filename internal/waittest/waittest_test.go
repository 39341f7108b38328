package waittest

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// recorder is a testing.TB whose Fatalf records the failure instead of
// ending the test.
type recorder struct {
	testing.TB
	fatal string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }

func TestUntilReturnsOnceTheConditionHolds(t *testing.T) {
	var n atomic.Int32
	r := &recorder{TB: t}
	Until(r, "the third call", func() bool { return n.Add(1) == 3 })
	if r.fatal != "" || n.Load() != 3 {
		t.Fatalf("Until: %d calls, failure %q; want 3 calls and no failure", n.Load(), r.fatal)
	}
}

func TestUntilFailsAtTheDeadline(t *testing.T) {
	r := &recorder{TB: t}
	calls := 0
	until(r, "nothing", 30*time.Millisecond, func() bool { calls++; return false })
	if !strings.Contains(r.fatal, "timed out after 30ms waiting for nothing") || calls < 2 {
		t.Fatalf("failure %q after %d calls; want a time-out naming what was awaited, after polling", r.fatal, calls)
	}
}

package apierr

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/upstream/isc"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		err    error
		code   Code
		status int
		msg    string
	}{
		{&isc.ArgumentError{Param: "filters", Reason: "unknown field"}, BadUserInput, 400, "filters: unknown field"},
		{isc.NewAPIError(400, "op", "400.1 Bad Request Content", "t", []string{"bad date"}), BadUserInput, 400, "bad date"},
		{isc.NewAPIError(404, "op", "404 Not found", "t", nil), NotFound, 404, "not found"},
		{isc.NewAPIError(401, "op", "", "", nil), Unauthenticated, 502, "credentials"},
		{isc.NewAPIError(403, "op", "", "", nil), Forbidden, 403, "does not allow"},
		{&isc.RateLimitedError{RetryAfter: 2300 * time.Millisecond}, RateLimited, 429, "retry after 3 s"},
		{isc.NewAPIError(503, "op", "500.0 Internal Fault", "secret-tracking", []string{"stack trace"}), UpstreamUnavailable, 502, "unavailable"},
		{fmt.Errorf("wrapped: %w", context.DeadlineExceeded), UpstreamUnavailable, 502, "unavailable"},
		{fmt.Errorf("nil pointer somewhere"), Internal, 500, "internal error"},
	}
	for _, c := range cases {
		got := Classify(c.err)
		if got.Code != c.code || HTTPStatus(got.Code) != c.status || !strings.Contains(got.Message, c.msg) {
			t.Errorf("%v: %+v (status %d), want %s %d containing %q", c.err, got, HTTPStatus(got.Code), c.code, c.status, c.msg)
		}
		if strings.Contains(got.Message, "secret-tracking") || strings.Contains(got.Message, "stack trace") {
			t.Errorf("%v: upstream details leak into %q", c.err, got.Message)
		}
	}
	if got := Classify(&isc.RateLimitedError{RetryAfter: 2300 * time.Millisecond}); got.RetryAfterSeconds != 3 {
		t.Errorf("retryAfterSeconds = %d, want 3", got.RetryAfterSeconds)
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for _, c := range []struct {
		wait time.Duration
		want int
	}{{0, 1}, {-time.Second, 1}, {time.Millisecond, 1}, {time.Second, 1}, {1001 * time.Millisecond, 2}, {90 * time.Second, 90}} {
		if got := RetryAfterSeconds(c.wait); got != c.want {
			t.Errorf("RetryAfterSeconds(%v) = %d, want %d", c.wait, got, c.want)
		}
	}
}

// Package isc holds what every upstream ISC client shares: the sentinel
// errors callers test with errors.Is, the typed errors that carry details,
// and the one do() that sends a request, checks its status, caps its body
// and maps failures onto those errors.
package isc

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors. Every error an upstream client returns wraps exactly
// one of them, so the GraphQL layer can map it to a stable extensions.code.
var (
	ErrNotFound     = errors.New("upstream: not found")
	ErrBadRequest   = errors.New("upstream: bad request")
	ErrUnauthorized = errors.New("upstream: unauthorized")
	ErrForbidden    = errors.New("upstream: forbidden")
	ErrRateLimited  = errors.New("upstream: rate limited")
	ErrUnavailable  = errors.New("upstream: unavailable")
)

// APIError is a non-2xx answer from the tenant, with the ErrorResponseDto
// fields when the body had them. It wraps the sentinel for its status.
type APIError struct {
	Status     int
	Operation  string
	DetailCode string
	TrackingID string
	Messages   []string
	sentinel   error
}

// NewAPIError builds an APIError for status, choosing its sentinel.
func NewAPIError(status int, operation, detailCode, trackingID string, messages []string) *APIError {
	return &APIError{Status: status, Operation: operation, DetailCode: detailCode, TrackingID: trackingID, Messages: messages, sentinel: SentinelFor(status)}
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: upstream %s answered %d", e.sentinel, e.Operation, e.Status)
	if e.DetailCode != "" {
		fmt.Fprintf(&b, " (%s)", e.DetailCode)
	}
	if len(e.Messages) > 0 {
		fmt.Fprintf(&b, ": %s", strings.Join(e.Messages, "; "))
	}
	return b.String()
}

// Unwrap returns the sentinel for the status.
func (e *APIError) Unwrap() error { return e.sentinel }

// SentinelFor maps an HTTP status to its sentinel error (nil for 2xx/3xx).
func SentinelFor(status int) error {
	switch {
	case status < 400:
		return nil
	case status == 401:
		return ErrUnauthorized
	case status == 403:
		return ErrForbidden
	case status == 404:
		return ErrNotFound
	case status == 429:
		return ErrRateLimited
	case status >= 500:
		return ErrUnavailable
	default:
		return ErrBadRequest
	}
}

// RateLimitedError says the call was not made (or was refused) because the
// tenant's budget is spent; RetryAfter is how long until it may be tried.
// It wraps ErrRateLimited.
type RateLimitedError struct {
	RetryAfter time.Duration
	Reason     string // e.g. "local budget", "upstream 429 cooldown"
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("%s (%s): retry after %s", ErrRateLimited, e.Reason, e.RetryAfter.Round(time.Millisecond))
}

// Unwrap returns ErrRateLimited.
func (e *RateLimitedError) Unwrap() error { return ErrRateLimited }

// RetryAfter returns the wait carried by err, if it is or wraps a
// RateLimitedError.
func RetryAfter(err error) (time.Duration, bool) {
	var rl *RateLimitedError
	if errors.As(err, &rl) {
		return rl.RetryAfter, true
	}
	return 0, false
}

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

	// ErrCallerToken is a 401 for a pass-through caller's own token (it is
	// expired, revoked or invalid), as opposed to the gateway's
	// credentials. It wraps ErrUnauthorized.
	ErrCallerToken = fmt.Errorf("%w: the caller's own token was refused", ErrUnauthorized)
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

// UnavailableError says the call was not made because the tenant is
// failing: the circuit breaker is open for its API. RetryAfter is how long
// until a call may be tried again. It wraps ErrUnavailable.
type UnavailableError struct {
	RetryAfter time.Duration
	Reason     string // e.g. "circuit open after 5 consecutive failures"
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("%s (%s): retry after %s", ErrUnavailable, e.Reason, e.RetryAfter.Round(time.Millisecond))
}

// Unwrap returns ErrUnavailable.
func (e *UnavailableError) Unwrap() error { return ErrUnavailable }

// RetryAfter returns the wait carried by err, if it is or wraps a
// RateLimitedError or an UnavailableError.
func RetryAfter(err error) (time.Duration, bool) {
	if rl, ok := errors.AsType[*RateLimitedError](err); ok {
		return rl.RetryAfter, true
	}
	if ue, ok := errors.AsType[*UnavailableError](err); ok {
		return ue.RetryAfter, true
	}
	return 0, false
}

// Package apierr is the one table from upstream and gateway failures to
// the stable error codes callers branch on. The GraphQL error presenter
// puts a Code in extensions.code; the gateway's plain HTTP endpoints (file
// downloads) answer with its HTTP status and the same code.
package apierr

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/sailgraph/sailgraph/upstream/isc"
)

// Code is a stable error code. The codes are a contract: clients branch on
// them, so they never change meaning.
type Code string

// The codes.
const (
	// BadUserInput: the caller's arguments were invalid (a bad date, a bad
	// filter, first out of range), or the tenant refused them as such.
	BadUserInput Code = "BAD_USER_INPUT"
	// NotFound: the object asked for does not exist.
	NotFound Code = "NOT_FOUND"
	// Unauthenticated: the tenant did not accept the credentials the
	// gateway called it with.
	Unauthenticated Code = "UNAUTHENTICATED"
	// Forbidden: those credentials may not do this.
	Forbidden Code = "FORBIDDEN"
	// RateLimited: the tenant's rate budget is spent; retryAfterSeconds
	// says when to try again.
	RateLimited Code = "RATE_LIMITED"
	// UpstreamUnavailable: the tenant failed or did not answer in time.
	UpstreamUnavailable Code = "UPSTREAM_UNAVAILABLE"
	// Internal: the gateway failed; the details are in its log.
	Internal Code = "INTERNAL"
	// BadRequest: the HTTP request is not a GraphQL request the gateway
	// serves (a body that is not JSON, no query, a body type other than
	// JSON, a mutation over GET, an unsupported method or persisted-query
	// extension); the HTTP status says which (400, 405, 406, 415).
	BadRequest Code = "BAD_REQUEST"
	// PayloadTooLarge: the request body is over the gateway's limit (413).
	PayloadTooLarge Code = "PAYLOAD_TOO_LARGE"
)

// Classified is what a caller may be told about an error.
type Classified struct {
	Code    Code
	Message string
	// RetryAfterSeconds is set for RateLimited (at least 1), and for
	// UpstreamUnavailable when the gateway knows when the tenant may be
	// tried again (its circuit breaker is open).
	RetryAfterSeconds int
}

// Classify maps an error from the upstream layer to its code and a message
// fit for the caller; upstream details stay out of it except the tenant's
// own words on a refused request.
func Classify(err error) Classified {
	if arg, ok := errors.AsType[*isc.ArgumentError](err); ok { // refused before any call
		return Classified{Code: BadUserInput, Message: arg.Param + ": " + arg.Reason}
	}
	switch {
	case errors.Is(err, isc.ErrBadRequest):
		msg := "the tenant refused the request as invalid"
		if api, ok := errors.AsType[*isc.APIError](err); ok && len(api.Messages) > 0 {
			msg += ": " + strings.Join(api.Messages, "; ")
		}
		return Classified{Code: BadUserInput, Message: msg}
	case errors.Is(err, isc.ErrNotFound):
		return Classified{Code: NotFound, Message: "not found"}
	case errors.Is(err, isc.ErrCallerToken):
		return Classified{Code: Unauthenticated, Message: "the tenant did not accept your ISC token (it is expired, revoked or not valid): get a new one"}
	case errors.Is(err, isc.ErrUnauthorized):
		return Classified{Code: Unauthenticated, Message: "the tenant did not accept the gateway's credentials"}
	case errors.Is(err, isc.ErrForbidden):
		return Classified{Code: Forbidden, Message: "the tenant does not allow this to the gateway's credentials"}
	case errors.Is(err, isc.ErrRateLimited):
		secs := 1
		if d, ok := isc.RetryAfter(err); ok {
			secs = RetryAfterSeconds(d)
		}
		return Classified{Code: RateLimited, Message: fmt.Sprintf("the tenant's rate limit is reached; retry after %d s", secs), RetryAfterSeconds: secs}
	case errors.Is(err, isc.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		if d, ok := isc.RetryAfter(err); ok { // the circuit is open: the gateway knows when to try again
			secs := RetryAfterSeconds(d)
			return Classified{Code: UpstreamUnavailable, Message: fmt.Sprintf("the tenant is failing; the gateway will try it again in %d s", secs), RetryAfterSeconds: secs}
		}
		return Classified{Code: UpstreamUnavailable, Message: "the tenant is unavailable; try again later"}
	}
	return Classified{Code: Internal, Message: "internal error"}
}

// RetryAfterSeconds is a wait as a Retry-After header or a
// retryAfterSeconds extension states it: whole seconds, rounded up, at
// least 1 (a client told 0 would ask again at once).
func RetryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// HTTPStatus is the status a plain HTTP endpoint answers a code with.
func HTTPStatus(c Code) int {
	switch c {
	case BadUserInput, BadRequest:
		return http.StatusBadRequest
	case PayloadTooLarge:
		return http.StatusRequestEntityTooLarge
	case NotFound:
		return http.StatusNotFound
	case Unauthenticated, UpstreamUnavailable:
		return http.StatusBadGateway
	case Forbidden:
		return http.StatusForbidden
	case RateLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

package resolvers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/sailgraph/sailgraph/graph/model"
	"github.com/sailgraph/sailgraph/upstream/isc"
)

// Code is a GraphQL error's extensions.code. The codes are a contract:
// clients branch on them, so they never change meaning.
type Code string

// The codes of field errors.
const (
	// CodeBadUserInput: the caller's arguments were invalid (a bad date, a
	// bad filter, first out of range), or the tenant refused them as such.
	CodeBadUserInput Code = "BAD_USER_INPUT"
	// CodeNotFound: the object asked for does not exist.
	CodeNotFound Code = "NOT_FOUND"
	// CodeUnauthenticated: the tenant did not accept the credentials the
	// gateway called it with.
	CodeUnauthenticated Code = "UNAUTHENTICATED"
	// CodeForbidden: those credentials may not do this.
	CodeForbidden Code = "FORBIDDEN"
	// CodeRateLimited: the tenant's rate budget is spent; the error's
	// extensions.retryAfterSeconds says when to try again.
	CodeRateLimited Code = "RATE_LIMITED"
	// CodeUpstreamUnavailable: the tenant failed or did not answer in time.
	CodeUpstreamUnavailable Code = "UPSTREAM_UNAVAILABLE"
	// CodeInternal: the gateway failed; the details are in its log.
	CodeInternal Code = "INTERNAL"
)

// errPanic marks a resolver panic that Recover has already logged.
var errPanic = errors.New("resolver panicked")

// ErrorPresenter returns the gqlgen error presenter: every error gets a
// stable extensions.code and a message fit for the caller, and what the
// caller must not see (upstream details, internal failures) goes to log.
// Errors that already carry a code (gqlgen's validation and parse errors,
// the cost, depth and persisted-query refusals) keep it.
func ErrorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr, ok := errors.AsType[*gqlerror.Error](err)
		if !ok {
			gqlErr = gqlerror.WrapPath(graphql.GetPath(ctx), err)
		}
		if _, coded := gqlErr.Extensions["code"]; coded {
			return gqlErr
		}
		code, msg, ext := classify(err)
		out := &gqlerror.Error{
			Message:    msg,
			Path:       gqlErr.Path,
			Locations:  gqlErr.Locations,
			Extensions: map[string]any{"code": string(code)},
		}
		for k, v := range ext {
			out.Extensions[k] = v
		}
		logPresented(ctx, log, code, out, err)
		return out
	}
}

// classify maps err to its code, the message the caller sees, and any
// further extensions.
func classify(err error) (Code, string, map[string]any) {
	if in, ok := errors.AsType[*model.InputError](err); ok {
		return CodeBadUserInput, in.Error(), nil
	}
	if arg, ok := errors.AsType[*isc.ArgumentError](err); ok { // refused before any call
		return CodeBadUserInput, arg.Param + ": " + arg.Reason, nil
	}
	switch {
	case errors.Is(err, isc.ErrBadRequest):
		msg := "the tenant refused the request as invalid"
		if api, ok := errors.AsType[*isc.APIError](err); ok && len(api.Messages) > 0 {
			msg += ": " + strings.Join(api.Messages, "; ")
		}
		return CodeBadUserInput, msg, nil
	case errors.Is(err, isc.ErrNotFound):
		return CodeNotFound, "not found", nil
	case errors.Is(err, isc.ErrUnauthorized):
		return CodeUnauthenticated, "the tenant did not accept the gateway's credentials", nil
	case errors.Is(err, isc.ErrForbidden):
		return CodeForbidden, "the tenant does not allow this to the gateway's credentials", nil
	case errors.Is(err, isc.ErrRateLimited):
		secs := 1
		if d, ok := isc.RetryAfter(err); ok {
			secs = max(1, int(math.Ceil(d.Seconds())))
		}
		return CodeRateLimited, fmt.Sprintf("the tenant's rate limit is reached; retry after %d s", secs),
			map[string]any{"retryAfterSeconds": secs}
	case errors.Is(err, isc.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return CodeUpstreamUnavailable, "the tenant is unavailable; try again later", nil
	}
	return CodeInternal, "internal error", nil
}

// logPresented logs what the caller is not shown. Caller mistakes are
// logged at debug level, upstream trouble at warn, gateway faults at error.
func logPresented(ctx context.Context, log *slog.Logger, code Code, presented *gqlerror.Error, err error) {
	level := slog.LevelWarn
	switch code {
	case CodeBadUserInput, CodeNotFound:
		level = slog.LevelDebug
	case CodeInternal:
		if errors.Is(err, errPanic) {
			return
		}
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("code", string(code)),
		slog.String("path", presented.Path.String()),
		slog.String("error", err.Error()),
	}
	if graphql.HasOperationContext(ctx) {
		attrs = append(attrs, slog.String("operation", graphql.GetOperationContext(ctx).OperationName))
	}
	log.LogAttrs(ctx, level, "graphql field error", attrs...)
}

// Recover returns the gqlgen recover function: a resolver panic is logged
// with its stack and answered as an INTERNAL error on that field.
func Recover(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, v any) error {
		log.LogAttrs(ctx, slog.LevelError, "graphql resolver panic",
			slog.String("path", graphql.GetPath(ctx).String()),
			slog.String("panic", fmt.Sprint(v)),
			slog.String("stack", string(debug.Stack())))
		return errPanic
	}
}

package resolvers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/sailgraph/sailgraph/apierr"
	"github.com/sailgraph/sailgraph/graph/model"
)

// Code is a GraphQL error's extensions.code; see package apierr for the
// table and what each code means.
type Code = apierr.Code

// The codes of field errors.
const (
	CodeBadUserInput        = apierr.BadUserInput
	CodeNotFound            = apierr.NotFound
	CodeUnauthenticated     = apierr.Unauthenticated
	CodeForbidden           = apierr.Forbidden
	CodeRateLimited         = apierr.RateLimited
	CodeUpstreamUnavailable = apierr.UpstreamUnavailable
	CodeInternal            = apierr.Internal
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
		if code == CodeInternal && argumentError(ctx, gqlErr) {
			code, msg = CodeBadUserInput, gqlErr.Message
		}
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
	c := apierr.Classify(err)
	if c.RetryAfterSeconds > 0 {
		return c.Code, c.Message, map[string]any{"retryAfterSeconds": c.RetryAfterSeconds}
	}
	return c.Code, c.Message, nil
}

// argumentError reports whether e is gqlgen's refusal of one of the
// field's argument values (its path goes on into an argument), such as an
// enum variable spelt in another case: gqlparser's validation compares
// enum names case-insensitively, so "account" only fails when the
// generated code unmarshals it. That is the caller's input, not a fault.
func argumentError(ctx context.Context, e *gqlerror.Error) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return false
	}
	field := fc.Path()
	if len(e.Path) <= len(field) {
		return false
	}
	for i, el := range field {
		if e.Path[i] != el {
			return false
		}
	}
	name, ok := e.Path[len(field)].(ast.PathName)
	return ok && fc.Field.Field != nil && fc.Field.Arguments.ForName(string(name)) != nil
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

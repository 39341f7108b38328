package httpapi

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sailgraph/sailgraph/access"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// requireOperationScope authorizes a REST call like the GraphQL field it
// mirrors: the caller needs one of the scopes the operation's table entry
// lists (op.Operation.Scopes, the spec's). Mount it after match.
func requireOperationScope(next echo.HandlerFunc) echo.HandlerFunc {
	// One guarded handler per operation, built once at registration rather
	// than on every request.
	guarded := make(map[*op.Operation]echo.HandlerFunc)
	for _, o := range op.All() {
		need := make([]access.Scope, 0, len(o.Scopes))
		for _, n := range o.Scopes {
			if s, err := access.ParseScope(n); err == nil {
				need = append(need, s)
			}
		}
		guarded[o] = access.RequireScope(need...)(next)
	}
	return func(c echo.Context) error {
		if call, ok := op.FromRequest(c.Request()); ok {
			if h, found := guarded[call.Op]; found {
				return h(c)
			}
		}
		return next(c)
	}
}

// Deadline bounds a request's upstream work by d: a GraphQL operation
// that runs out of time answers UPSTREAM_UNAVAILABLE on the fields still
// waiting, with the data it has.
func Deadline(d time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx, cancel := context.WithTimeout(c.Request().Context(), d)
			defer cancel()
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	}
}

// boundUnlessDownload is Deadline for the REST side, except the file
// downloads, which may stream for minutes (their wait for the tenant's
// headers is bounded by the base transport instead). d <= 0 bounds
// nothing.
func boundUnlessDownload(d time.Duration) echo.MiddlewareFunc {
	if d <= 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	bound := Deadline(d)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		bounded := bound(next)
		return func(c echo.Context) error {
			if call, ok := op.FromRequest(c.Request()); ok && call.Op.Download {
				return next(c)
			}
			return bounded(c)
		}
	}
}

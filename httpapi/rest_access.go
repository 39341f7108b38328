package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sailgraph/sailgraph/access"
)

// RequireOperationScope authorizes a REST call like the GraphQL field it
// mirrors: the caller needs one of the scopes the spec lists for the
// operation. Paths that are not one of the 23 operations pass on (the REST
// handler answers them 404).
func RequireOperationScope(next echo.HandlerFunc) echo.HandlerFunc {
	// One guarded handler per operation, built once at registration rather
	// than on every request.
	guarded := make(map[string]echo.HandlerFunc, len(operationScopes))
	for op, names := range operationScopes {
		need := make([]access.Scope, 0, len(names))
		for _, n := range names {
			if s, err := access.ParseScope(n); err == nil {
				need = append(need, s)
			}
		}
		guarded[op] = access.RequireScope(need...)(next)
	}
	return func(c echo.Context) error {
		if op, ok := Operation(c.Request()); ok {
			if h, found := guarded[op]; found {
				return h(c)
			}
		}
		return next(c) // not one of the 23 operations: the handler answers 404
	}
}

// isDownload reports whether r is one of the two operations that stream a
// file, which may take minutes.
func isDownload(r *http.Request) bool {
	op, _ := Operation(r)
	return op == "getReport" || op == "downloadRoleMiningPotentialRoleZip"
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

// BoundUnlessDownload is Deadline for the REST side, except the file
// downloads, which may stream for minutes (their wait for the tenant's
// headers is bounded by the base transport instead).
func BoundUnlessDownload(d time.Duration) echo.MiddlewareFunc {
	bound := Deadline(d)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		bounded := bound(next)
		return func(c echo.Context) error {
			if isDownload(c.Request()) {
				return next(c)
			}
			return bounded(c)
		}
	}
}

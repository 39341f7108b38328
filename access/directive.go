package access

import (
	"context"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/labstack/echo/v4"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/sailgraph/sailgraph/apierr"
)

// Directive implements the schema's @scope(anyOf: [...]) directive, for
// graph.Options.Scope: the field resolves when the caller in ctx has at
// least one of anyOf, and is otherwise a FORBIDDEN error on that field
// alone (the rest of the data is returned). A request without a caller
// (no Authenticate in front) is refused every guarded field.
func Directive(ctx context.Context, _ any, next graphql.Resolver, anyOf []string) (any, error) {
	want := make([]Scope, len(anyOf))
	for i, s := range anyOf {
		want[i] = Scope(s)
	}
	if c, ok := CallerFrom(ctx); ok && c.Scopes.HasAny(want...) {
		return next(ctx)
	}
	return nil, &gqlerror.Error{
		Message: forbiddenMessage(anyOf),
		Path:    graphql.GetPath(ctx),
		Extensions: map[string]any{
			"code":           string(apierr.Forbidden),
			"requiredScopes": anyOf,
		},
	}
}

// RequireScope returns the middleware for a plain HTTP route (a download,
// the REST side) that lets a request through when its caller has at least
// one of anyOf, and answers 403 with a JSON error body otherwise. Mount it
// after Authenticate.
func RequireScope(anyOf ...Scope) echo.MiddlewareFunc {
	names := make([]string, len(anyOf))
	for i, s := range anyOf {
		names[i] = string(s)
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if caller, ok := CallerFrom(c.Request().Context()); ok && caller.Scopes.HasAny(anyOf...) {
				return next(c)
			}
			return c.JSON(http.StatusForbidden, errorBody(apierr.Forbidden, forbiddenMessage(names),
				map[string]any{"requiredScopes": names}))
		}
	}
}

func forbiddenMessage(anyOf []string) string {
	return "your API key does not allow this; it needs one of the scopes " + strings.Join(anyOf, ", ")
}

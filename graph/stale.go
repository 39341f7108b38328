package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// StaleNotes connects the graph to the cache's record of answers it served
// stale (past their freshness, while the tenant was rate limited or down),
// so that the response can say which fields are stale and how old.
// CacheStaleNotes implements it over the cache package.
type StaleNotes interface {
	// Collect returns ctx carrying a fresh record for one request, and a
	// function listing what has been recorded in it so far.
	Collect(ctx context.Context) (context.Context, func() []StaleServe)
	// Label returns ctx naming the GraphQL field that upstream calls made
	// with it are for.
	Label(ctx context.Context, label string) context.Context
}

// StaleServe is one upstream answer served stale, as the response's
// extensions.stale lists it.
type StaleServe struct {
	// Field is the path of the GraphQL field the answer was for, e.g.
	// "identity.accessItems".
	Field string `json:"field,omitempty"`
	// Operation is the upstream operation, e.g. "listIdentityAccessItems".
	Operation string `json:"operation"`
	// Resource is what the answer was about, e.g. the identity id.
	Resource string `json:"resource,omitempty"`
	// AgeSeconds is how old the answer was when it was served.
	AgeSeconds float64 `json:"ageSeconds"`
	// Reason says why: "rate_limited", "unavailable" or "revalidating".
	Reason string `json:"reason,omitempty"`
}

// staleReport is the gqlgen extension that labels resolver fields for the
// cache and lists its stale serves in extensions.stale.
type staleReport struct {
	notes StaleNotes
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.FieldInterceptor
} = staleReport{}

// ExtensionName names the extension for gqlgen.
func (staleReport) ExtensionName() string { return "StaleReport" }

// Validate accepts every schema.
func (staleReport) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation gives the operation a fresh record and adds what it
// holds at the end to the response.
func (s staleReport) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	ctx, list := s.notes.Collect(ctx)
	respond := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		resp := respond(ctx)
		if resp == nil {
			return nil
		}
		if served := list(); len(served) > 0 {
			if resp.Extensions == nil {
				resp.Extensions = map[string]any{}
			}
			resp.Extensions["stale"] = served
		}
		return resp
	}
}

// InterceptField labels the upstream calls of resolver fields with the
// field's path.
func (s staleReport) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.IsResolver {
		ctx = s.notes.Label(ctx, fc.Path().String())
	}
	return next(ctx)
}

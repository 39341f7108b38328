package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/sailgraph/sailgraph/record"
)

// StaleServe is one upstream answer served stale (past its freshness,
// while the tenant was rate limited or down, or being refreshed), as the
// response's extensions.stale lists it.
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

// staleReport is the gqlgen extension that lists the request's stale
// serves, from its record.Record, in extensions.stale. It costs nothing
// per field: the field path is read from the upstream call's context only
// when a stale answer is served.
type staleReport struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = staleReport{}

// ExtensionName names the extension for gqlgen.
func (staleReport) ExtensionName() string { return "StaleReport" }

// Validate accepts every schema.
func (staleReport) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation labels the record's stale serves with field paths and
// adds them to the response at the end.
func (staleReport) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	rec := record.From(ctx)
	rec.SetLabeler(fieldPath)
	respond := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		resp := respond(ctx)
		if resp == nil {
			return nil
		}
		if served := rec.StaleServes(); len(served) > 0 {
			if resp.Extensions == nil {
				resp.Extensions = map[string]any{}
			}
			out := make([]StaleServe, len(served))
			for i, s := range served {
				out[i] = StaleServe{Field: s.Field, Operation: s.Operation, Resource: s.Resource, AgeSeconds: s.Age.Seconds(), Reason: s.Reason}
			}
			resp.Extensions["stale"] = out
		}
		return resp
	}
}

// fieldPath is the path of the resolver field whose upstream call ctx is.
func fieldPath(ctx context.Context) string {
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		if fc.IsResolver {
			return fc.Path().String()
		}
	}
	return ""
}

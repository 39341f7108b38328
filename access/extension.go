package access

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/sailgraph/sailgraph/apierr"
	"github.com/sailgraph/sailgraph/graph"
)

// Extension returns the gqlgen extension that spends an operation's
// estimated upstream calls (graph.EstimatedCost) from the caller's
// allowance before it runs, and refuses it with RATE_LIMITED (HTTP 429
// with Retry-After under Middleware) beyond it. Add it after the cost
// limit (graph.Options.Extensions).
func (f *FairShare) Extension() graphql.HandlerExtension { return costAllowance{f} }

type costAllowance struct{ f *FairShare }

var (
	_ graphql.HandlerExtension        = costAllowance{}
	_ graphql.OperationContextMutator = costAllowance{}
)

func (costAllowance) ExtensionName() string                   { return "FairShareCost" }
func (costAllowance) Validate(graphql.ExecutableSchema) error { return nil }
func (a costAllowance) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	cost, ok := graph.EstimatedCost(graphql.WithOperationContext(ctx, opCtx))
	if !ok {
		return nil
	}
	wait := a.f.Spend(ctx, cost)
	if wait == 0 {
		return nil
	}
	secs := retryAfterSeconds(wait)
	return &gqlerror.Error{
		Message: fmt.Sprintf("your API key's allowance of upstream calls is spent (this operation is estimated at %d); retry after %d s", cost, secs),
		Extensions: map[string]any{
			"code":              string(apierr.RateLimited),
			"retryAfterSeconds": secs,
		},
	}
}

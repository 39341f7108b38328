package access

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/sailgraph/sailgraph/apierr"
	"github.com/sailgraph/sailgraph/record"
)

// Extension returns the gqlgen extension that admits an operation by its
// estimated upstream calls (the cost limit records the estimate on the
// request's record.Record) before it runs, and refuses it with
// RATE_LIMITED while the caller's allowance is spent (FairShare.Admission
// says when). The HTTP layer answers a refused request 429 with
// Retry-After. Add it after the cost limit.
func (f *FairShare) Extension() graphql.HandlerExtension { return costAdmission{f} }

type costAdmission struct{ f *FairShare }

var (
	_ graphql.HandlerExtension        = costAdmission{}
	_ graphql.OperationContextMutator = costAdmission{}
)

func (costAdmission) ExtensionName() string                   { return "FairShareAdmission" }
func (costAdmission) Validate(graphql.ExecutableSchema) error { return nil }
func (a costAdmission) MutateOperationContext(ctx context.Context, _ *graphql.OperationContext) *gqlerror.Error {
	estimate, ok := record.From(ctx).EstimatedCost()
	if !ok {
		return nil
	}
	wait := a.f.Admission(ctx, estimate)
	if wait == 0 {
		return nil
	}
	secs := apierr.RetryAfterSeconds(wait)
	return &gqlerror.Error{
		Message: fmt.Sprintf("your API key's allowance of upstream calls is spent (this operation is estimated at up to %d); retry after %d s", estimate, secs),
		Extensions: map[string]any{
			"code":              string(apierr.RateLimited),
			"retryAfterSeconds": secs,
		},
	}
}

package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// selects reports whether the field being resolved selects the sub-field
// name (directly or through fragments on its type), so that a resolver asks
// the tenant only for what the query reads, e.g. a count only when
// totalCount is selected.
func selects(ctx context.Context, name string) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil || fc.Field.Definition == nil {
		return false
	}
	typeName := fc.Field.Definition.Type.Name()
	for _, f := range graphql.CollectFieldsCtx(ctx, []string{typeName}) {
		if f.Name == name {
			return true
		}
	}
	return false
}

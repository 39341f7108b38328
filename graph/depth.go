package graph

import (
	"context"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodeDepthLimit is the extensions.code of an operation refused for its
// nesting depth.
const CodeDepthLimit = "DEPTH_LIMIT_EXCEEDED"

// depthLimit refuses operations whose fields nest deeper than max.
// Introspection fields (__schema, __type) are not counted: whether they are
// served at all is the introspection switch's business.
type depthLimit struct {
	max int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

// ExtensionName names the extension for gqlgen.
func (depthLimit) ExtensionName() string { return "DepthLimit" }

// Validate accepts every schema.
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext measures the operation.
func (d depthLimit) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	n := depthOf(opCtx.Operation.SelectionSet)
	if n <= d.max {
		return nil
	}
	return &gqlerror.Error{
		Message: "the query nests " + strconv.Itoa(n) + " levels deep, over the limit of " + strconv.Itoa(d.max),
		Extensions: map[string]any{
			"code":     CodeDepthLimit,
			"depth":    n,
			"maxDepth": d.max,
		},
	}
}

// depthOf is the number of fields on the longest path down set.
func depthOf(set ast.SelectionSet) int {
	deepest := 0
	for _, f := range fieldsOf(set) {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		deepest = max(deepest, 1+depthOf(f.SelectionSet))
	}
	return deepest
}

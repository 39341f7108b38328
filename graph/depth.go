package graph

import (
	"context"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodeDepthLimit is the extensions.code of an operation refused for its
// nesting depth.
const CodeDepthLimit = "DEPTH_LIMIT_EXCEEDED"

// depthLimit refuses operations whose fields nest deeper than max.
// Introspection fields (__schema, __type) and what they hold count against
// maxIntrospection instead: an introspection query nests deeper than data
// queries (GraphiQL's reaches 15), but an ofType chain must still end.
//
// documentLimits measures the same before validation; this check, on the
// validated operation, is its backstop.
type depthLimit struct {
	max              int
	maxIntrospection int
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
	s := depthOf(opCtx.Doc, opCtx.Operation)
	if s.depth > d.max {
		return depthError(s.depth, d.max, false)
	}
	if s.introspectionDepth > d.maxIntrospection {
		return depthError(s.introspectionDepth, d.maxIntrospection, true)
	}
	return nil
}

// depthOf sizes op, each of doc's fragments once: linear in the size of
// the document however often its fragments are spread.
func depthOf(doc *ast.QueryDocument, op *ast.OperationDefinition) setSize {
	return newMeasurer(doc).set(op.SelectionSet)
}

// depthError is the refusal of an operation nested n levels deep.
func depthError(n, limit int, introspection bool) *gqlerror.Error {
	what := "the query"
	ext := map[string]any{"code": CodeDepthLimit, "depth": n, "maxDepth": limit}
	if introspection {
		what = "the introspection query"
		ext["introspection"] = true
	}
	return &gqlerror.Error{
		Message:    what + " nests " + strconv.Itoa(n) + " levels deep, over the limit of " + strconv.Itoa(limit),
		Extensions: ext,
	}
}

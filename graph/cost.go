package graph

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/sailgraph/sailgraph/graph/resolvers"
	"github.com/sailgraph/sailgraph/record"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// The cost limit estimates how many upstream calls an operation will make
// and refuses it before it runs when that is over the budget. The model is
// in the schema: a field's @cost directive says how many calls it makes and
// whether it is a connection, whose selection then counts once per item of
// its `first` argument (list sizes times nested fields).
//
// gqlgen's extension.FixedComplexityLimit cannot count this: its walker
// floors every object field at 1, so `identities(first: 1000) { nodes { id } }`
// would cost 1000 though it makes 4 upstream calls.

// CodeCostLimit is the extensions.code of an operation refused for its cost.
const CodeCostLimit = "COST_LIMIT_EXCEEDED"

// upstreamPageSize is the most items one upstream list call returns.
const upstreamPageSize = op.MaxPageSize

// fieldCost is a field's @cost directive.
type fieldCost struct {
	calls int
	paged bool
	group string
}

// costModel holds the @cost of every field that has one, by "Type.field".
type costModel struct {
	fields map[string]fieldCost
}

// newCostModel reads the @cost directives of schema.
func newCostModel(schema *ast.Schema) costModel {
	m := costModel{fields: map[string]fieldCost{}}
	for _, def := range schema.Types {
		for _, f := range def.Fields {
			d := f.Directives.ForName("cost")
			if d == nil {
				continue
			}
			fc := fieldCost{calls: 1}
			for _, a := range d.Arguments {
				switch a.Name {
				case "calls":
					if n, err := strconv.Atoi(a.Value.Raw); err == nil {
						fc.calls = max(n, 0) // the sums saturate and must only grow
					}
				case "paged":
					fc.paged = a.Value.Raw == "true"
				case "group":
					fc.group = a.Value.Raw
				}
			}
			m.fields[def.Name+"."+f.Name] = fc
		}
	}
	return m
}

// estimate returns the upstream calls op is expected to make. Each
// fragment is costed once and its cost reused wherever it is spread, so the
// estimate is linear in the size of the document.
func (m costModel) estimate(op *ast.OperationDefinition, vars map[string]any) int {
	w := costWalk{model: m, vars: vars, frags: map[*ast.FragmentDefinition]costSum{}}
	return w.set(op.SelectionSet).total()
}

// costSum is the cost of the fields of one selection set, fragments
// inlined: the calls of its ungrouped fields (children included), and the
// groups it uses, which are paid once per selection set however many of
// their fields are selected (the calls of a group's first field count).
type costSum struct {
	calls  int
	groups []groupCalls // in the order they are first selected
}

type groupCalls struct {
	group string
	calls int
}

func (s *costSum) addGroup(group string, calls int) {
	for _, g := range s.groups {
		if g.group == group {
			return
		}
	}
	s.groups = append(s.groups, groupCalls{group, calls})
}

// add merges o, a fragment's selection inlined at the same level.
func (s *costSum) add(o costSum) {
	s.calls = satAdd(s.calls, o.calls)
	for _, g := range o.groups {
		s.addGroup(g.group, g.calls)
	}
}

func (s costSum) total() int {
	t := s.calls
	for _, g := range s.groups {
		t = satAdd(t, g.calls)
	}
	return t
}

// costWalk costs one operation, each fragment once. A fragment spread
// inside itself costs nothing there (validation refuses such documents).
type costWalk struct {
	model costModel
	vars  map[string]any
	frags map[*ast.FragmentDefinition]costSum // zero while being costed
}

func (w *costWalk) set(set ast.SelectionSet) costSum {
	var s costSum
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			w.field(&s, sel)
		case *ast.InlineFragment:
			// Fragments on different types of one interface are all
			// counted: the estimate takes the dearest case.
			s.add(w.set(sel.SelectionSet))
		case *ast.FragmentSpread:
			if sel.Definition != nil {
				s.add(w.fragment(sel.Definition))
			}
		}
	}
	return s
}

func (w *costWalk) fragment(def *ast.FragmentDefinition) costSum {
	if s, seen := w.frags[def]; seen {
		return s
	}
	w.frags[def] = costSum{}
	s := w.set(def.SelectionSet)
	w.frags[def] = s
	return s
}

func (w *costWalk) field(s *costSum, f *ast.Field) {
	if strings.HasPrefix(f.Name, "__") {
		return
	}
	child := w.set(f.SelectionSet).total()
	var fc fieldCost
	ok := false
	if f.ObjectDefinition != nil {
		fc, ok = w.model.fields[f.ObjectDefinition.Name+"."+f.Name]
	}
	switch {
	case !ok:
		s.calls = satAdd(s.calls, child)
	case fc.paged:
		n := firstArg(f, w.vars)
		pages := max(1, (n+upstreamPageSize-1)/upstreamPageSize)
		s.calls = satAdd(s.calls, satAdd(satMul(pages, fc.calls), satMul(n, child)))
	case fc.group != "":
		s.addGroup(fc.group, fc.calls)
		s.calls = satAdd(s.calls, child)
	default:
		s.calls = satAdd(s.calls, satAdd(fc.calls, child))
	}
}

// firstArg is a connection's page size as its resolver will see it,
// clamped to the allowed range so that an out-of-range `first` gets its own
// BAD_USER_INPUT error from the resolver rather than a cost error.
func firstArg(f *ast.Field, vars map[string]any) int {
	n := float64(resolvers.DefaultFirst)
	switch v := f.ArgumentMap(vars)["first"].(type) {
	case int:
		n = float64(v)
	case int64:
		n = float64(v)
	case float64: // a variable decoded without UseNumber
		n = v
	case json.Number:
		if x, err := v.Float64(); err == nil {
			n = x
		}
	}
	return int(min(max(n, 0), resolvers.MaxFirst))
}

const costCap = math.MaxInt32

func satAdd(a, b int) int { return min(a+b, costCap) }

func satMul(a, b int) int {
	if a != 0 && b > costCap/a {
		return costCap
	}
	return min(a*b, costCap)
}

// costLimit is the gqlgen extension that applies the model.
type costLimit struct {
	model costModel
	max   int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = (*costLimit)(nil)

// ExtensionName names the extension for gqlgen.
func (*costLimit) ExtensionName() string { return "CostLimit" }

// Validate reads the model from the schema.
func (c *costLimit) Validate(es graphql.ExecutableSchema) error {
	c.model = newCostModel(es.Schema())
	return nil
}

// MutateOperationContext estimates the operation and refuses it when it is
// over the budget.
func (c *costLimit) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	est := c.model.estimate(opCtx.Operation, opCtx.Variables)
	record.From(ctx).SetEstimatedCost(est) // what access.FairShare spends
	if est <= c.max {
		return nil
	}
	return &gqlerror.Error{
		Message: "the query would make about " + strconv.Itoa(est) + " upstream calls, over the limit of " +
			strconv.Itoa(c.max) + "; ask for smaller pages or fewer nested connections",
		Extensions: map[string]any{
			"code":                   CodeCostLimit,
			"estimatedUpstreamCalls": est,
			"maxUpstreamCalls":       c.max,
		},
	}
}

package graph

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// The fuzz targets run their seed corpora (testdata/fuzz/<Fuzz…>/) with
// every `go test`. To search further:
//
//	go test -run x -fuzz FuzzDocumentLimits -fuzztime 60s ./graph/
//	go test -run x -fuzz FuzzCost -fuzztime 60s ./graph/

// fuzzLimits are small, so that the fuzzer reaches each of them with short
// documents.
var fuzzLimits = documentLimits{
	maxTokens: 400, maxAliases: 4, maxRootFields: 4, maxSelectionFields: 8,
	maxDepth: 5, maxIntrospectionDepth: 6, maxFields: 64,
}

// FuzzDocumentLimits checks the measure on arbitrary text: it never
// panics, its work stays linear in the length of the text, and what it
// accepts really is within the limits, by a naive expansion of the
// document.
func FuzzDocumentLimits(f *testing.F) {
	f.Fuzz(func(t *testing.T, query, operationName string) {
		for _, lim := range []documentLimits{fuzzLimits, defaultLimits()} {
			size, err := lim.measure(query, operationName)
			// Linear in the text, plus the merge walk, which visits each
			// expanded field once and stops after lim.maxFields.
			if bound := 6*len(query) + lim.maxFields + 8; size.steps > bound {
				t.Fatalf("the measure took %d steps on %d bytes (bound %d)", size.steps, len(query), bound)
			}
			if err != nil {
				if code, _ := err.Extensions["code"].(string); !isLimitCode(code) || len(err.Extensions) < 3 {
					t.Fatalf("refusal without a limit code, value and limit: %+v", err)
				}
				continue
			}
			if size.tokens > lim.maxTokens {
				t.Fatalf("accepted %d tokens over a limit of %d", size.tokens, lim.maxTokens)
			}
			doc, perr := parser.ParseQuery(&ast.Source{Input: query})
			if perr != nil {
				continue // left to gqlgen's parser
			}
			want := naiveMeasure(doc, operationName, 1<<16)
			if want.fields > lim.maxFields {
				t.Fatalf("accepted a document that expands to at least %d fields, over %d", want.fields, lim.maxFields)
			}
			if want.cyclic || want.overBudget {
				continue // the naive expansion is not the reference here
			}
			got := size
			got.tokens, got.steps = 0, 0
			if got != want.docSize {
				t.Fatalf("measure %+v, naive expansion %+v", got, want.docSize)
			}
			// Once in the query cache, the document is measured by its
			// operation alone, on the parsed document: the same figures.
			p, lerr := lim.measureParsed(doc, operationName)
			if lerr != nil || p.aliases != got.aliases || p.rootFields != got.rootFields ||
				p.depth != got.depth || p.introspectionDepth != got.introspectionDepth {
				t.Fatalf("measure of the parsed operation %+v (%v), of the text %+v", p, lerr, got)
			}
			if got.aliases > lim.maxAliases || got.rootFields > lim.maxRootFields || got.widest > lim.maxSelectionFields ||
				got.depth > lim.maxDepth || got.introspectionDepth > lim.maxIntrospectionDepth {
				t.Fatalf("accepted %+v over %+v", got, lim)
			}
		}
	})
}

// naiveSize is a document's size by plain expansion of its fragments.
type naiveSize struct {
	docSize
	cyclic     bool // a fragment spreads itself: the expansion is cut there
	overBudget bool // the expansion stopped after budget visits
}

// naiveMeasure expands doc's fragments wherever they are spread, as
// validation and execution would, and sizes the result the way measure
// defines it: every operation, and then every fragment not expanded so
// far, in document order; the widest set is the widest merged set.
func naiveMeasure(doc *ast.QueryDocument, operationName string, budget int) naiveSize {
	var out naiveSize
	byName := map[string]*ast.FragmentDefinition{}
	for _, def := range doc.Fragments {
		if _, dup := byName[def.Name]; !dup {
			byName[def.Name] = def
		}
	}
	reached := map[*ast.FragmentDefinition]bool{}
	onStack := map[*ast.FragmentDefinition]bool{}
	visits := 0

	// flatten lists the fields of set with its fragments inlined.
	var flatten func(set ast.SelectionSet, into []*ast.Field) []*ast.Field
	flatten = func(set ast.SelectionSet, into []*ast.Field) []*ast.Field {
		for _, sel := range set {
			if visits++; visits > budget {
				out.overBudget = true
				return into
			}
			switch sel := sel.(type) {
			case *ast.Field:
				into = append(into, sel)
			case *ast.InlineFragment:
				into = flatten(sel.SelectionSet, into)
			case *ast.FragmentSpread:
				def := byName[sel.Name]
				switch {
				case def == nil:
				case onStack[def]:
					out.cyclic = true
				default:
					reached[def] = true
					onStack[def] = true
					into = flatten(def.SelectionSet, into)
					delete(onStack, def)
				}
			}
		}
		return into
	}
	var walk func(set ast.SelectionSet) setSize
	walk = func(set ast.SelectionSet) setSize {
		var s setSize
		fields := flatten(set, nil)
		s.width = len(fields)
		out.widest = max(out.widest, s.width)
		for _, f := range fields {
			if out.overBudget {
				break
			}
			out.fields++ // every field visited, for a lower bound when over budget
			c := walk(f.SelectionSet)
			s.fields += 1 + c.fields
			s.aliases += c.aliases
			if f.Alias != f.Name {
				s.aliases++
			}
			s.allDepth = max(s.allDepth, 1+c.allDepth)
			if strings.HasPrefix(f.Name, "__") {
				s.introspectionDepth = max(s.introspectionDepth, 1+c.allDepth)
			} else {
				s.depth = max(s.depth, 1+c.depth)
				s.introspectionDepth = max(s.introspectionDepth, c.introspectionDepth)
			}
		}
		return s
	}
	// merged walks the sets execution merges: the fields of one response
	// name under one parent, their selection sets taken as one.
	var merged func(set []*ast.Field)
	merged = func(set []*ast.Field) {
		out.widest = max(out.widest, len(set))
		byName := map[string][]*ast.Field{}
		var names []string
		for _, f := range set {
			if f.SelectionSet == nil || out.overBudget {
				continue
			}
			if _, seen := byName[f.Alias]; !seen {
				names = append(names, f.Alias)
			}
			byName[f.Alias] = flatten(f.SelectionSet, byName[f.Alias])
		}
		for _, name := range names {
			merged(byName[name])
		}
	}
	op := doc.Operations.ForName(operationName)
	total := 0
	var roots []ast.SelectionSet
	for _, o := range doc.Operations {
		roots = append(roots, o.SelectionSet)
		s := walk(o.SelectionSet)
		total += s.fields
		if o == op {
			out.rootFields, out.aliases, out.depth, out.introspectionDepth = s.width, s.aliases, s.depth, s.introspectionDepth
		}
	}
	for _, def := range doc.Fragments {
		if !reached[def] {
			reached[def] = true
			roots = append(roots, def.SelectionSet)
			total += walk(def.SelectionSet).fields
		}
	}
	for _, set := range roots {
		merged(flatten(set, nil))
	}
	if !out.overBudget {
		out.fields = total
	}
	return out
}

// FuzzCost checks the cost estimate on every valid document the fuzzer
// finds (small enough to expand): it never panics, it equals the plain
// expansion of the fragments, and it never falls when a field is selected
// once more.
func FuzzCost(f *testing.F) {
	schema := testSchema()
	model := newCostModel(schema)
	small := fuzzLimits
	small.maxTokens, small.maxFields, small.maxSelectionFields, small.maxAliases, small.maxDepth = 2000, 500, 50, 20, 12
	f.Fuzz(func(t *testing.T, query string) {
		if doc, err := parser.ParseQuery(&ast.Source{Input: query}); err == nil {
			for _, op := range doc.Operations { // unvalidated: no types, no fragment links
				model.estimate(op, nil)
			}
		}
		if _, err := small.measure(query, ""); err != nil {
			return
		}
		doc, errs := gqlparser.LoadQueryWithRules(schema, query, nil)
		if errs != nil {
			return
		}
		for _, op := range doc.Operations {
			got := model.estimate(op, nil)
			if want := naiveEstimate(model, op.SelectionSet, nil); got != want {
				t.Fatalf("estimate %d, naive expansion %d", got, want)
			}
			eachSelectionSet(doc, func(set *ast.SelectionSet) {
				for i, sel := range *set {
					f, ok := sel.(*ast.Field)
					if !ok {
						continue
					}
					saved := *set
					*set = append(append(saved[:i:i], f), saved[i:]...) // f selected twice
					more := model.estimate(op, nil)
					*set = saved
					if more < got {
						t.Fatalf("selecting %s once more lowered the estimate from %d to %d", f.Name, got, more)
					}
				}
			})
		}
	})
}

// eachSelectionSet calls fn on every selection set of doc.
func eachSelectionSet(doc *ast.QueryDocument, fn func(*ast.SelectionSet)) {
	var walk func(set *ast.SelectionSet)
	walk = func(set *ast.SelectionSet) {
		fn(set)
		for _, sel := range *set {
			switch sel := sel.(type) {
			case *ast.Field:
				if len(sel.SelectionSet) > 0 {
					walk(&sel.SelectionSet)
				}
			case *ast.InlineFragment:
				walk(&sel.SelectionSet)
			}
		}
	}
	for _, op := range doc.Operations {
		walk(&op.SelectionSet)
	}
	for _, def := range doc.Fragments {
		walk(&def.SelectionSet)
	}
}

// naiveEstimate is the cost model applied to the plain expansion of the
// fragments: each spread costed anew, groups paid once per selection set.
func naiveEstimate(m costModel, set ast.SelectionSet, vars map[string]any) int {
	total := 0
	grouped := map[string]bool{}
	for _, f := range naiveFields(set) {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		child := naiveEstimate(m, f.SelectionSet, vars)
		fc, ok := m.fields[f.ObjectDefinition.Name+"."+f.Name]
		switch {
		case !ok:
			total = satAdd(total, child)
		case fc.paged:
			n := firstArg(f, vars)
			pages := max(1, (n+upstreamPageSize-1)/upstreamPageSize)
			total = satAdd(total, satAdd(satMul(pages, fc.calls), satMul(n, child)))
		case fc.group != "":
			if !grouped[fc.group] {
				grouped[fc.group] = true
				total = satAdd(total, fc.calls)
			}
			total = satAdd(total, child)
		default:
			total = satAdd(total, satAdd(fc.calls, child))
		}
	}
	return total
}

// naiveFields flattens a selection set's fields, following fragments.
func naiveFields(set ast.SelectionSet) []*ast.Field {
	var out []*ast.Field
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			out = append(out, s)
		case *ast.InlineFragment:
			out = append(out, naiveFields(s.SelectionSet)...)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				out = append(out, naiveFields(s.Definition.SelectionSet)...)
			}
		}
	}
	return out
}

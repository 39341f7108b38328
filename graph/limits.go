package graph

import (
	"context"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"
)

// The document limits measure a query's text before gqlgen parses and
// validates it, and refuse it when it is too big for what validation,
// gqlgen's complexity walk and execution would do with it. Validation is
// where an abusive document costs most: overlapping field checks are
// quadratic in the fields of one (merged) selection set, and a fragment
// spread twice in each of 30 fragments expands to 2^30 fields, which
// gqlgen walked for minutes after the caller had gone.
//
// The measure counts every fragment once: a fragment's size is computed the
// first time it is spread and multiplied by its uses after that (with
// saturating arithmetic), so an exponential document is refused in the time
// it takes to read it. Its work is linear in the length of the text, plus
// at most MaxComplexity steps for the merged selection sets, which it walks
// only once the expansion is known to be within that limit.
//
// A document gqlgen has parsed and validated before (its query cache holds
// it) passed these limits then: only the figures of the operation asked
// for are measured again, on the parsed document, and the text is not
// read twice.

// The extensions.code of a document refused by a limit. Expansion uses the
// code gqlgen's complexity limit uses.
const (
	CodeTokenLimit      = "TOKEN_LIMIT_EXCEEDED"
	CodeAliasLimit      = "ALIAS_LIMIT_EXCEEDED"
	CodeRootFieldLimit  = "ROOT_FIELD_LIMIT_EXCEEDED"
	CodeSelectionLimit  = "SELECTION_LIMIT_EXCEEDED"
	CodeDepthLimit      = "DEPTH_LIMIT_EXCEEDED"
	CodeComplexityLimit = "COMPLEXITY_LIMIT_EXCEEDED"
)

// isLimitCode reports whether code is that of a refusal by policy: the
// request is well-formed but too big to serve, so it is a 400 whatever the
// response's media type (see writeRequestError).
func isLimitCode(code string) bool {
	switch code {
	case CodeTokenLimit, CodeAliasLimit, CodeRootFieldLimit, CodeSelectionLimit,
		CodeDepthLimit, CodeComplexityLimit, CodeCostLimit:
		return true
	}
	return false
}

// refusedByLimit reports whether errs hold a refusal by one of the limits.
func refusedByLimit(errs gqlerror.List) bool {
	for _, e := range errs {
		if code, _ := e.Extensions["code"].(string); isLimitCode(code) {
			return true
		}
	}
	return false
}

// documentLimits is the gqlgen extension that measures the query text. It
// must be added after extension.AutomaticPersistedQuery, which fills in the
// text of a query sent by its hash.
type documentLimits struct {
	// parsed is gqlgen's query cache (nil: none): it holds only documents
	// that have passed the limits, parsed and validated.
	parsed graphql.Cache[*ast.QueryDocument]

	maxTokens             int // lexical tokens, comments not counted
	maxAliases            int // aliased fields of the operation, fragments expanded
	maxRootFields         int // fields of the operation's root selection set, fragments inlined
	maxSelectionFields    int // fields of any one selection set, fragments inlined
	maxDepth              int // nesting of the operation's fields, introspection aside
	maxIntrospectionDepth int // nesting from an introspection field (__schema, __type) down
	maxFields             int // fields of the whole document, fragments expanded
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = documentLimits{}

// ExtensionName names the extension for gqlgen.
func (documentLimits) ExtensionName() string { return "DocumentLimits" }

// Validate accepts every schema.
func (documentLimits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters measures the query and refuses it when it is
// over a limit. A query that does not lex or parse is let through: gqlgen's
// parser reports it with its own code.
func (l documentLimits) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	if l.parsed != nil {
		if doc, ok := l.parsed.Get(ctx, raw.Query); ok {
			_, err := l.measureParsed(doc, raw.OperationName)
			return err
		}
	}
	_, err := l.measure(raw.Query, raw.OperationName)
	return err
}

// docSize is what measure found. The operation's figures are zero when
// the operation to run cannot be told (gqlgen then refuses the request).
type docSize struct {
	tokens             int // up to maxTokens+1: counting stops there
	fields             int // the whole document's fields, fragments expanded
	widest             int // the most fields in one selection set, fragments inlined (and merged, once measured)
	rootFields         int // the operation's
	aliases            int // the operation's
	depth              int // the operation's
	introspectionDepth int // the operation's

	// steps counts the measure's units of work (tokens read, definitions
	// and selections visited), so that a test can hold it to the length of
	// the query.
	steps int
}

// measure sizes query and returns the first limit it is over, in this
// order: tokens, aliases, root fields, selection fields, depth,
// introspection depth, expanded fields, and last the fields of merged
// selection sets.
func (l documentLimits) measure(query, operationName string) (size docSize, _ *gqlerror.Error) {
	// Count tokens before parsing, so that a huge document is not turned
	// into a huge tree first.
	lex := lexer.New(&ast.Source{Input: query})
	for size.tokens <= l.maxTokens {
		size.steps++
		tok, err := lex.ReadToken()
		if err != nil {
			return size, nil
		}
		if tok.Kind == lexer.EOF {
			break
		}
		if tok.Kind != lexer.Comment {
			size.tokens++
		}
	}
	if size.tokens > l.maxTokens {
		return size, limitError(CodeTokenLimit,
			"the document has more than "+strconv.Itoa(l.maxTokens)+" tokens; send a smaller document",
			"tokens", size.tokens, "maxTokens", l.maxTokens)
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return size, nil
	}

	m := newMeasurer(doc)
	op := doc.Operations.ForName(operationName)
	var roots []ast.SelectionSet // what validation walks: operations, and unused fragments
	for _, o := range doc.Operations {
		m.steps++
		roots = append(roots, o.SelectionSet)
		s := m.set(o.SelectionSet)
		size.fields = satAdd(size.fields, s.fields)
		if o == op {
			size.operation(s)
		}
	}
	// Validation reads fragments that no operation spreads too (before it
	// refuses them), so they count on their own.
	for _, def := range doc.Fragments {
		m.steps++
		if _, reached := m.frags[def]; !reached {
			roots = append(roots, def.SelectionSet)
			size.fields = satAdd(size.fields, m.fragment(def).fields)
		}
	}
	size.widest = m.widest
	defer func() { size.steps += m.steps }() // m counts the merge walk's steps too
	if err := l.check(size); err != nil {
		return size, err
	}

	// Fields with one response name are merged into one response field,
	// their selection sets into one: validation compares every pair of
	// fields in a merged set, so 70 `accessItems { nodes { id ×68 } }`
	// make 11 million comparisons, though no set of the text holds more
	// than 70 fields. Now that the document is known to expand to at most
	// maxFields fields, the merged sets can be walked: the walk meets
	// each expanded field once, unless fragments nest inside themselves
	// (a cycle through a field), and it stops there.
	w := mergeWalk{measurer: m, budget: l.maxFields}
	for _, set := range roots {
		w.merged(w.flatSet(set, nil))
	}
	if w.budget < 0 {
		return size, limitError(CodeComplexityLimit,
			"the document's fragments nest inside themselves and expand without end, over the limit of "+
				strconv.Itoa(l.maxFields)+" fields",
			"complexity", l.maxFields+1, "maxComplexity", l.maxFields)
	}
	size.widest = max(size.widest, w.widest)
	if size.widest > l.maxSelectionFields {
		return size, selectionError(size.widest, l.maxSelectionFields)
	}
	return size, nil
}

// measureParsed sizes the operation of doc, a document from gqlgen's query
// cache. Its other figures passed the limits when it was first measured;
// its operation's may not have, when another operation was asked for then.
func (l documentLimits) measureParsed(doc *ast.QueryDocument, operationName string) (size docSize, _ *gqlerror.Error) {
	if op := doc.Operations.ForName(operationName); op != nil {
		m := newMeasurer(doc)
		size.operation(m.set(op.SelectionSet))
		size.steps = m.steps
	}
	return size, l.check(size)
}

// operation records the figures of the operation to run, whose selection
// set measures s.
func (size *docSize) operation(s setSize) {
	size.rootFields = s.width
	size.aliases = s.aliases
	size.depth = s.depth
	size.introspectionDepth = s.introspectionDepth
}

// check returns the first limit size is over, merged selection sets aside.
func (l documentLimits) check(size docSize) *gqlerror.Error {
	switch {
	case size.aliases > l.maxAliases:
		return limitError(CodeAliasLimit,
			"the operation has "+strconv.Itoa(size.aliases)+" aliased fields, fragments expanded, over the limit of "+
				strconv.Itoa(l.maxAliases)+"; send several requests instead",
			"aliases", size.aliases, "maxAliases", l.maxAliases)
	case size.rootFields > l.maxRootFields:
		return limitError(CodeRootFieldLimit,
			"the operation selects "+strconv.Itoa(size.rootFields)+" root fields, over the limit of "+
				strconv.Itoa(l.maxRootFields)+"; send several requests instead",
			"rootFields", size.rootFields, "maxRootFields", l.maxRootFields)
	case size.widest > l.maxSelectionFields:
		return selectionError(size.widest, l.maxSelectionFields)
	case size.depth > l.maxDepth:
		return depthError(size.depth, l.maxDepth, false)
	case size.introspectionDepth > l.maxIntrospectionDepth:
		return depthError(size.introspectionDepth, l.maxIntrospectionDepth, true)
	case size.fields > l.maxFields:
		return complexityError(size.fields, l.maxFields)
	}
	return nil
}

func complexityError(n, limit int) *gqlerror.Error {
	return limitError(CodeComplexityLimit,
		"the document expands to "+strconv.Itoa(n)+" fields once its fragments are inlined, over the limit of "+
			strconv.Itoa(limit)+"; select fewer fields",
		"complexity", n, "maxComplexity", limit)
}

func selectionError(n, limit int) *gqlerror.Error {
	return limitError(CodeSelectionLimit,
		"a selection set holds "+strconv.Itoa(n)+" fields once its fragments are inlined and fields of one name merged, over the limit of "+
			strconv.Itoa(limit)+"; select each field once",
		"selectionFields", n, "maxSelectionFields", limit)
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

// limitError is a refusal with its code, the measured value and the limit.
func limitError(code, msg, measured string, value int, limitName string, limit int) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    msg,
		Extensions: map[string]any{"code": code, measured: value, limitName: limit},
	}
}

// setSize is the size of one selection set, with the fragments it spreads
// expanded. Every count saturates at costCap.
type setSize struct {
	width              int // fields at this level, fragments at this level inlined
	fields             int // fields in the set and below
	aliases            int // aliased fields in the set and below
	depth              int // longest path of fields, introspection fields and what they hold aside
	introspectionDepth int // longest path from an introspection field down
	allDepth           int // longest path of fields, whatever their names
}

// add merges o, a selection set inlined at the same level (a fragment).
func (s *setSize) add(o setSize) {
	s.width = satAdd(s.width, o.width)
	s.fields = satAdd(s.fields, o.fields)
	s.aliases = satAdd(s.aliases, o.aliases)
	s.depth = max(s.depth, o.depth)
	s.introspectionDepth = max(s.introspectionDepth, o.introspectionDepth)
	s.allDepth = max(s.allDepth, o.allDepth)
}

// measurer sizes the selection sets of one document. Each fragment is
// sized once: a fragment spread inside itself (a cycle) or an unknown one
// counts as empty, and validation refuses the document afterwards.
type measurer struct {
	byName map[string]*ast.FragmentDefinition
	frags  map[*ast.FragmentDefinition]setSize // zero while being sized
	widest int
	steps  int
}

func newMeasurer(doc *ast.QueryDocument) *measurer {
	m := &measurer{
		byName: make(map[string]*ast.FragmentDefinition, len(doc.Fragments)),
		frags:  make(map[*ast.FragmentDefinition]setSize, len(doc.Fragments)),
	}
	for _, def := range doc.Fragments {
		if _, dup := m.byName[def.Name]; !dup { // validation refuses duplicates
			m.byName[def.Name] = def
		}
	}
	return m
}

// set sizes one selection set.
func (m *measurer) set(set ast.SelectionSet) setSize {
	var s setSize
	for _, sel := range set {
		m.steps++
		switch sel := sel.(type) {
		case *ast.Field:
			child := m.set(sel.SelectionSet)
			s.width = satAdd(s.width, 1)
			s.fields = satAdd(s.fields, satAdd(1, child.fields))
			s.aliases = satAdd(s.aliases, child.aliases)
			if sel.Alias != "" && sel.Alias != sel.Name {
				s.aliases = satAdd(s.aliases, 1)
			}
			s.allDepth = max(s.allDepth, 1+child.allDepth)
			if isIntrospection(sel.Name) {
				s.introspectionDepth = max(s.introspectionDepth, 1+child.allDepth)
			} else {
				s.depth = max(s.depth, 1+child.depth)
				s.introspectionDepth = max(s.introspectionDepth, child.introspectionDepth)
			}
		case *ast.InlineFragment:
			s.add(m.set(sel.SelectionSet))
		case *ast.FragmentSpread:
			def := sel.Definition
			if def == nil {
				def = m.byName[sel.Name]
			}
			if def != nil {
				s.add(m.fragment(def))
			}
		}
	}
	m.widest = max(m.widest, s.width)
	return s
}

// fragment sizes a fragment definition the first time and remembers it.
func (m *measurer) fragment(def *ast.FragmentDefinition) setSize {
	if s, seen := m.frags[def]; seen {
		return s // zero while the fragment is being sized: a cycle
	}
	m.frags[def] = setSize{}
	s := m.set(def.SelectionSet)
	m.frags[def] = s
	return s
}

// isIntrospection reports whether a field belongs to introspection
// (__schema, __type and __typename): such fields, and everything below
// them, are measured against the introspection depth instead.
func isIntrospection(name string) bool { return strings.HasPrefix(name, "__") }

// mergeWalk walks the merged selection sets of a document whose expansion
// is known to be small: the fields that execution merges into one
// response field (same response name, same parent) are taken together,
// and their selection sets are one set. A field's selection set and a
// fragment's are flattened once each.
type mergeWalk struct {
	*measurer
	budget int // fields left to visit; negative once over
	widest int
	fields map[*ast.Field][]*ast.Field
	frags  map[*ast.FragmentDefinition][]*ast.Field // nil while being flattened
}

// merged walks the merged set whose fields are set, then the merged sets
// below it, one per response name.
func (w *mergeWalk) merged(set []*ast.Field) {
	w.widest = max(w.widest, len(set))
	if w.budget -= len(set); w.budget < 0 {
		return
	}
	if len(set) == 0 {
		return
	}
	byName := make(map[string][]*ast.Field, len(set))
	var names []string // in order, so that a cycle stops the walk where the budget says
	for _, f := range set {
		w.steps++
		if f.SelectionSet == nil {
			continue
		}
		if _, seen := byName[f.Alias]; !seen {
			names = append(names, f.Alias)
		}
		byName[f.Alias] = append(byName[f.Alias], w.children(f)...)
	}
	for _, name := range names {
		if w.merged(byName[name]); w.budget < 0 {
			return
		}
	}
}

// children flattens a field's selection set, once.
func (w *mergeWalk) children(f *ast.Field) []*ast.Field {
	if out, done := w.fields[f]; done {
		return out
	}
	if w.fields == nil {
		w.fields = map[*ast.Field][]*ast.Field{}
	}
	out := w.flatSet(f.SelectionSet, nil)
	w.fields[f] = out
	return out
}

// flatSet appends the fields of set, fragments inlined, to into.
func (w *mergeWalk) flatSet(set ast.SelectionSet, into []*ast.Field) []*ast.Field {
	for _, sel := range set {
		w.steps++
		switch sel := sel.(type) {
		case *ast.Field:
			into = append(into, sel)
		case *ast.InlineFragment:
			into = w.flatSet(sel.SelectionSet, into)
		case *ast.FragmentSpread:
			def := sel.Definition
			if def == nil {
				def = w.byName[sel.Name]
			}
			if def != nil {
				into = append(into, w.flatFragment(def)...)
			}
		}
	}
	return into
}

func (w *mergeWalk) flatFragment(def *ast.FragmentDefinition) []*ast.Field {
	if out, seen := w.frags[def]; seen {
		return out // nil while being flattened: a cycle
	}
	if w.frags == nil {
		w.frags = map[*ast.FragmentDefinition][]*ast.Field{}
	}
	w.frags[def] = nil
	out := w.flatSet(def.SelectionSet, nil)
	w.frags[def] = out
	return out
}

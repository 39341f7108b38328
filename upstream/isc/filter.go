package isc

import (
	"slices"
	"strconv"
	"strings"
)

// Op is an operator of SailPoint's filter grammar.
type Op string

// The operators the typed operations document.
const (
	OpEq     Op = "eq"
	OpIn     Op = "in"
	OpIsNull Op = "isnull"
)

// ValueKind is the type of a filterable field's values.
type ValueKind uint8

// Value kinds.
const (
	StringValue ValueKind = iota + 1
	BoolValue
)

// Value is one literal of a filter expression; make it with Str or Bool.
type Value struct {
	lit  string
	raw  string
	kind ValueKind
}

// Text is the value itself, unquoted: what the tenant compares with. A
// client that evaluates a filter itself (the v1 access items, which the
// tenant can no longer filter) reads it.
func (v Value) Text() string { return v.raw }

// Kind is the value's type.
func (v Value) Kind() ValueKind { return v.kind }

// Str is a string literal, quoted and escaped as the grammar wants.
func Str(s string) Value {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return Value{lit: b.String(), raw: s, kind: StringValue}
}

// Bool is a boolean literal.
func Bool(v bool) Value {
	s := strconv.FormatBool(v)
	return Value{lit: s, raw: s, kind: BoolValue}
}

// Term is one comparison on a field of type F. Each operation's package
// declares F, so a field of one operation cannot be used on another.
type Term[F ~string] struct {
	Field  F
	Op     Op
	Values []Value
}

// Eq is `field eq value`.
func Eq[F ~string](field F, v Value) Term[F] {
	return Term[F]{Field: field, Op: OpEq, Values: []Value{v}}
}

// In is `field in (v1, v2, ...)`.
func In[F ~string](field F, vs ...Value) Term[F] { return Term[F]{Field: field, Op: OpIn, Values: vs} }

// IsNull is `field isnull`.
func IsNull[F ~string](field F) Term[F] { return Term[F]{Field: field, Op: OpIsNull} }

// Filter is a conjunction of terms, SailPoint's `a and b`. The empty
// Filter selects everything and is not sent.
type Filter[F ~string] []Term[F]

// And joins terms into a Filter.
func And[F ~string](terms ...Term[F]) Filter[F] { return Filter[F](terms) }

// FieldSpec is what an operation's spec documents for one filterable
// field: the type of its values and its operators.
type FieldSpec struct {
	Kind ValueKind
	Ops  []Op
}

// Encode checks f against the fields an operation documents and renders it
// for the filters parameter; "" for an empty Filter. Anything the spec does
// not document is an *ArgumentError, before any upstream call.
func (f Filter[F]) Encode(spec map[F]FieldSpec) (string, error) {
	var b strings.Builder
	for i, t := range f {
		fs, ok := spec[t.Field]
		if !ok {
			return "", Invalid("filters", "filtering on %q is not supported (supported: %s)", t.Field, fieldNames(spec))
		}
		if !slices.Contains(fs.Ops, t.Op) {
			return "", Invalid("filters", "operator %q is not supported on %q", t.Op, t.Field)
		}
		if err := t.checkValues(fs.Kind); err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteString(" and ")
		}
		t.render(&b)
	}
	return b.String(), nil
}

func (t Term[F]) checkValues(kind ValueKind) error {
	switch n := len(t.Values); {
	case t.Op == OpEq && n != 1:
		return Invalid("filters", "%s eq takes one value, got %d", t.Field, n)
	case t.Op == OpIn && n == 0:
		return Invalid("filters", "%s in takes at least one value", t.Field)
	case t.Op == OpIsNull && n != 0:
		return Invalid("filters", "%s isnull takes no value", t.Field)
	}
	for _, v := range t.Values {
		if v.kind != kind {
			return Invalid("filters", "%s takes %s values", t.Field, kind)
		}
	}
	return nil
}

func (t Term[F]) render(b *strings.Builder) {
	b.WriteString(string(t.Field))
	b.WriteByte(' ')
	b.WriteString(string(t.Op))
	switch t.Op {
	case OpEq:
		b.WriteByte(' ')
		b.WriteString(t.Values[0].lit)
	case OpIn:
		b.WriteString(" (")
		for i, v := range t.Values {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(v.lit)
		}
		b.WriteByte(')')
	}
}

func (k ValueKind) String() string {
	switch k {
	case StringValue:
		return "string"
	case BoolValue:
		return "boolean"
	}
	return "no"
}

func fieldNames[F ~string](spec map[F]FieldSpec) string {
	names := make([]string, 0, len(spec))
	for f := range spec {
		names = append(names, string(f))
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

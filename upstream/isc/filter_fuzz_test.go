package isc

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// parsedTerm is a term read back from an encoded filter.
type parsedTerm struct {
	field, op string
	values    []string // unescaped; "true"/"false" for booleans
	quoted    []bool
}

// parseFilter reads SailPoint's filter grammar as the typed operations
// use it: `field op value`, `field in (v, ...)`, `field isnull`, joined
// by " and "; strings quoted with \" and \\ escapes, booleans bare.
func parseFilter(s string) ([]parsedTerm, bool) {
	var out []parsedTerm
	i := 0
	word := func() string {
		start := i
		for i < len(s) && s[i] != ' ' && s[i] != '(' && s[i] != ')' && s[i] != ',' && s[i] != '"' {
			i++
		}
		return s[start:i]
	}
	value := func() (string, bool, bool) {
		if i < len(s) && s[i] == '"' {
			i++
			var b strings.Builder
			for i < len(s) {
				switch c := s[i]; {
				case c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\'):
					b.WriteByte(s[i+1])
					i += 2
				case c == '\\':
					return "", false, false // an escape the grammar does not have
				case c == '"':
					i++
					return b.String(), true, true
				default:
					b.WriteByte(c)
					i++
				}
			}
			return "", false, false
		}
		w := word()
		return w, false, w == "true" || w == "false"
	}
	expect := func(lit string) bool {
		if strings.HasPrefix(s[i:], lit) {
			i += len(lit)
			return true
		}
		return false
	}
	for {
		var t parsedTerm
		if t.field = word(); t.field == "" || !expect(" ") {
			return nil, false
		}
		t.op = word()
		switch t.op {
		case "eq":
			if !expect(" ") {
				return nil, false
			}
			v, q, ok := value()
			if !ok {
				return nil, false
			}
			t.values, t.quoted = []string{v}, []bool{q}
		case "in":
			if !expect(" (") {
				return nil, false
			}
			for {
				v, q, ok := value()
				if !ok {
					return nil, false
				}
				t.values, t.quoted = append(t.values, v), append(t.quoted, q)
				if expect(")") {
					break
				}
				if !expect(",") {
					return nil, false
				}
			}
		case "isnull":
		default:
			return nil, false
		}
		out = append(out, t)
		if i == len(s) {
			return out, true
		}
		if !expect(" and ") {
			return nil, false
		}
	}
}

// FuzzFilterEncode: Encode accepts a filter exactly when every term names
// a documented field, one of its operators and values of its kind in the
// right number; what it accepts parses back, by the grammar, to the same
// terms; what it refuses is an *ArgumentError on filters.
func FuzzFilterEncode(f *testing.F) {
	f.Fuzz(func(t *testing.T, field1, op1, v1, v2 string, kinds uint8, n1 uint8, field2, op2, v3 string) {
		mk := func(name, op string, n uint8, vals []string, kindBits uint8) Term[field] {
			tm := Term[field]{Field: field(name), Op: Op(op)}
			for j := range int(n % 4) {
				v := vals[j%len(vals)]
				switch (kindBits >> (2 * j)) & 3 {
				case 0, 1:
					tm.Values = append(tm.Values, Str(v))
				case 2:
					tm.Values = append(tm.Values, Bool(len(v)%2 == 0))
				default:
					tm.Values = append(tm.Values, Value{})
				}
			}
			return tm
		}
		terms := []Term[field]{mk(field1, op1, n1, []string{v1, v2}, kinds)}
		if field2 != "" {
			terms = append(terms, mk(field2, op2, n1/4, []string{v3}, kinds>>4))
		}
		got, err := Filter[field](terms).Encode(spec)

		valid := true
		for _, tm := range terms {
			fs, ok := spec[tm.Field]
			n := len(tm.Values)
			valid = valid && ok && slices.Contains(fs.Ops, tm.Op) &&
				(tm.Op == OpEq && n == 1 || tm.Op == OpIn && n > 0 || tm.Op == OpIsNull && n == 0)
			for _, v := range tm.Values {
				valid = valid && v.kind == fs.Kind
			}
		}
		if err != nil {
			var ae *ArgumentError
			if !errors.As(err, &ae) || ae.Param != "filters" || valid {
				t.Fatalf("%+v refused with %v", terms, err)
			}
			return
		}
		if !valid {
			t.Fatalf("%+v encoded as %q, though the spec does not document it", terms, got)
		}
		parsed, ok := parseFilter(got)
		if !ok || len(parsed) != len(terms) {
			t.Fatalf("%+v encoded as %q, which does not parse back (%v)", terms, got, parsed)
		}
		for j, tm := range terms {
			p := parsed[j]
			if p.field != string(tm.Field) || p.op != string(tm.Op) || len(p.values) != len(tm.Values) {
				t.Fatalf("%q: term %d reads back as %+v, was %+v", got, j, p, tm)
			}
			for k, v := range tm.Values {
				if want := Str(p.values[k]); p.quoted[k] && want != v || !p.quoted[k] && Bool(p.values[k] == "true") != v {
					t.Fatalf("%q: value %d of term %d reads back as %q", got, k, j, p.values[k])
				}
			}
		}
	})
}

// FuzzEncodeSorters: sorters are accepted exactly when every field is an
// allowed one, and what is sent splits back into the same keys.
func FuzzEncodeSorters(f *testing.F) {
	allowed := []field{"created", "name", "modified"}
	f.Fuzz(func(t *testing.T, f1, f2, f3 string, desc uint8, n uint8) {
		fields := []string{f1, f2, f3}[:n%4]
		keys := make([]Sort[field], len(fields))
		valid := true
		for i, fl := range fields {
			keys[i] = Sort[field]{Field: field(fl), Desc: desc>>i&1 == 1}
			valid = valid && slices.Contains(allowed, field(fl))
		}
		got, err := EncodeSorters(keys, allowed...)
		if err != nil {
			var ae *ArgumentError
			if !errors.As(err, &ae) || ae.Param != "sorters" || valid {
				t.Fatalf("%+v refused with %v", keys, err)
			}
			return
		}
		if !valid {
			t.Fatalf("%+v encoded as %q, though not every field is allowed", keys, got)
		}
		if len(keys) == 0 {
			if got != "" {
				t.Fatalf("no keys encoded as %q", got)
			}
			return
		}
		parts := strings.Split(got, ",")
		if len(parts) != len(keys) {
			t.Fatalf("%+v encoded as %q", keys, got)
		}
		for i, p := range parts {
			name, desc := strings.CutPrefix(p, "-")
			if name != string(keys[i].Field) || desc != keys[i].Desc {
				t.Fatalf("%q: key %d reads back as %q", got, i, p)
			}
		}
	})
}

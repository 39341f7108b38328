package op_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
)

var methods = []string{"GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"}

// literals counts the literal segments of o's template in gen.
func literals(o *op.Operation, gen op.Generation) int {
	n := 0
	for _, s := range strings.Split(strings.Trim(o.Path(gen).Template, "/"), "/") {
		if !strings.HasPrefix(s, "{") {
			n++
		}
	}
	return n
}

// fill puts params into o's template in gen as they are, unescaped.
func fill(o *op.Operation, gen op.Generation, params []string) string {
	segs := strings.Split(o.Path(gen).Template, "/")
	i := 0
	for j, s := range segs {
		if strings.HasPrefix(s, "{") && i < len(params) {
			segs[j] = params[i]
			i++
		}
	}
	return strings.Join(segs, "/")
}

// FuzzMatch: for any method and path the REST side is given, Match
// answers an operation of that method whose template, filled with the
// parameters it read, is the path (less its outer slashes); no parameter
// is empty or a dot segment; CallAt of that operation reads the same
// parameters; no operation with more literal segments also takes the path;
// and when Match answers nothing, no operation's CallAt takes the path
// either. Methods lists exactly the methods of the operations that do.
func FuzzMatch(f *testing.F) {
	f.Fuzz(func(t *testing.T, m uint8, path string) {
		method := methods[int(m)%len(methods)]
		c, ok := op.Match(method, path)
		var allow []string
		for _, o := range op.All() {
			for _, gen := range op.Generations() {
				oc, took := o.CallAt(gen, path)
				if !took {
					continue
				}
				if !slices.Contains(allow, o.Method) {
					allow = append(allow, o.Method)
				}
				if o.Method != method {
					continue
				}
				if !ok {
					t.Fatalf("Match(%s, %q) found nothing; %s in %s takes it", method, path, o.Name, gen)
				}
				if literals(o, gen) > literals(c.Op, c.Gen) {
					t.Fatalf("Match(%s, %q) = %s, but %s has more literal segments", method, path, c.Op.Name, o.Name)
				}
				if o == c.Op && gen == c.Gen && !slices.Equal(oc.Params, c.Params) {
					t.Fatalf("%q: Match reads %q, CallAt %q", path, c.Params, oc.Params)
				}
			}
		}
		slices.Sort(allow)
		if got := op.Methods(path); !slices.Equal(got, allow) {
			t.Fatalf("Methods(%q) = %v, want %v", path, got, allow)
		}
		if !ok {
			return
		}
		if c.Op.Method != method || !c.Op.Path(c.Gen).Served() || len(c.Params) != len(c.Op.ParamNames(c.Gen)) {
			t.Fatalf("Match(%s, %q) = %s in %s with %q", method, path, c.Op.Name, c.Gen, c.Params)
		}
		for _, p := range c.Params {
			if p == "" || p == "." || p == ".." || strings.Contains(p, "/") {
				t.Fatalf("Match(%s, %q) read the parameter %q", method, path, p)
			}
		}
		if got := fill(c.Op, c.Gen, c.Params); got != "/"+strings.Trim(path, "/") {
			t.Fatalf("Match(%s, %q) = %s with %q, which is %q", method, path, c.Op.Name, c.Params, got)
		}
	})
}

// FuzzExpandMatch: whatever parameters a client fills an operation's
// template with, what isc.Expand accepts Match reads back: the same
// operation with the same (escaped) parameters, or one with more literal
// segments whose literal the parameter spells (a task id
// "pending-tasks").
func FuzzExpandMatch(f *testing.F) {
	ops := op.All()
	f.Fuzz(func(t *testing.T, i uint8, v1 bool, p1, p2, p3 string) {
		o := ops[int(i)%len(ops)]
		gen := op.Legacy
		if v1 {
			gen = op.V1
		}
		if !o.Path(gen).Served() {
			return
		}
		params := []string{p1, p2, p3}[:len(o.ParamNames(gen))]
		path, err := isc.Expand(o.Path(gen).Template, params...)
		if err != nil {
			for _, p := range params {
				if p == "" || p == "." || p == ".." {
					return
				}
			}
			t.Fatalf("Expand(%s, %q): %v", o.Path(gen).Template, params, err)
		}
		c, ok := op.Match(o.Method, path)
		if !ok {
			t.Fatalf("Match(%s, %q) found nothing for %s", o.Method, path, o.Name)
		}
		if c.Op == o && c.Gen == gen {
			for j, p := range params {
				if c.Params[j] != url.PathEscape(p) {
					t.Fatalf("%q: parameter %d read as %q, sent as %q", path, j, c.Params[j], url.PathEscape(p))
				}
			}
			return
		}
		if literals(c.Op, c.Gen) <= literals(o, gen) {
			t.Fatalf("Match(%s, %q) = %s in %s, not %s in %s", o.Method, path, c.Op.Name, c.Gen, o.Name, gen)
		}
	})
}

package httpcache

import (
	"net/url"
	"slices"
	"strings"

	"github.com/sailgraph/sailgraph/upstream/op"
)

// canonicalKey is the request's identity within a principal: generation,
// API, operation, path parameters and query, with the operation's query
// defaults filled in and its set parameters sorted (package op has both).
// The generation and API are in it, so that one generation's answer is
// never served for the other's. ok is false for a query that does not
// parse (such a request is not cached).
func canonicalKey(c *op.Call, rawQuery string) (key string, ok bool) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", false
	}
	for name, v := range c.Op.QueryDefaults {
		if _, set := q[name]; !set {
			q[name] = []string{v}
		}
	}
	for _, name := range c.Op.SetParams {
		if vs := q[name]; len(vs) > 1 {
			q[name] = slices.Sorted(slices.Values(vs))
		}
	}
	var b strings.Builder
	b.WriteString(c.Gen.String())
	b.WriteByte(' ')
	b.WriteString(string(c.API()))
	b.WriteByte(' ')
	b.WriteString(c.Op.Name)
	for _, p := range c.Params {
		b.WriteByte(' ')
		b.WriteString(url.PathEscape(p))
	}
	b.WriteByte('?')
	b.WriteString(q.Encode()) // keys sorted, values escaped
	return b.String(), true
}

// Package optest names the operation of requests that tests build by
// hand, as the typed clients do for the gateway's own requests: it puts
// the op.Call in the request's context.
package optest

import (
	"context"
	"net/url"
	"strings"

	"github.com/sailgraph/sailgraph/upstream/op"
)

// WithCall returns ctx carrying the call of method and target (a path or
// a URL, with or without a query), as op.Match finds it in either
// generation. A target of no operation leaves ctx as it is: the request
// names no operation.
func WithCall(ctx context.Context, method, target string) context.Context {
	if u, err := url.Parse(target); err == nil {
		target = u.Path
	}
	target, _, _ = strings.Cut(target, "?")
	if c, ok := op.Match(method, target); ok {
		return op.With(ctx, c)
	}
	return ctx
}

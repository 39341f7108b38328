package transport

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/sailgraph/sailgraph/upstream/op"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

// principalFor is the principal in req's context, or def.
func principalFor(req *http.Request, def principal.Principal) principal.Principal {
	if p, ok := principal.From(req.Context()); ok {
		return p
	}
	return def
}

// labels names req for budgets and metrics from the op.Call its context
// carries (the typed clients and the REST side put it there): the API
// whose budget it spends and the operation's name. A request that names
// no operation spends the budget of its first path segment, as SailPoint
// counts it, and is "unknown".
func labels(req *http.Request) (api, operation string) {
	if c, ok := op.FromRequest(req); ok {
		return string(c.API()), c.Op.Name
	}
	first, _, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/")
	return first, "unknown"
}

// errNotRewindable: a request with a body but no GetBody cannot be resent.
var errNotRewindable = errors.New("transport: request body cannot be sent again (no GetBody)")

// rewound returns a clone of req with a fresh body, for sending it again.
func rewound(req *http.Request) (*http.Request, error) {
	r := req.Clone(req.Context())
	if req.Body == nil || req.Body == http.NoBody {
		return r, nil
	}
	if req.GetBody == nil {
		return nil, errNotRewindable
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r.Body = body
	return r, nil
}

// rewindable reports whether req can be sent again.
func rewindable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// closeBody closes a request body a layer will not pass on, as the
// RoundTripper contract asks.
func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// discard drains a little of a response that is being dropped, so its
// connection can be reused, and closes it.
func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// fits reports whether a wait of d ends before ctx's deadline.
func fits(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > d
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

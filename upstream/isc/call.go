package isc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/sailgraph/sailgraph/upstream/op"
)

// HeaderExperimental is the header SailPoint requires on its experimental
// operations (the identity-history and role-mining v1 APIs).
const HeaderExperimental = "X-SailPoint-Experimental"

// Call describes one request to an upstream operation, exactly as the spec
// has it. The per-API clients fill it in; the Client turns it into an
// *http.Request for the generation that serves the operation's family.
type Call struct {
	// Op is the operation, from the one table (package op): its method,
	// its path in each generation and everything the transport layers
	// need to know of it.
	Op *op.Operation
	// Params are the values of the path template's parameters, in order.
	// Each is path-escaped; an empty value is refused as an *ArgumentError.
	Params []string
	// Query holds the query parameters; repeated values are sent as
	// repeated parameters (eventTypes=a&eventTypes=b).
	Query url.Values
	// Body, when not nil, is sent JSON-encoded with ContentType.
	Body any
	// ContentType of Body; "" means application/json.
	ContentType string

	// gen is the generation the call is built for when pinned (In);
	// otherwise the one that serves its family when it is sent.
	gen    op.Generation
	pinned bool
}

// In returns the call pinned to generation gen: built for gen whatever
// serves the family when it is sent. Clients that shape a call per
// generation (the v1 task list, the pending tasks) pin it to the
// generation they shaped it for.
func (c Call) In(gen op.Generation) Call {
	c.gen, c.pinned = gen, true
	return c
}

// Expand fills a path template such as
// "/beta/historical-identities/{id}/snapshots/{date}" with params in order,
// path-escaping each. An empty, "." or ".." value, or a count that does not
// match the template, is an *ArgumentError: it would address a different
// resource.
func Expand(tmpl string, params ...string) (string, error) {
	var b strings.Builder
	b.Grow(len(tmpl) + 32*len(params))
	i := 0
	for {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			b.WriteString(tmpl)
			break
		}
		end := strings.IndexByte(tmpl[open:], '}')
		if end < 0 {
			return "", &ArgumentError{Param: "path", Reason: fmt.Sprintf("unterminated parameter in template %q", tmpl)}
		}
		name := tmpl[open+1 : open+end]
		if i >= len(params) {
			return "", &ArgumentError{Param: name, Reason: "no value given"}
		}
		v := params[i]
		if v == "" || v == "." || v == ".." {
			return "", &ArgumentError{Param: name, Reason: fmt.Sprintf("%q is not a valid path parameter", v)}
		}
		b.WriteString(tmpl[:open])
		b.WriteString(url.PathEscape(v))
		tmpl = tmpl[open+end+1:]
		i++
	}
	if i != len(params) {
		return "", &ArgumentError{Param: "path", Reason: fmt.Sprintf("%d values for %d parameters", len(params), i)}
	}
	return b.String(), nil
}

// newRequest builds the *http.Request for call, in the generation that
// serves its family, with the op.Call in its context for the transport
// layers. The body is a bytes.Reader, so the request has GetBody and the
// transport may resend it.
func (c *Client) newRequest(ctx context.Context, call Call, accept string) (*http.Request, error) {
	gen := call.gen
	if !call.pinned {
		var err error
		if gen, err = c.GenerationFor(ctx, call.Op.Family); err != nil {
			return nil, err
		}
	}
	p := call.Op.Path(gen)
	if !p.Served() {
		return nil, fmt.Errorf("isc: %s has no %s path", call.Op.Name, gen)
	}
	path, err := Expand(p.Template, call.Params...)
	if err != nil {
		return nil, err
	}
	u := c.root + path
	if len(call.Query) > 0 {
		u += "?" + call.Query.Encode()
	}
	method := call.Op.Method
	ctx = op.With(ctx, &op.Call{Op: call.Op, Gen: gen, Params: call.Params})
	var body io.Reader
	if call.Body != nil {
		b, err := json.Marshal(call.Body)
		if err != nil {
			return nil, &ArgumentError{Param: "body", Reason: err.Error()}
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, &ArgumentError{Param: "url", Reason: err.Error()}
	}
	if call.Body != nil {
		ct := call.ContentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if p.Experimental {
		req.Header.Set(HeaderExperimental, "true")
	}
	return req, nil
}

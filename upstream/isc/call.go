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
)

// Call describes one request to an upstream operation, exactly as the spec
// has it. The per-API clients fill it in; the Client turns it into an
// *http.Request.
type Call struct {
	// Op is the operationId in the spec, e.g. "getTaskStatus". It names the
	// operation in errors.
	Op string
	// Method is the HTTP method; "" means GET.
	Method string
	// Path is the spec's path template under the tenant root, with the API
	// version and {name} parameters, e.g. "/beta/task-status/{id}".
	Path string
	// Params are the values of Path's parameters, in order. Each is
	// path-escaped; an empty value is refused as an *ArgumentError.
	Params []string
	// Query holds the query parameters; repeated values are sent as
	// repeated parameters (eventTypes=a&eventTypes=b).
	Query url.Values
	// Body, when not nil, is sent JSON-encoded with ContentType.
	Body any
	// ContentType of Body; "" means application/json.
	ContentType string
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

// newRequest builds the *http.Request for call. The body is a
// bytes.Reader, so the request has GetBody and the transport may resend it.
func (c *Client) newRequest(ctx context.Context, call Call, accept string) (*http.Request, error) {
	path, err := Expand(call.Path, call.Params...)
	if err != nil {
		return nil, err
	}
	u := c.root + path
	if len(call.Query) > 0 {
		u += "?" + call.Query.Encode()
	}
	method := call.Method
	if method == "" {
		method = http.MethodGet
	}
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
	return req, nil
}

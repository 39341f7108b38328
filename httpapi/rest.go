package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// MaxRESTRequestBody caps the body of a REST call (the upstream's request
// bodies are small JSON documents); a larger one is answered 413. It is
// the gateway's cap on every body (ReadBody, in front of every route).
const MaxRESTRequestBody = MaxRequestBody

// REST is the SailPoint-compatible side of the gateway: the upstream
// operations served at their own paths in both API generations (/beta/...,
// /v2024/..., /task-status/v1/..., ...), so that a
// script written for SailPoint's SDKs can point its base URL at the
// gateway. Each call is forwarded through Client, the gateway's upstream
// chain, and so shares its cache, in-flight de-duplication, budget and
// credentials with the GraphQL side; the answer is streamed back as it
// arrives.
//
// The caller's own Authorization header is never forwarded: the chain
// authenticates as the principal in the request's context (set by the
// gateway's middleware before this handler runs), the gateway's client
// credentials or a pass-through bearer. Register authorizes each call by
// its operation's scopes (op.Operation.Scopes).
type REST struct {
	// Client sends requests to the tenant: the gateway's upstream chain
	// with the caching layer outermost.
	Client *http.Client
	// Tenant is the tenant's base URL, e.g. https://acme.api.identitynow.com.
	Tenant string
	// Timeout bounds a call's upstream work, waits included, except the
	// file downloads, which may stream for minutes (their wait for the
	// tenant's headers is bounded by the base transport instead). Zero:
	// no bound of its own.
	Timeout time.Duration
	// Log gets a line for each call that failed on the way to the tenant
	// (default slog.Default()).
	Log *slog.Logger
}

// Register mounts the REST side on e under every API root of both
// generations (/beta, /v2024, /historical-identities/v1, ...), behind m
// (authentication, fair share). Each request is matched to its operation
// once (match), then authorized by the operation's scopes and bounded by
// Timeout. A path that names no operation is answered 404 with an
// ErrorResponseDto, a known path with another method 405.
func (h *REST) Register(e *echo.Echo, m ...echo.MiddlewareFunc) {
	// The chain is built here, once: echo applies a route's middleware
	// anew on every request, which would rebuild requireOperationScope's
	// guards (one per operation) each time.
	mw := append(slices.Clone(m), match, requireOperationScope, boundUnlessDownload(h.Timeout))
	handler := h.serve
	for i := len(mw) - 1; i >= 0; i-- {
		handler = mw[i](handler)
	}
	for _, root := range op.Roots() {
		e.Any(root, handler)
		e.Any(root+"/*", handler)
	}
}

// match is the REST side's one entry point: it names the operation a
// request is for, once, and puts the op.Call in its context, where the
// scope check, the deadline, the handler and every upstream layer read it.
func match(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		call, ok := op.Match(r.Method, r.URL.Path)
		if !ok {
			if allow := op.Methods(r.URL.Path); len(allow) > 0 {
				c.Response().Header().Set("Allow", strings.Join(allow, ", "))
				return writeErrorDto(c, http.StatusMethodNotAllowed, "405 Method Not Allowed", r.Method+" is not served at "+r.URL.Path)
			}
			return writeErrorDto(c, http.StatusNotFound, "404 Not found", "no operation "+r.Method+" "+r.URL.Path)
		}
		// The spec requires this header on the experimental APIs; a caller
		// who leaves it out is told so, as the tenant would, rather than
		// served what another caller's call put in the cache.
		if call.Op.Path(call.Gen).Experimental {
			v := r.Header.Values(isc.HeaderExperimental)
			if len(v) != 1 || !strings.EqualFold(strings.TrimSpace(v[0]), "true") {
				return writeErrorDto(c, http.StatusBadRequest, detailFor(http.StatusBadRequest),
					"this API is experimental: send the header "+isc.HeaderExperimental+": true to use it")
			}
		}
		c.SetRequest(r.WithContext(op.With(r.Context(), call)))
		return next(c)
	}
}

func (h *REST) serve(c echo.Context) error {
	in := c.Request()
	call, ok := op.FromRequest(in)
	if !ok { // mounted without match: a wiring bug
		return writeErrorDto(c, http.StatusNotFound, "404 Not found", "no operation "+in.Method+" "+in.URL.Path)
	}
	out, status, err := h.outbound(in)
	if err != nil {
		return writeErrorDto(c, status, detailFor(status), err.Error())
	}
	resp, err := h.Client.Do(out)
	if err != nil {
		return h.transportFailure(c, call, err)
	}
	defer resp.Body.Close()
	copyResponseHeader(c.Response().Header(), resp)
	c.Response().WriteHeader(resp.StatusCode)
	if in.Method == http.MethodHead {
		return nil
	}
	_ = http.NewResponseController(c.Response()).Flush()
	if _, err := io.CopyBuffer(c.Response(), resp.Body, make([]byte, 32<<10)); err != nil && !errors.Is(err, context.Canceled) {
		// The status is sent: all that is left is to cut the stream short,
		// so that the caller sees a truncated body rather than a whole one.
		h.logger().Warn("REST answer interrupted", "operation", call.Op.Name, "error", err.Error())
		return err
	}
	return nil
}

// outbound builds the request to the tenant. The body is read whole (it is
// small and bounded) so that the chain can replay it on a retry.
func (h *REST) outbound(in *http.Request) (*http.Request, int, error) {
	var body io.Reader
	if in.Body != nil && in.Body != http.NoBody && (in.ContentLength != 0 || len(in.TransferEncoding) > 0) {
		b, err := io.ReadAll(io.LimitReader(in.Body, MaxRESTRequestBody+1))
		if err != nil {
			return nil, http.StatusBadRequest, errors.New("the request body could not be read")
		}
		if len(b) > MaxRESTRequestBody {
			return nil, http.StatusRequestEntityTooLarge, errors.New("the request body is larger than 1 MiB")
		}
		body = bytes.NewReader(b)
	}
	u := strings.TrimSuffix(h.Tenant, "/") + in.URL.EscapedPath()
	if in.URL.RawQuery != "" {
		u += "?" + in.URL.RawQuery
	}
	out, err := http.NewRequestWithContext(in.Context(), in.Method, u, body)
	if err != nil {
		return nil, http.StatusBadRequest, errors.New("the request URL is not valid")
	}
	copyRequestHeader(out.Header, in.Header)
	return out, 0, nil
}

func (h *REST) logger() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

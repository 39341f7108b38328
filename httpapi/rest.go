package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/sailgraph/sailgraph/upstream/route"
)

// MaxRESTRequestBody caps the body of a REST call (the upstream's request
// bodies are small JSON documents); a larger one is answered 413.
const MaxRESTRequestBody = 1 << 20

// REST is the SailPoint-compatible side of the gateway: the 23 upstream
// operations served at their own paths (/beta/..., /v2024/...), so that a
// script written for SailPoint's SDKs can point its base URL at the
// gateway. Each call is forwarded through Client, the gateway's upstream
// chain, and so shares its cache, in-flight de-duplication, budget and
// credentials with the GraphQL side; the answer is streamed back as it
// arrives.
//
// The caller's own Authorization header is never forwarded: the chain
// authenticates as the principal in the request's context (set by the
// gateway's middleware before this handler runs), the gateway's client
// credentials or a pass-through bearer. Authorization by scope is the
// middleware's job: Scopes says what each operation requires.
type REST struct {
	// Client sends requests to the tenant: the gateway's upstream chain
	// with the caching layer outermost.
	Client *http.Client
	// Tenant is the tenant's base URL, e.g. https://acme.api.identitynow.com.
	Tenant string
	// Log gets a line for each call that failed on the way to the tenant
	// (default slog.Default()).
	Log *slog.Logger
}

// Register mounts the REST side on e under /beta/ and /v2024/, with the
// given middleware (authentication, authorization, timeouts) around it.
// Paths there that name none of the 23 operations are answered 404 with
// an ErrorResponseDto.
func (h *REST) Register(e *echo.Echo, m ...echo.MiddlewareFunc) {
	for _, api := range []route.API{route.Beta, route.V2024} {
		e.Any("/"+string(api)+"/*", h.serve, m...)
	}
}

// Operation names the upstream operation a REST request is for, and false
// for a path and method the REST side does not serve. Authorization
// middleware uses it with Scopes.
func Operation(r *http.Request) (string, bool) {
	rt, ok := route.Match(r.Method, r.URL.Path)
	return rt.Operation, ok
}

func (h *REST) serve(c echo.Context) error {
	in := c.Request()
	rt, ok := route.Match(in.Method, in.URL.Path)
	if !ok {
		return writeErrorDto(c, http.StatusNotFound, "404 Not found", "no operation "+in.Method+" "+in.URL.Path)
	}
	out, status, err := h.outbound(in)
	if err != nil {
		return writeErrorDto(c, status, detailFor(status), err.Error())
	}
	resp, err := h.Client.Do(out)
	if err != nil {
		return h.transportFailure(c, rt, err)
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
		h.logger().Warn("REST answer interrupted", "operation", rt.Operation, "error", err.Error())
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

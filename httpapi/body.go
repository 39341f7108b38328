package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sailgraph/sailgraph/upstream/op"
)

// MaxRequestBody caps every request body the gateway reads: GraphQL
// documents and the REST side's JSON bodies are small.
const MaxRequestBody = 1 << 20

// ReadBody is the echo middleware that reads a request's body whole, up
// to max bytes and within d, before any handler runs: a caller that sends
// its body slowly, or never finishes it, holds a connection for at most d
// (answered 408), and a body over max is answered 413, both with a coded
// error body. The connection's read deadline is cleared once the body is
// in, so that a long answer (a download, a subscription) is not cut by
// it.
func ReadBody(max int64, d time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.Body == nil || r.Body == http.NoBody || (r.ContentLength == 0 && len(r.TransferEncoding) == 0) {
				return next(c)
			}
			rc := http.NewResponseController(c.Response().Writer)
			_ = rc.SetReadDeadline(time.Now().Add(d)) // not every writer has a connection (tests)
			b, err := io.ReadAll(io.LimitReader(r.Body, max+1))
			_ = rc.SetReadDeadline(time.Time{})
			refuse := func(status int, code, msg string) error {
				c.Response().Header().Set("Connection", "close")
				if isRESTPath(r.URL.Path) { // in the shape SailPoint's SDKs parse
					return writeErrorDto(c, status, detailFor(status), msg)
				}
				return c.JSON(status, protocolError(code, msg))
			}
			switch {
			case errors.Is(err, os.ErrDeadlineExceeded):
				return refuse(http.StatusRequestTimeout, "BODY_TIMEOUT", "the request body did not arrive within "+d.String())
			case err != nil:
				return refuse(http.StatusBadRequest, "BAD_REQUEST", "the request body could not be read")
			case int64(len(b)) > max:
				return refuse(http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", fmt.Sprintf("the request body is over %d bytes", max))
			}
			_ = r.Body.Close()
			r.Body = io.NopCloser(bytes.NewReader(b))
			r.ContentLength = int64(len(b))
			r.TransferEncoding = nil
			r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
			return next(c)
		}
	}
}

// isRESTPath reports whether path is under one of the REST side's API
// roots.
func isRESTPath(path string) bool {
	for _, root := range op.Roots() {
		if path == root || strings.HasPrefix(path, root+"/") {
			return true
		}
	}
	return false
}

// protocolError is a refusal of a request that is not even read, shaped
// as a GraphQL error list (GraphQL clients read it like any other error;
// REST callers get a message and a code).
func protocolError(code, msg string) map[string]any {
	return map[string]any{"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": code}}}}
}

package ops

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/labstack/echo/v4"

	"github.com/sailgraph/sailgraph/record"
)

// HeaderRequestID carries the request id, from the caller, back to it and
// on to the tenant.
const HeaderRequestID = "X-Request-Id"

// maxRequestIDLen bounds a caller's request id; a longer one is replaced.
const maxRequestIDLen = 128

// RequestID is the echo middleware that starts every request's record: it
// takes the caller's X-Request-Id when it is a sane token (1 to 128
// letters, digits and -_.:), makes one otherwise, returns it in the
// response header and puts a *record.Record in the request context. Use it
// first, before the log and the metrics.
func RequestID() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			id := req.Header.Get(HeaderRequestID)
			if !validRequestID(id) {
				id = newRequestID()
			}
			c.Response().Header().Set(HeaderRequestID, id)
			c.SetRequest(req.WithContext(record.With(req.Context(), record.New(id))))
			return next(c)
		}
	}
}

// validRequestID accepts ids that are safe to log and to send on.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch ch := id[i]; {
		case 'a' <= ch && ch <= 'z', 'A' <= ch && ch <= 'Z', '0' <= ch && ch <= '9':
		case ch == '-', ch == '_', ch == '.', ch == ':':
		default:
			return false
		}
	}
	return true
}

// newRequestID is 128 random bits in hex.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

package ops

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync/atomic"

	"github.com/labstack/echo/v4"
)

// HeaderRequestID carries the request id, from the caller, back to it and
// on to the tenant.
const HeaderRequestID = "X-Request-Id"

// maxRequestIDLen bounds a caller's request id; a longer one is replaced.
const maxRequestIDLen = 128

// Request is what the gateway learns about one inbound request while it
// runs. Its methods are safe for concurrent use and on a nil *Request
// (which records nothing and reads as empty).
type Request struct {
	id         string
	upstream   atomic.Int32
	cacheHits  atomic.Int32
	cacheStale atomic.Int32
	operation  atomic.Pointer[string]
}

// NewRequest returns a record for a request with the given id.
func NewRequest(id string) *Request { return &Request{id: id} }

// ID is the request id ("" on nil).
func (r *Request) ID() string {
	if r == nil {
		return ""
	}
	return r.id
}

// UpstreamCalls is how many exchanges with the tenant the request made.
func (r *Request) UpstreamCalls() int {
	if r == nil {
		return 0
	}
	return int(r.upstream.Load())
}

// CacheHits is how many upstream reads were answered fresh from the cache.
func (r *Request) CacheHits() int {
	if r == nil {
		return 0
	}
	return int(r.cacheHits.Load())
}

// CacheStale is how many upstream reads were answered stale from the cache.
func (r *Request) CacheStale() int {
	if r == nil {
		return 0
	}
	return int(r.cacheStale.Load())
}

// Operation is the GraphQL operation name, "" if none was recorded.
func (r *Request) Operation() string {
	if r == nil {
		return ""
	}
	if p := r.operation.Load(); p != nil {
		return *p
	}
	return ""
}

// SetOperation records the GraphQL operation name.
func (r *Request) SetOperation(name string) {
	if r != nil {
		r.operation.Store(&name)
	}
}

func (r *Request) addUpstream() {
	if r != nil {
		r.upstream.Add(1)
	}
}

type requestKey struct{}

// WithRequest returns ctx carrying r.
func WithRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the record in ctx, or nil.
func RequestFrom(ctx context.Context) *Request {
	r, _ := ctx.Value(requestKey{}).(*Request)
	return r
}

// RequestID is the echo middleware that starts every request's record: it
// takes the caller's X-Request-Id when it is a sane token (1 to 128
// letters, digits and -_.:), makes one otherwise, returns it in the
// response header and puts a *Request in the request context. Use it
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
			c.SetRequest(req.WithContext(WithRequest(req.Context(), NewRequest(id))))
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

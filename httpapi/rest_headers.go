package httpapi

import (
	"net/http"
	"strconv"
)

// forwardedRequestHeaders are the caller's headers a REST call carries to
// the tenant. Authorization is not among them: the upstream chain sets the
// credentials of the request's principal. Accept-Encoding is left to the
// chain's own transport, which decompresses what it asked compressed.
var forwardedRequestHeaders = []string{
	"Accept",
	"Accept-Language",
	"Content-Type",
	"If-Match",
	"If-Modified-Since",
	"If-None-Match",
	"If-Unmodified-Since",
	"X-SailPoint-Experimental",
	"X-Request-Id",
}

func copyRequestHeader(dst, src http.Header) {
	for _, k := range forwardedRequestHeaders {
		// Canonical form: "X-SailPoint-Experimental" is stored as
		// "X-Sailpoint-Experimental".
		k = http.CanonicalHeaderKey(k)
		if vs, ok := src[k]; ok {
			dst[k] = append([]string(nil), vs...)
		}
	}
}

// droppedResponseHeaders are the tenant's headers that describe its own
// connection, not the answer (RFC 9110 section 7.6.1), or that the
// gateway's HTTP server sets itself.
var droppedResponseHeaders = map[string]bool{
	"Connection":          true,
	"Keep-Alive":          true,
	"Proxy-Authenticate":  true,
	"Proxy-Authorization": true,
	"Proxy-Connection":    true,
	"Te":                  true,
	"Trailer":             true,
	"Transfer-Encoding":   true,
	"Upgrade":             true,
	"Set-Cookie":          true, // the tenant's session is not the caller's
	"Content-Length":      true, // set from resp.ContentLength below
	"Date":                true,
}

// copyResponseHeader passes the tenant's answer headers on (Content-Type,
// Content-Disposition, X-Total-Count, Retry-After, ETag, the cache's
// X-Sailgraph-Cache and Age...), all but the hop-by-hop ones.
func copyResponseHeader(dst http.Header, resp *http.Response) {
	for k, vs := range resp.Header {
		if !droppedResponseHeaders[http.CanonicalHeaderKey(k)] {
			dst[k] = append([]string(nil), vs...)
		}
	}
	if resp.ContentLength >= 0 && resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusNotModified {
		dst.Set("Content-Length", strconv.FormatInt(resp.ContentLength, 10))
	}
}

package httpcache

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"strconv"
)

// keptHeaders are the response headers an answer is stored with: what
// the typed clients and REST callers read. Hop-by-hop and per-exchange
// headers (Date, Connection, Content-Length, tracing ids) are not kept.
var keptHeaders = []string{
	"Content-Type", "Content-Language", "X-Total-Count", "Retry-After",
	"Etag", "Last-Modified", "Deprecation", "Sunset", "Warning",
}

// An exchange is stored as
//
//	uvarint  status
//	uvarint  number of header lines
//	         per line: uvarint name index in keptHeaders, uvarint length, value
//	...      body
func encodeExchange(status int, h http.Header, body []byte) []byte {
	size := 2 * binary.MaxVarintLen64
	n := 0
	for _, name := range keptHeaders {
		for _, v := range h[name] {
			size += 2*binary.MaxVarintLen64 + len(v)
			n++
		}
	}
	b := make([]byte, 0, size+len(body))
	b = binary.AppendUvarint(b, uint64(status))
	b = binary.AppendUvarint(b, uint64(n))
	for i, name := range keptHeaders {
		for _, v := range h[name] {
			b = binary.AppendUvarint(b, uint64(i))
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	return append(b, body...)
}

var errBadExchange = errors.New("httpcache: corrupt stored exchange")

// decodeExchange rebuilds a response for req from a stored exchange. The
// body aliases b, which is never written to.
func decodeExchange(b []byte, req *http.Request) (*http.Response, error) {
	status, n := binary.Uvarint(b)
	if n <= 0 || status < 100 || status > 999 {
		return nil, errBadExchange
	}
	b = b[n:]
	lines, n := binary.Uvarint(b)
	if n <= 0 || lines > 64 {
		return nil, errBadExchange
	}
	b = b[n:]
	h := make(http.Header, lines+3)
	for range lines {
		idx, n := binary.Uvarint(b)
		if n <= 0 || idx >= uint64(len(keptHeaders)) {
			return nil, errBadExchange
		}
		b = b[n:]
		l, n := binary.Uvarint(b)
		if n <= 0 || l > uint64(len(b)-n) {
			return nil, errBadExchange
		}
		b = b[n:]
		name := keptHeaders[idx]
		h[name] = append(h[name], string(b[:l]))
		b = b[l:]
	}
	code := int(status)
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	return &http.Response{
		Status:        strconv.Itoa(code) + " " + http.StatusText(code),
		StatusCode:    code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(b)),
		ContentLength: int64(len(b)),
		Request:       req,
	}, nil
}

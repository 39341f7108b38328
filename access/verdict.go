package access

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// verdict carries a refusal decided deep inside a handler (the GraphQL
// cost allowance) out to the response's status line.
type verdict struct {
	wait atomic.Int64 // nanoseconds; 0: not refused
}

type verdictKey struct{}

func (v *verdict) refuse(d time.Duration) { v.wait.Store(int64(max(d, time.Nanosecond))) }

// verdictWriter turns the status of a refused request into 429 with
// Retry-After, whatever status the handler chose.
type verdictWriter struct {
	http.ResponseWriter
	v           *verdict
	wroteHeader bool
}

func (w *verdictWriter) WriteHeader(status int) {
	if w.wroteHeader {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.wroteHeader = true
	if d := time.Duration(w.v.wait.Load()); d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(d)))
		status = http.StatusTooManyRequests
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *verdictWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (Flush).
func (w *verdictWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

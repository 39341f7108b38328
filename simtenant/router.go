package simtenant

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// API versions, counted apart by the rate limit.
const (
	apiBeta  = "beta"
	apiV2024 = "v2024"
)

// registrar registers API operations on the mux behind the tenant's
// middleware: status counting, bearer check, rate limit, latency, failures.
type registrar struct {
	t   *Tenant
	mux *http.ServeMux
}

func (t *Tenant) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		t.stats.token()
		t.auth.serveToken(w, r)
	})
	reg := &registrar{t: t, mux: mux}
	t.routesHistory(reg)
	t.routesTasks(reg)
	t.routesReports(reg)
	t.routesRoleMining(reg)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "404 Not found", "The server did not find a current representation for the target resource: "+r.URL.Path)
	})
	return mux
}

type clientKey struct{}

// clientOf returns the OAuth2 client id the request was authenticated as.
func clientOf(r *http.Request) string {
	s, _ := r.Context().Value(clientKey{}).(string)
	return s
}

// handle registers one operation. pattern is a ServeMux pattern such as
// "GET /beta/task-status/{id}"; operationID is the spec's operationId.
func (g *registrar) handle(pattern, operationID string, h http.HandlerFunc) {
	_, path, _ := strings.Cut(pattern, " ")
	api := apiBeta
	if strings.HasPrefix(path, "/v2024/") {
		api = apiV2024
	}
	t := g.t
	g.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() { t.stats.request(operationID, rec.status) }()

		client, ok := t.auth.check(rec, r)
		if !ok {
			return
		}
		v := t.limiter.admit(client, api)
		if !v.ok {
			t.stats.limited(v.early)
			rec.Header().Set("Retry-After", strconv.Itoa(v.retryAfter))
			writeJSON(rec, http.StatusTooManyRequests, map[string]string{"message": " Rate Limit Exceeded "})
			return
		}
		if v.early {
			t.stats.early()
		}
		t.stats.accepted(api)
		latency, fail := t.knobs()
		if latency > 0 {
			timer := time.NewTimer(latency)
			select {
			case <-r.Context().Done():
				timer.Stop()
				return
			case <-timer.C:
			}
		}
		if fail {
			writeError(rec, http.StatusInternalServerError, "500.0 Internal Fault", "An internal fault occurred.")
			return
		}
		h(rec, r.WithContext(context.WithValue(r.Context(), clientKey{}, client)))
	})
}

// statusRecorder remembers the status a handler wrote, for the counters.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wroteHeader = true
	return s.ResponseWriter.Write(b)
}

// Flush lets streamed downloads reach the client as they are written.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

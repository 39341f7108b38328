package simtenant

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// registrar registers API operations behind the tenant's middleware:
// status counting, bearer check, rate limit, latency, failures and the
// experimental-header check. It routes on the path first and the method
// second, so that a known path asked with a method it does not serve
// answers 405 with an Allow header, as a client probing for an API needs.
type registrar struct {
	t     *Tenant
	paths map[string]*pathRoute // by path template
	order []string              // templates in registration order
}

// pathRoute is one path template and the handlers of its methods.
type pathRoute struct {
	template string
	methods  map[string]http.Handler
}

func (t *Tenant) routes() http.Handler {
	g := &registrar{t: t, paths: map[string]*pathRoute{}}
	g.add("POST /oauth/token", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.stats.token()
		t.auth.serveToken(w, r)
	}))
	t.routesHistory(g)
	t.routesTasks(g)
	t.routesReports(g)
	t.routesRoleMining(g)
	return g.mux()
}

// mux builds the ServeMux: one method-less pattern per path template, so
// that ServeMux's precedence picks the most specific template for a path
// whatever the method (GET /reports/v1/run is the run path, not a report
// id), and the template's own method switch answers or refuses.
func (g *registrar) mux() *http.ServeMux {
	mux := http.NewServeMux()
	for _, tmpl := range g.order {
		mux.Handle(tmpl, g.paths[tmpl].serve(g.t))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		g.t.stats.unrouted(http.StatusNotFound)
		writeError(w, http.StatusNotFound, "404 Not found", "The server did not find a current representation for the target resource: "+r.URL.Path)
	})
	return mux
}

// add registers h for pattern, a ServeMux pattern with a method such as
// "GET /beta/task-status/{id}".
func (g *registrar) add(pattern string, h http.Handler) {
	method, tmpl, ok := strings.Cut(pattern, " ")
	if !ok {
		panic("simtenant: pattern without a method: " + pattern)
	}
	pr := g.paths[tmpl]
	if pr == nil {
		pr = &pathRoute{template: tmpl, methods: map[string]http.Handler{}}
		g.paths[tmpl] = pr
		g.order = append(g.order, tmpl)
	}
	if _, dup := pr.methods[method]; dup {
		panic("simtenant: pattern registered twice: " + pattern)
	}
	pr.methods[method] = h
}

// serve dispatches on the method. HEAD falls back to GET, as ServeMux's
// method patterns do; any other method is a 405 listing what is served.
func (pr *pathRoute) serve(t *Tenant) http.Handler {
	allow := make([]string, 0, len(pr.methods)+1)
	for m := range pr.methods {
		allow = append(allow, m)
	}
	if _, get := pr.methods[http.MethodGet]; get && pr.methods[http.MethodHead] == nil {
		allow = append(allow, http.MethodHead)
	}
	slices.Sort(allow)
	allowed := strings.Join(allow, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := pr.methods[r.Method]
		if h == nil && r.Method == http.MethodHead {
			h = pr.methods[http.MethodGet]
		}
		if h == nil {
			t.stats.unrouted(http.StatusMethodNotAllowed)
			w.Header().Set("Allow", allowed)
			writeError(w, http.StatusMethodNotAllowed, "405 Method Not Allowed",
				r.Method+" is not supported on "+pr.template+"; supported: "+allowed)
			return
		}
		h.ServeHTTP(w, r)
	})
}

type clientKey struct{}

// clientOf returns the OAuth2 client id the request was authenticated as.
func clientOf(r *http.Request) string {
	s, _ := r.Context().Value(clientKey{}).(string)
	return s
}

// handle registers one operation of api, unless the tenant does not
// serve api's generation: then its path stays unknown (404). pattern is a
// ServeMux pattern such as "GET /beta/task-status/{id}"; operationID is
// the spec's operationId.
func (g *registrar) handle(api apiSpec, pattern, operationID string, h http.HandlerFunc) {
	t := g.t
	if !t.opts.Generations.Has(api.gen) {
		return
	}
	g.add(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() { t.stats.request(operationID, rec.status) }()

		client, ok := t.auth.check(rec, r)
		if !ok {
			return
		}
		v := t.limiter.admit(client, api.name)
		if !v.ok {
			t.stats.limited(v.early)
			rec.Header().Set("Retry-After", strconv.Itoa(v.retryAfter))
			writeJSON(rec, http.StatusTooManyRequests, map[string]string{"message": " Rate Limit Exceeded "})
			return
		}
		if v.early {
			t.stats.early()
		}
		t.stats.accepted(api.name)
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
		if api.experimental {
			if err := checkExperimental(r); err != nil {
				err.write(rec)
				return
			}
		}
		h(rec, r.WithContext(context.WithValue(r.Context(), clientKey{}, client)))
	}))
}

// checkExperimental requires the opt-in header of SailPoint's experimental
// APIs. The spec's schema is a string whose default is true; ISC refuses
// a call without it, so the tenant does too, with a 400 that says why.
// The value is compared without regard to case ("True" is true).
func checkExperimental(r *http.Request) *apiError {
	v, present := r.Header[http.CanonicalHeaderKey(experimentalHeader)]
	switch {
	case !present:
		return badRequest("this API is experimental: send the header %s: true to use it", experimentalHeader)
	case len(v) != 1 || !strings.EqualFold(strings.TrimSpace(v[0]), "true"):
		return badRequest("this API is experimental: the header %s must be true, got %q", experimentalHeader, strings.Join(v, ", "))
	}
	return nil
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

package ops_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/sailgraph/sailgraph/ops"
	"github.com/sailgraph/sailgraph/record"
)

// BenchmarkMiddleware is what the ops middlewares (request id, tracing
// off, metrics, one JSON log line) add to a request.
func BenchmarkMiddleware(b *testing.B) {
	m := ops.NewMetrics(ops.MetricsOptions{NoRuntimeCollectors: true})
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	e := echo.New()
	e.Use(ops.RequestID(), (&ops.Tracing{}).Middleware(), m.Middleware(), ops.AccessLog(log))
	e.GET("/graphql", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	req := httptest.NewRequest(http.MethodGet, "/graphql", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusNoContent {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkUpstreamLayer is what counting a call and sending the request
// id add to an upstream exchange.
func BenchmarkUpstreamLayer(b *testing.B) {
	rt := ops.Upstream()(roundTripFunc(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}, nil
	}))
	r := record.New("bench-id")
	req := httptest.NewRequest(http.MethodGet, "http://tenant/beta/task-status/x", nil)
	req = req.WithContext(record.With(req.Context(), r))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rt.RoundTrip(req); err != nil {
			b.Fatal(err)
		}
	}
	if r.UpstreamCalls() == 0 {
		b.Fatal("calls not counted")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

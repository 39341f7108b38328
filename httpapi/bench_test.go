package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sailgraph/sailgraph/access"
	"github.com/sailgraph/sailgraph/httpapi"
)

// BenchmarkRESTRoute is one REST call through the REST side's route (the
// operation's match, scope check and deadline, then the forward) to a
// loopback server answering fixed bytes: the REST side's own cost, with no
// cache, budget or upstream wait.
func BenchmarkRESTRoute(b *testing.B) {
	const task = `{"id":"ef38f94347e94562b5bb8424a56397d8","completionStatus":"SUCCESS"}`
	tenant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, task)
	}))
	b.Cleanup(tenant.Close)
	everything := access.Caller{Name: "bench", Scopes: access.NewScopes(access.AllScopes()...)}
	asCaller := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.SetRequest(c.Request().WithContext(access.WithCaller(c.Request().Context(), everything)))
			return next(c)
		}
	}
	e := echo.New()
	(&httpapi.REST{Client: tenant.Client(), Tenant: tenant.URL, Timeout: 30 * time.Second, Log: slog.New(slog.DiscardHandler)}).Register(e, asCaller)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/beta/task-status/ef38f94347e94562b5bb8424a56397d8", nil))
		if rec.Code != http.StatusOK || rec.Body.Len() != len(task) {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}

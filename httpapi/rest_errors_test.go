package httpapi_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sailgraph/sailgraph/access"
	"github.com/sailgraph/sailgraph/httpapi"
)

// Paths that are no operation's are 404, a known path with another
// method 405 with Allow, both in ErrorResponseDto shape, and neither
// reaches the tenant.
func TestRESTUnknownOperations(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, c := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodGet, "/beta/nope", http.StatusNotFound, ""},
		{http.MethodGet, "/v2024/historical-identities", http.StatusNotFound, ""}, // right path, wrong API version
		{http.MethodGet, "/task-status/v1/pending-tasks/x", http.StatusNotFound, ""},
		{http.MethodDelete, "/beta/task-status/abc", http.StatusMethodNotAllowed, "GET, PATCH"},
		{http.MethodPut, "/v2024/reports/r1/cancel", http.StatusMethodNotAllowed, "POST"},
		{http.MethodGet, "/reports/v1/r1/cancel", http.StatusMethodNotAllowed, "POST"},
	} {
		x := e.call(http.DefaultClient, e.gateway, c.method, c.path, "", "")
		assertErrorDto(t, x, c.status)
		if got := x.header.Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
	}
	if n := e.tenantRequests(); n != 0 {
		t.Fatalf("unknown operations reached the tenant %d times", n)
	}
}

// A request body over the cap is 413 before anything is sent.
func TestRESTBodyTooLarge(t *testing.T) {
	e := newEnv(t, envOptions{})
	x := e.call(http.DefaultClient, e.gateway, http.MethodPost, "/v2024/reports/run", "application/json", `{"x":"`+strings.Repeat("a", httpapi.MaxRESTRequestBody)+`"}`)
	assertErrorDto(t, x, http.StatusRequestEntityTooLarge)
	if n := e.tenantRequests(); n != 0 {
		t.Fatalf("the oversized call reached the tenant %d times", n)
	}
}

// A tenant that cannot be reached is 502, one that does not answer in
// time 504, both in ErrorResponseDto shape.
func TestRESTTransportFailures(t *testing.T) {
	e := newEnv(t, envOptions{timeout: time.Second})
	e.tn.SetLatency(3 * time.Second)
	// The spec lists no 504, so this call skips the validating client.
	assertErrorDto(t, e.call(http.DefaultClient, e.gateway, http.MethodGet, someIdentities, "", ""), http.StatusGatewayTimeout)

	ec := echo.New()
	everything := access.Caller{Name: "test", Scopes: access.NewScopes(access.AllScopes()...)}
	ec.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.SetRequest(c.Request().WithContext(access.WithCaller(c.Request().Context(), everything)))
			return next(c)
		}
	})
	(&httpapi.REST{Client: http.DefaultClient, Tenant: "http://127.0.0.1:1", Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Register(ec)
	srv := newServer(t, ec)
	assertErrorDto(t, e.call(http.DefaultClient, srv, http.MethodGet, someIdentities, "", ""), http.StatusBadGateway)
}

func assertErrorDto(t *testing.T, x exchange, status int) {
	t.Helper()
	var dto httpapi.ErrorResponseDto
	if x.status != status || json.Unmarshal(x.body, &dto) != nil || dto.DetailCode == "" || len(dto.TrackingID) != 32 || len(dto.Messages) != 1 || dto.Messages[0].Text == "" {
		t.Fatalf("got %d %s, want %d with an ErrorResponseDto", x.status, x.body, status)
	}
}

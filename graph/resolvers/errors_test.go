package resolvers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/sailgraph/sailgraph/graph/model"
	"github.com/sailgraph/sailgraph/upstream/isc"
)

func TestErrorPresenter(t *testing.T) {
	path := ast.Path{ast.PathName("identity"), ast.PathName("accessItems")}
	tests := []struct {
		name   string
		err    error
		code   Code
		msg    string // a part of the message the caller sees
		hidden string // a part of the error the caller must not see
		retry  any
		logged bool // whether a line at warn or above is written
	}{
		{"gateway input", model.BadInput("first", "must be from 0 to 1000, got 5000"), CodeBadUserInput, "first: must be from 0 to 1000", "", nil, false},
		{"upstream 400", fmt.Errorf("list: %w", isc.NewAPIError(400, "listIdentityAccessItems", "400.1 Bad Request Content", "trk", []string{"unsupported filter field foo"})),
			CodeBadUserInput, "unsupported filter field foo", "trk", nil, false},
		{"refused by the client", fmt.Errorf("list: %w", isc.Invalid("filters", "id in takes at least one value")), CodeBadUserInput, "filters: id in takes at least one value", "", nil, false},
		{"upstream 404", isc.NewAPIError(404, "getHistoricalIdentity", "404 Not found", "trk-404", []string{"identity x"}), CodeNotFound, "not found", "trk-404", nil, false},
		{"upstream 401", isc.NewAPIError(401, "getTaskStatus", "", "", []string{"JWT is expired"}), CodeUnauthenticated, "credentials", "JWT", nil, true},
		{"upstream 403", isc.NewAPIError(403, "getTaskStatus", "403 Forbidden", "", nil), CodeForbidden, "does not allow", "getTaskStatus", nil, true},
		{"rate limited", fmt.Errorf("call: %w", &isc.RateLimitedError{RetryAfter: 2500 * time.Millisecond, Reason: "upstream 429 cooldown"}), CodeRateLimited, "retry after 3 s", "cooldown", 3, true},
		{"rate limited without a wait", isc.NewAPIError(429, "getTaskStatus", "", "", nil), CodeRateLimited, "retry after 1 s", "getTaskStatus", 1, true},
		{"upstream 500", isc.NewAPIError(500, "getReportResult", "500.0 Internal Fault", "trk-500", []string{"An internal fault occurred."}), CodeUpstreamUnavailable, "unavailable", "fault", nil, true},
		{"unreachable", fmt.Errorf("%w: dial tcp 10.0.0.1:443: connection refused", isc.ErrUnavailable), CodeUpstreamUnavailable, "unavailable", "10.0.0.1", nil, true},
		{"deadline", fmt.Errorf("get: %w", context.DeadlineExceeded), CodeUpstreamUnavailable, "unavailable", "deadline", nil, true},
		{"bug", errors.New("nil map in mapAccessItem"), CodeInternal, "internal error", "nil map", nil, true},
		{"through a path wrapper", gqlerror.WrapPath(path, model.BadInput("", "\"x\" is not an RFC 3339 date-time")), CodeBadUserInput, "RFC 3339", "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
			got := ErrorPresenter(log)(context.Background(), tt.err)
			if got.Extensions["code"] != string(tt.code) {
				t.Errorf("code %v, want %s", got.Extensions["code"], tt.code)
			}
			if !strings.Contains(got.Message, tt.msg) {
				t.Errorf("message %q lacks %q", got.Message, tt.msg)
			}
			if tt.hidden != "" && strings.Contains(got.Message, tt.hidden) {
				t.Errorf("message %q shows %q", got.Message, tt.hidden)
			}
			if got.Extensions["retryAfterSeconds"] != tt.retry {
				t.Errorf("retryAfterSeconds %v, want %v", got.Extensions["retryAfterSeconds"], tt.retry)
			}
			if logged := logs.Len() > 0; logged != tt.logged {
				t.Errorf("logged %v, want %v: %s", logged, tt.logged, logs.String())
			}
			if tt.logged && tt.hidden != "" && !strings.Contains(logs.String(), tt.hidden) {
				t.Errorf("the log lacks the hidden detail %q: %s", tt.hidden, logs.String())
			}
		})
	}
}

func TestErrorPresenterKeepsPath(t *testing.T) {
	path := ast.Path{ast.PathName("identity"), ast.PathName("startDate")}
	got := ErrorPresenter(slog.New(slog.DiscardHandler))(context.Background(), gqlerror.WrapPath(path, isc.ErrNotFound))
	if got.Path.String() != "identity.startDate" || got.Extensions["code"] != string(CodeNotFound) {
		t.Fatalf("presented %+v", got)
	}
}

func TestErrorPresenterKeepsCodes(t *testing.T) {
	in := &gqlerror.Error{Message: "Cannot query field", Extensions: map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}}
	if got := ErrorPresenter(slog.New(slog.DiscardHandler))(context.Background(), in); got != in {
		t.Fatalf("a coded error was rewritten: %+v", got)
	}
}

func TestRecoverLogsAndHides(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	err := Recover(log)(context.Background(), "boom: secret detail")
	got := ErrorPresenter(log)(context.Background(), err)
	if got.Extensions["code"] != string(CodeInternal) || strings.Contains(got.Message, "secret") {
		t.Fatalf("panic presented as %+v", got)
	}
	if !strings.Contains(logs.String(), "secret detail") || strings.Count(logs.String(), "\n") != 1 {
		t.Fatalf("the panic should be logged once, with its value: %s", logs.String())
	}
}

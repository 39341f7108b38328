package httpcache

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/optest"

	"github.com/sailgraph/sailgraph/cache"
	"github.com/sailgraph/sailgraph/upstream/op"
)

func TestClassify(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := classifier{settle: 24 * time.Hour, now: func() time.Time { return now }}
	cases := []struct {
		path   string
		status int
		body   string
		want   cache.Class
	}{
		{"/beta/historical-identities/i1", 200, `{"id":"i1"}`, cache.Slow},
		{"/beta/historical-identities/i1/access-items", 200, `[]`, cache.Slow},
		{"/beta/historical-identities/i1/events", 200, `[]`, cache.Slow},
		{"/beta/historical-identities/i1/snapshots", 200, `[]`, cache.Slow},
		{"/beta/historical-identities/i1/compare", 200, `[]`, cache.Slow},
		{"/beta/historical-identities/i1/snapshots/2025-06-01T00:00:00Z", 200, `{}`, cache.Immutable},
		{"/beta/historical-identities/i1/snapshots/2025-06-01T00:00:00.000Z/access-items", 200, `[]`, cache.Immutable},
		{"/beta/historical-identities/i1/snapshots/2026-03-01T00:00:00Z", 200, `{}`, cache.Slow}, // today: may still change
		{"/beta/historical-identities/i1/snapshots/not-a-date", 200, `{}`, cache.Slow},
		{"/beta/task-status/t1", 200, `{"id":"t1","completionStatus":"SUCCESS"}`, cache.Immutable},
		{"/beta/task-status/t1", 200, `{"id":"t1","completionStatus":"ERROR"}`, cache.Immutable},
		{"/beta/task-status/t1", 200, `{"id":"t1","completionStatus":null}`, cache.Volatile},
		{"/beta/task-status/t1", 200, `{"id":"t1"}`, cache.Volatile},
		{"/beta/task-status", 200, `[{"completionStatus":"SUCCESS"},{"completionStatus":"WARNING"}]`, cache.Slow},
		{"/beta/task-status", 200, `[{"completionStatus":"SUCCESS"},{"completionStatus":null}]`, cache.Volatile},
		{"/beta/task-status", 200, `[]`, cache.Volatile},
		{"/beta/task-status/pending-tasks", 200, `[]`, cache.Volatile},
		{"/v2024/reports/r1/result", 200, `{"status":"SUCCESS","rows":3}`, cache.Immutable},
		{"/v2024/reports/r1/result", 200, `{"status":"TERMINATED"}`, cache.Immutable},
		{"/v2024/reports/r1/result", 200, `{"id":"r1"}`, cache.Volatile},
		{"/beta/role-mining-sessions/s/potential-roles/p/export-async/e", 200, `{"status":"SUCCESS"}`, cache.Immutable},
		{"/beta/role-mining-sessions/s/potential-roles/p/export-async/e", 200, `{"status":"ERROR"}`, cache.Immutable},
		{"/beta/role-mining-sessions/s/potential-roles/p/export-async/e", 200, `{"status":"QUEUED"}`, cache.Volatile},
		{"/beta/role-mining-sessions/s/potential-roles/p/export-async/e", 200, `{"status":"IN_PROGRESS"}`, cache.Volatile},
		{"/beta/task-status/t1", 404, `{}`, cache.NotFound},
		{"/beta/historical-identities/i1", 401, ``, cache.NoStore},
		{"/beta/historical-identities/i1", 403, ``, cache.NoStore},
		{"/beta/historical-identities/i1", 429, ``, cache.NoStore},
		{"/beta/historical-identities/i1", 500, ``, cache.NoStore},
		{"/beta/task-status/pending-tasks", 204, ``, cache.NoStore},
	}
	for _, tc := range cases {
		call, _ := op.From(optest.WithCall(context.Background(), http.MethodGet, tc.path))
		if got := c.classify(call, tc.status, []byte(tc.body)); got != tc.want {
			t.Errorf("%d %s %s = %s, want %s", tc.status, tc.path, tc.body, got, tc.want)
		}
	}
}

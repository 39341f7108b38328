package route

import (
	"net/http"
	"slices"
	"testing"

	"github.com/sailgraph/sailgraph/internal/spectest"
)

func TestTableMatchesSpec(t *testing.T) {
	specs := spectest.Load(t)
	want := specs.OperationIDs()
	got := Operations()
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("route table operations differ from the spec:\n got %v\nwant %v", got, want)
	}
}

func TestMatch(t *testing.T) {
	cases := []struct {
		method, path, op string
		api              API
		params           map[string]string
	}{
		{http.MethodGet, "/beta/task-status/pending-tasks", "getPendingTasks", Beta, map[string]string{}},
		{http.MethodHead, "/beta/task-status/pending-tasks", "getPendingTaskHeaders", Beta, map[string]string{}},
		{http.MethodGet, "/beta/task-status/t1", "getTaskStatus", Beta, map[string]string{"id": "t1"}},
		{http.MethodPatch, "/beta/task-status/t1", "updateTaskStatus", Beta, map[string]string{"id": "t1"}},
		{http.MethodGet, "/beta/historical-identities/i1/snapshots/2024-01-01T00:00:00Z/access-items", "listIdentitySnapshotAccessItems", Beta, map[string]string{"id": "i1", "date": "2024-01-01T00:00:00Z"}},
		{http.MethodGet, "/beta/historical-identities/i1/compare/role", "compareIdentitySnapshotsAccessType", Beta, map[string]string{"id": "i1", "accessType": "role"}},
		{http.MethodPost, "/v2024/reports/run", "startReport", V2024, map[string]string{}},
		{http.MethodGet, "/v2024/reports/r1", "getReport", V2024, map[string]string{"taskResultId": "r1"}},
		{http.MethodPost, "/v2024/reports/r1/cancel", "cancelReport", V2024, map[string]string{"id": "r1"}},
	}
	for _, c := range cases {
		r, ok := Match(c.method, c.path)
		if !ok || r.Operation != c.op || r.API != c.api {
			t.Errorf("%s %s = %+v, %v; want %s", c.method, c.path, r, ok, c.op)
			continue
		}
		for k, v := range c.params {
			if r.Params[k] != v {
				t.Errorf("%s: param %s = %q, want %q", c.path, k, r.Params[k], v)
			}
		}
	}
	for _, p := range []string{"/beta/nope", "/v2025/reports/run", "/beta/historical-identities//events"} {
		if r, ok := Match(http.MethodGet, p); ok {
			t.Errorf("%s matched %+v", p, r)
		}
	}
}

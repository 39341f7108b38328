package spectest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestEveryDocumentLoads(t *testing.T) {
	s := Load(t)
	want := map[API]int{Beta: 19, V2024: 4, IdentityHistoryV1: 11, TaskManagementV1: 3, ReportsV1: 4, RoleMiningV1: 3}
	total := 0
	for _, api := range APIs() {
		sp := s.Get(api)
		if sp == nil || sp.API != api {
			t.Fatalf("document %s not loaded", api)
		}
		n := len(sp.OperationIDs())
		total += n
		if n != want[api] {
			t.Errorf("%s: %d operations, want %d", api.File(), n, want[api])
		}
		for _, id := range sp.OperationIDs() {
			if got := strings.HasSuffix(id, "V1"); got != api.V1() {
				t.Errorf("%s: operationId %s (v1 ids carry the V1 suffix, others do not)", api.File(), id)
			}
		}
	}
	if n := len(s.OperationIDsOf(APIs()...)); n != total {
		t.Fatalf("OperationIDsOf(all) lists %d, the documents %d", n, total)
	}
	if n := len(s.OperationIDsOf(V1APIs()...)); n != 21 {
		t.Fatalf("the v1 documents list %d operations, want 21", n)
	}
}

func TestEveryDocumentRoutesItsOwnPaths(t *testing.T) {
	s := Load(t)
	cases := []struct {
		method, path string
		api          API
		op           string
		params       map[string]string
	}{
		{http.MethodGet, "/beta/task-status/t1", Beta, "getTaskStatus", map[string]string{"id": "t1"}},
		{http.MethodPost, "/v2024/reports/run", V2024, "startReport", nil},
		{http.MethodGet, "/historical-identities/v1", IdentityHistoryV1, "listHistoricalIdentitiesV1", nil},
		{http.MethodGet, "/historical-identities/v1/i1/compare/role", IdentityHistoryV1, "compareIdentitySnapshotsAccessTypeV1", map[string]string{"id": "i1", "accessType": "role"}},
		{http.MethodGet, "/historical-identities/v1/i1/snapshots/2024-01-01T00:00:00Z/access-items", IdentityHistoryV1, "listIdentitySnapshotAccessItemsV1", map[string]string{"id": "i1", "date": "2024-01-01T00:00:00Z"}},
		{http.MethodGet, "/task-status/v1", TaskManagementV1, "getTaskStatusListV1", nil},
		{http.MethodPatch, "/task-status/v1/t1", TaskManagementV1, "updateTaskStatusV1", map[string]string{"id": "t1"}},
		{http.MethodGet, "/reports/v1/r1", ReportsV1, "getReportV1", map[string]string{"taskResultId": "r1"}},
		{http.MethodPost, "/reports/v1/r1/cancel", ReportsV1, "cancelReportV1", map[string]string{"id": "r1"}},
		{http.MethodGet, "/role-mining-sessions/v1/s1/potential-roles/p1/export-async/e1/download", RoleMiningV1, "downloadRoleMiningPotentialRoleZipV1", map[string]string{"sessionId": "s1", "potentialRoleId": "p1", "exportId": "e1"}},
	}
	for _, c := range cases {
		req := httptest.NewRequest(c.method, "http://127.0.0.1:1234"+c.path, nil)
		sp, err := s.For(req.URL)
		if err != nil || sp.API != c.api {
			t.Errorf("%s %s: document %v, %v; want %s", c.method, c.path, sp, err, c.api)
			continue
		}
		route, params, err := s.Route(req)
		if err != nil {
			t.Errorf("%s %s: %v", c.method, c.path, err)
			continue
		}
		if route.Operation.OperationID != c.op {
			t.Errorf("%s %s routed to %s, want %s", c.method, c.path, route.Operation.OperationID, c.op)
		}
		for k, v := range c.params {
			if params[k] != v {
				t.Errorf("%s %s: param %s=%q, want %q", c.method, c.path, k, params[k], v)
			}
		}
	}
	for _, path := range []string{"/task-status/pending-tasks", "/task-status/v1/pending-tasks/x", "/historical-identities/v2", "/v1/reports", "/betax/task-status"} {
		req := httptest.NewRequest(http.MethodGet, "http://h"+path, nil)
		if route, _, err := s.Route(req); err == nil {
			t.Errorf("%s routed to %s; no document has it", path, route.Operation.OperationID)
		}
	}
}

func TestV1RequestChecks(t *testing.T) {
	s := Load(t)
	ctx := context.Background()
	get := func(path string, experimental bool) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:1234"+path, nil)
		if experimental {
			r.Header.Set("X-SailPoint-Experimental", "true")
		}
		return r
	}
	for _, ok := range []*http.Request{
		get("/historical-identities/v1/abc/access-items?type=role&limit=10", true),
		get("/role-mining-sessions/v1/s1/potential-roles/p1/export-async/e1", true),
		get("/task-status/v1?limit=5&filters=completionStatus%20isnull", false),
		get("/reports/v1/r1/result?completed=true", false),
	} {
		if _, err := s.ValidateRequest(ctx, ok); err != nil {
			t.Errorf("valid request rejected: %v", err)
		}
	}
	bad := []struct {
		req  *http.Request
		want string
	}{
		{get("/historical-identities/v1/abc/access-items?type=role", false), "X-SailPoint-Experimental"},
		{get("/role-mining-sessions/v1/s1/potential-roles/p1/export-async/e1", false), "X-SailPoint-Experimental"},
		{get("/historical-identities/v1/abc/access-items?type=group", true), "type"},
		{get("/historical-identities/v1/abc/access-items?limit=251", true), "limit"},
		{get("/task-status/v1?limit=251", false), "limit"},
		{get("/reports/v1/r1/result?completed=maybe", false), "completed"},
	}
	for _, c := range bad {
		if _, err := s.ValidateRequest(ctx, c.req); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s accepted or rejected for the wrong reason (want %q): %v", c.req.URL.RequestURI(), c.want, err)
		}
	}
	// The task-status v1 API has no pending-tasks operation; a request for
	// one has no operation to be valid against.
	if _, err := s.ValidateRequest(ctx, get("/task-status/pending-tasks", false)); err == nil {
		t.Error("/task-status/pending-tasks passed the request check")
	}
}

func TestV1ResponseChecks(t *testing.T) {
	s := Load(t)
	ctx := context.Background()
	in, err := s.ValidateRequest(ctx, httptest.NewRequest(http.MethodGet, "http://h/reports/v1/abc/result", nil))
	if err != nil {
		t.Fatal(err)
	}
	js := http.Header{"Content-Type": {"application/json"}}
	if err := s.ValidateResponse(ctx, in, 200, js, []byte(`{"status":"SUCCESS","rows":3}`)); err != nil {
		t.Errorf("valid response rejected: %v", err)
	}
	if err := s.ValidateResponse(ctx, in, 200, js, []byte(`{"status":"NOPE"}`)); err == nil {
		t.Error("a status outside the enum passed the response check")
	}
	if err := s.ValidateResponse(ctx, in, 418, js, []byte(`{}`)); err == nil {
		t.Error("an undocumented status passed the response check")
	}
	// The tenant's 404 for an unknown id is checked against the v1 file's
	// own error schema.
	if err := s.ValidateResponse(ctx, in, 404, js, []byte(`{"detailCode":"404 Not found","messages":[{"locale":"en-US","localeOrigin":"DEFAULT","text":"no"}]}`)); err != nil {
		t.Errorf("404 with an error body rejected: %v", err)
	}
	if err := s.ValidateResponse(ctx, in, 404, js, []byte(`{"messages":"no"}`)); err == nil {
		t.Error("404 with a malformed error body passed")
	}
}

// recorder is a testing.TB that keeps the errors a Transport reports
// instead of failing the test, so a test can assert that it reports them.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.errs)
}

func TestTransportValidatesV1Exchanges(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/historical-identities/v1/abc/access-items":
			_, _ = io.WriteString(w, `[]`)
		case "/task-status/v1":
			// A task status missing every required field.
			_, _ = io.WriteString(w, `[{"id":"t1"}]`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	rec := &recorder{TB: t}
	tr := NewTransport(rec, nil)
	client := &http.Client{Transport: tr}
	do := func(path string, experimental bool) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if experimental {
			req.Header.Set("X-SailPoint-Experimental", "true")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}

	do("/historical-identities/v1/abc/access-items?type=role", true)
	if errs := rec.errors(); len(errs) != 0 {
		t.Fatalf("a valid v1 exchange was reported: %v", errs)
	}
	if got := tr.CoveredIn(IdentityHistoryV1)["listIdentityAccessItemsV1"]; got != 1 {
		t.Fatalf("CoveredIn(identity history v1) counts %d exchanges of listIdentityAccessItemsV1, want 1", got)
	}
	if got := tr.CoveredIn(Beta); len(got) != 0 {
		t.Fatalf("a v1 exchange counted against beta: %v", got)
	}

	do("/historical-identities/v1/abc/access-items", false)
	if errs := rec.errors(); len(errs) != 1 || !strings.Contains(errs[0], "X-SailPoint-Experimental") {
		t.Fatalf("a v1 request without the experimental header: reported %v", errs)
	}

	do("/task-status/v1", false)
	if errs := rec.errors(); len(errs) != 2 || !strings.Contains(errs[1], "getTaskStatusListV1") {
		t.Fatalf("a task status v1 response missing its required fields: reported %v", errs)
	}

	un := tr.Uncovered(TaskManagementV1)
	if !slices.Equal(un, []string{"getTaskStatusV1", "updateTaskStatusV1"}) {
		t.Fatalf("Uncovered(task management v1) = %v", un)
	}
	if n := tr.Covered()["listIdentityAccessItemsV1"]; n != 2 {
		t.Fatalf("Covered counts %d exchanges of listIdentityAccessItemsV1, want 2", n)
	}
}

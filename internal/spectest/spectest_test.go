package spectest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
)

func TestLoadAndRouteEveryOperation(t *testing.T) {
	s := Load(t)
	ids := s.OperationIDs()
	sort.Strings(ids)
	if len(ids) != 23 {
		t.Fatalf("expected 23 operations in the spec, got %d: %v", len(ids), ids)
	}
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:1234/beta/historical-identities/abc/snapshots/2024-01-01T00:00:00Z/access-items?type=role", nil)
	route, params, err := s.Route(req)
	if err != nil {
		t.Fatal(err)
	}
	if route.Operation.OperationID != "listIdentitySnapshotAccessItems" || params["id"] != "abc" {
		t.Fatalf("routed to %s %v", route.Operation.OperationID, params)
	}
	if _, err := s.ValidateRequest(context.Background(), req); err != nil {
		t.Fatalf("valid request rejected: %v", err)
	}
	bad := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:1234/beta/historical-identities/abc/access-items?limit=251", nil)
	if _, err := s.ValidateRequest(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("limit=251 accepted by the request check: %v", err)
	}
	in, err := s.ValidateRequest(context.Background(), httptest.NewRequest(http.MethodGet, "http://h/v2024/reports/abc/result", nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ValidateResponse(context.Background(), in, 200, http.Header{"Content-Type": {"application/json"}}, []byte(`{"status":"NOPE"}`)); err == nil {
		t.Fatal("a status outside the enum passed the response check")
	}
	if err := s.ValidateResponse(context.Background(), in, 200, http.Header{"Content-Type": {"application/json"}}, []byte(`{"status":"SUCCESS","rows":3}`)); err != nil {
		t.Fatalf("valid response rejected: %v", err)
	}
}

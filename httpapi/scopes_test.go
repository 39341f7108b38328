package httpapi

import (
	"net/http"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/sailgraph/sailgraph/internal/spectest"
	"github.com/sailgraph/sailgraph/upstream/route"
)

// The scopes table is the spec's: for each operation, the union of the
// scopes its security requirements list (the document's global security
// when it has none of its own), except the one documented exception.
func TestScopesMatchTheSpec(t *testing.T) {
	specs := spectest.Load(t)
	seen := 0
	for _, sp := range []*spectest.Spec{specs.Beta, specs.V2024} {
		for _, p := range sp.Doc.Paths.InMatchingOrder() {
			for _, op := range sp.Doc.Paths.Value(p).Operations() {
				seen++
				sec := sp.Doc.Security
				if op.Security != nil {
					sec = *op.Security
				}
				want := unionScopes(sec)
				if op.OperationID == "compareIdentitySnapshotsAccessType" {
					if !slices.Equal(want, []string{"sp:scopes:all"}) {
						t.Errorf("the spec now gives %s its own security %v: drop the exception", op.OperationID, want)
					}
					want, _ = Scopes("compareIdentitySnapshots")
				}
				got, ok := Scopes(op.OperationID)
				slices.Sort(got)
				slices.Sort(want)
				if !ok || !slices.Equal(got, want) {
					t.Errorf("Scopes(%s) = %v, %v; the spec says %v", op.OperationID, got, ok, want)
				}
			}
		}
	}
	if seen != len(operationScopes) || seen != len(route.Operations()) {
		t.Fatalf("the spec has %d operations, the scopes table %d, the route table %d", seen, len(operationScopes), len(route.Operations()))
	}
}

func unionScopes(reqs openapi3.SecurityRequirements) []string {
	var out []string
	for _, req := range reqs {
		for _, scopes := range req {
			for _, s := range scopes {
				if !slices.Contains(out, s) {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

func TestAllowedAndOperation(t *testing.T) {
	cases := []struct {
		method, path string
		granted      []string
		op           string
		allowed      bool
	}{
		{http.MethodGet, "/beta/task-status/t1", []string{"idn:task-management:read"}, "getTaskStatus", true},
		{http.MethodPatch, "/beta/task-status/t1", []string{"idn:task-management:read"}, "updateTaskStatus", false},
		{http.MethodPatch, "/beta/task-status/t1", []string{"idn:task-management:write"}, "updateTaskStatus", true},
		{http.MethodPost, "/v2024/reports/run", []string{"sp:report:read"}, "startReport", false},
		{http.MethodGet, "/v2024/reports/r1/result", []string{"sp:report:read"}, "getReportResult", true},
		{http.MethodGet, "/beta/historical-identities/i1/compare/role", []string{"idn:identity-history:read"}, "compareIdentitySnapshotsAccessType", true},
		{http.MethodGet, "/beta/historical-identities", nil, "listHistoricalIdentities", false},
		{http.MethodPost, "/beta/role-mining-sessions/s/potential-roles/r/export-async", []string{"sp:scopes:all"}, "exportRoleMiningPotentialRoleAsync", true},
	}
	for _, c := range cases {
		r, _ := http.NewRequest(c.method, "http://gw"+c.path, nil)
		op, ok := Operation(r)
		if !ok || op != c.op {
			t.Errorf("Operation(%s %s) = %q, %v; want %s", c.method, c.path, op, ok, c.op)
		}
		if got := Allowed(op, c.granted); got != c.allowed {
			t.Errorf("Allowed(%s, %v) = %v, want %v", op, c.granted, got, c.allowed)
		}
	}
	if _, ok := Operation(httptestRequest(http.MethodGet, "/beta/nope")); ok {
		t.Error("Operation matched an unknown path")
	}
	if Allowed("noSuchOperation", []string{"sp:scopes:all"}) {
		t.Error("an unknown operation was allowed")
	}
	s, _ := Scopes("getReport")
	s[0] = "mutated"
	if again, _ := Scopes("getReport"); again[0] == "mutated" {
		t.Error("Scopes returned the table's own slice")
	}
}

func httptestRequest(method, path string) *http.Request {
	r, _ := http.NewRequest(method, "http://gw"+path, nil)
	return r
}

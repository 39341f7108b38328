package op_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/sailgraph/sailgraph/internal/spectest"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// The table's legacy column is the legacy specs: every operation, its
// method and path template, and the scopes its security lists.
func TestTableMatchesLegacySpecs(t *testing.T) {
	specs := spectest.Load(t)
	seen := map[string]bool{}
	for _, sp := range []*spectest.Spec{specs.Beta, specs.V2024} {
		for _, path := range sp.Doc.Paths.InMatchingOrder() {
			for method, so := range sp.Doc.Paths.Value(path).Operations() {
				o, ok := op.Named(so.OperationID)
				if !ok {
					t.Errorf("%s %s (%s) is not in the table", method, path, so.OperationID)
					continue
				}
				seen[o.Name] = true
				p := o.Path(op.Legacy)
				wantAPI := op.API(sp.API)
				if o.Method != method || p.Template != "/"+string(sp.API)+path || p.API != wantAPI || p.OperationID != so.OperationID {
					t.Errorf("%s: table has %s %s (%s), spec %s /%s%s", so.OperationID, o.Method, p.Template, p.API, method, sp.API, path)
				}
				sec := sp.Doc.Security
				if so.Security != nil {
					sec = *so.Security
				}
				want := unionScopes(sec)
				if so.OperationID == "compareIdentitySnapshotsAccessType" {
					// The documented exception: the spec falls back to the
					// global sp:scopes:all; the table takes its sibling's.
					if !slices.Equal(want, []string{"sp:scopes:all"}) {
						t.Errorf("the spec now gives %s its own security %v: drop the exception", so.OperationID, want)
					}
					want = op.CompareIdentitySnapshots.Scopes
				}
				got := slices.Sorted(slices.Values(o.Scopes))
				if want = slices.Sorted(slices.Values(want)); !slices.Equal(got, want) {
					t.Errorf("%s scopes %v, the spec says %v", so.OperationID, got, want)
				}
			}
		}
	}
	if len(seen) != len(op.All()) || len(seen) != 23 {
		t.Fatalf("the specs have %d operations, the table %d", len(seen), len(op.All()))
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

func TestOneFactOnce(t *testing.T) {
	for _, o := range op.All() {
		switch {
		case o.Download && (o.Cache != op.NoCache || o.Method != http.MethodGet):
			t.Errorf("%s: a download is a GET that is never cached", o.Name)
		case o.Method != http.MethodGet && o.Cache != op.NoCache:
			t.Errorf("%s: only GETs are cached", o.Name)
		case o.PageSize != 0 && o.PageSize != op.MaxPageSize:
			t.Errorf("%s: page size %d", o.Name, o.PageSize)
		case o.PageSize != 0 && o.QueryDefaults["limit"] != "250":
			t.Errorf("%s: a list's default limit is its page size", o.Name)
		case len(o.Scopes) == 0:
			t.Errorf("%s: no scopes", o.Name)
		}
	}
}

func TestMatch(t *testing.T) {
	cases := []struct {
		method, path string
		want         *op.Operation
		gen          op.Generation
		api          op.API
		params       []string
	}{
		{http.MethodGet, "/beta/task-status/pending-tasks", op.GetPendingTasks, op.Legacy, op.Beta, nil},
		{http.MethodHead, "/beta/task-status/pending-tasks", op.GetPendingTaskHeaders, op.Legacy, op.Beta, nil},
		{http.MethodGet, "/beta/task-status/t1", op.GetTaskStatus, op.Legacy, op.Beta, []string{"t1"}},
		{http.MethodPatch, "/beta/task-status/t1", op.UpdateTaskStatus, op.Legacy, op.Beta, []string{"t1"}},
		{http.MethodGet, "/beta/historical-identities/i1/snapshots/2024-01-01T00:00:00Z/access-items", op.ListIdentitySnapshotAccessItems, op.Legacy, op.Beta, []string{"i1", "2024-01-01T00:00:00Z"}},
		{http.MethodGet, "/beta/historical-identities/i1/compare/role", op.CompareIdentitySnapshotsAccessType, op.Legacy, op.Beta, []string{"i1", "role"}},
		{http.MethodPost, "/v2024/reports/run", op.StartReport, op.Legacy, op.V2024, nil},
		{http.MethodGet, "/v2024/reports/r1", op.GetReport, op.Legacy, op.V2024, []string{"r1"}},
		{http.MethodPost, "/v2024/reports/r1/cancel", op.CancelReport, op.Legacy, op.V2024, []string{"r1"}},
		{http.MethodGet, "/historical-identities/v1/i1/events", op.GetHistoricalIdentityEvents, op.V1, op.HistoryV1, []string{"i1"}},
		{http.MethodGet, "/task-status/v1", op.GetTaskStatusList, op.V1, op.TasksV1, nil},
		{http.MethodPatch, "/task-status/v1/t1", op.UpdateTaskStatus, op.V1, op.TasksV1, []string{"t1"}},
		{http.MethodPost, "/reports/v1/run", op.StartReport, op.V1, op.ReportsV1, nil},
		{http.MethodGet, "/role-mining-sessions/v1/s/potential-roles/p/export-async/e/download", op.DownloadRoleMiningPotentialRoleZip, op.V1, op.RoleMiningV1, []string{"s", "p", "e"}},
	}
	for _, c := range cases {
		call, ok := op.Match(c.method, c.path)
		if !ok || call.Op != c.want || call.Gen != c.gen || call.API() != c.api || !slices.Equal(call.Params, c.params) {
			t.Errorf("%s %s = %+v, %v; want %s %s %v", c.method, c.path, call, ok, c.want.Name, c.gen, c.params)
		}
	}
	for _, p := range []string{"/beta/nope", "/v2025/reports/run", "/beta/historical-identities//events", "/task-status/v1/pending-tasks/x"} {
		if call, ok := op.Match(http.MethodGet, p); ok {
			t.Errorf("%s matched %s", p, call.Op.Name)
		}
	}
	if call, _ := op.Match(http.MethodGet, "/beta/historical-identities/i1/snapshots/d/access-items"); call.Param("date") != "d" || call.Param("id") != "i1" || call.Resource() != "i1" {
		t.Errorf("params of %+v", call)
	}
	if got := op.Methods("/reports/v1/r1/cancel"); !slices.Equal(got, []string{http.MethodPost}) {
		t.Errorf("Methods(/reports/v1/r1/cancel) = %v", got)
	}
	if got := op.Methods("/beta/task-status/t1"); !slices.Equal(got, []string{http.MethodGet, http.MethodPatch}) {
		t.Errorf("Methods(/beta/task-status/t1) = %v", got)
	}
}

func TestV1Column(t *testing.T) {
	for _, o := range op.All() {
		p := o.Path(op.V1)
		switch o {
		case op.GetPendingTasks, op.GetPendingTaskHeaders:
			if p.Served() {
				t.Errorf("%s: task management v1 has no pending-task operations", o.Name)
			}
			continue
		}
		if !p.Served() || p.OperationID != o.Name+"V1" || !strings.HasSuffix(string(p.API), "-v1") {
			t.Errorf("%s: v1 path %+v", o.Name, p)
		}
		wantExperimental := o.Family == op.History || o.Family == op.RoleMining
		if p.Experimental != wantExperimental || o.Path(op.Legacy).Experimental {
			t.Errorf("%s: experimental %v", o.Name, p.Experimental)
		}
	}
	if got := op.Roots(); !slices.Equal(got, []string{"/beta", "/historical-identities/v1", "/task-status/v1", "/role-mining-sessions/v1", "/v2024", "/reports/v1"}) {
		t.Errorf("Roots() = %v", got)
	}
}

// The query defaults are the spec's: every schema default of a cached
// GET's query parameters is in the table with the spec's value, and every
// array parameter is a set.
func TestQueryDefaultsMatchSpec(t *testing.T) {
	specs := spectest.Load(t)
	for _, sp := range []*spectest.Spec{specs.Beta, specs.V2024} {
		for path, item := range sp.Doc.Paths.Map() {
			so := item.Get
			if so == nil {
				continue
			}
			o, _ := op.Named(so.OperationID)
			if o.Cache == op.NoCache {
				continue
			}
			for _, ref := range so.Parameters {
				p := ref.Value
				if p.In != "query" || p.Schema == nil || p.Schema.Value == nil {
					continue
				}
				s := p.Schema.Value
				if s.Default != nil {
					if got, want := o.QueryDefaults[p.Name], fmt.Sprint(s.Default); got != want {
						t.Errorf("%s %s: default of %s is %q in the table, %q in the spec", so.OperationID, path, p.Name, got, want)
					}
				}
				if s.Type != nil && s.Type.Is("array") && !slices.Contains(o.SetParams, p.Name) {
					t.Errorf("%s: array parameter %s is not a set in the table", so.OperationID, p.Name)
				}
			}
		}
	}
}

// The table's v1 column is the v1 specs: every operation, its method and
// path template, whether it needs the experimental header, and the scopes
// its security lists.
func TestTableMatchesV1Specs(t *testing.T) {
	specs := spectest.Load(t)
	seen := 0
	for _, api := range []spectest.API{spectest.IdentityHistoryV1, spectest.TaskManagementV1, spectest.ReportsV1, spectest.RoleMiningV1} {
		sp := specs.Get(api)
		for _, path := range sp.Doc.Paths.InMatchingOrder() {
			item := sp.Doc.Paths.Value(path)
			for method, so := range item.Operations() {
				o, ok := op.Named(so.OperationID)
				if !ok {
					t.Errorf("%s %s (%s) is not in the table", method, path, so.OperationID)
					continue
				}
				seen++
				p := o.Path(op.V1)
				if o.Method != method || p.Template != path || p.OperationID != so.OperationID {
					t.Errorf("%s: table has %s %s (%s), spec %s %s", so.OperationID, o.Method, p.Template, p.OperationID, method, path)
				}
				experimental := false
				for _, ref := range append(slices.Clone(item.Parameters), so.Parameters...) {
					if ref.Value != nil && ref.Value.In == "header" && ref.Value.Name == "X-SailPoint-Experimental" && ref.Value.Required {
						experimental = true
					}
				}
				if p.Experimental != experimental {
					t.Errorf("%s: experimental %v in the table, %v in the spec", so.OperationID, p.Experimental, experimental)
				}
				sec := sp.Doc.Security
				if so.Security != nil {
					sec = *so.Security
				}
				want := unionScopes(sec)
				if o == op.CompareIdentitySnapshotsAccessType && slices.Equal(want, []string{"sp:scopes:all"}) {
					want = op.CompareIdentitySnapshots.Scopes // the legacy exception, if v1 has it too
				}
				got := slices.Sorted(slices.Values(o.Scopes))
				if want = slices.Sorted(slices.Values(want)); !slices.Equal(got, want) {
					t.Errorf("%s scopes %v, the spec says %v", so.OperationID, got, want)
				}
			}
		}
	}
	served := 0
	for _, o := range op.All() {
		if o.Path(op.V1).Served() {
			served++
		}
	}
	if seen != served || seen != 21 {
		t.Fatalf("the v1 specs have %d operations, the table's v1 column %d", seen, served)
	}
}

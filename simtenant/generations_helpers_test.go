package simtenant

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/sailgraph/sailgraph/internal/spectest"
)

// genOp is one sample call of an operation and the status it answers on
// a genFixture.
type genOp struct {
	id, method, path, body, ctype string
	want                          int
}

// genFixture is what the sample calls need: an identity and a date it has
// a snapshot at, a task, a finished report, a running report per
// generation (a cancel uses one up) and a finished export.
type genFixture struct {
	identity, date, task   string
	reportDone             string
	runningLegacy, running string
	export                 string
}

// newGenFixture makes the fixture through the tenant's stores (not HTTP,
// so that it works whichever generation is switched off), moving clock
// past the report and export durations.
func newGenFixture(t *testing.T, tn *Tenant, clock *fakeClock) genFixture {
	t.Helper()
	start := func(typ, args string) string {
		rt := tn.reports.reportType(typ)
		a, err := parseReportArgs(rt, json.RawMessage(args))
		if err != nil {
			t.Fatal(err)
		}
		return tn.reports.start(clock.Now(), rt, a, DefaultClientID, tn.history.listIdentities()).id
	}
	p := tn.history.listIdentities()[0]
	f := genFixture{
		identity:   p.ID,
		date:       formatTime(p.StartDate),
		task:       tn.tasks.visible(clock.Now())[0].id,
		reportDone: start("IDENTITIES", ""),
		export:     tn.roleMining.start(clock.Now(), testSession, testRole, 0, true).id,
	}
	clock.Advance(tn.opts.ReportDuration + 2*tn.opts.ExportStep)
	f.runningLegacy = start("SEARCH_EXPORT", `{"query":"legacy"}`)
	f.running = start("SEARCH_EXPORT", `{"query":"v1"}`)
	return f
}

const patchType = "application/json-patch+json"

// genOps returns one sample call of every operation: the 23 legacy ones
// and the 21 v1 ones.
func genOps(f genFixture) (legacy, v1 []genOp) {
	id := "/" + f.identity
	export := "/" + testSession + "/potential-roles/" + testRole + "/export-async"
	patch := `[{"op":"replace","path":"/progress","value":"probed"}]`
	for _, c := range []struct {
		id, method, legacy, v1, body, ctype string
		want                                int
	}{
		{id: "listHistoricalIdentities", legacy: "/beta/historical-identities?limit=5", v1: "/historical-identities/v1?limit=5"},
		{id: "getHistoricalIdentity", legacy: "/beta/historical-identities" + id, v1: "/historical-identities/v1" + id},
		{id: "listIdentityAccessItems", legacy: "/beta/historical-identities" + id + "/access-items?type=role", v1: "/historical-identities/v1" + id + "/access-items?type=role"},
		{id: "getHistoricalIdentityEvents", legacy: "/beta/historical-identities" + id + "/events?limit=5", v1: "/historical-identities/v1" + id + "/events?limit=5"},
		{id: "listIdentitySnapshots", legacy: "/beta/historical-identities" + id + "/snapshots?limit=5", v1: "/historical-identities/v1" + id + "/snapshots?limit=5"},
		{id: "getIdentitySnapshot", legacy: "/beta/historical-identities" + id + "/snapshots/" + f.date, v1: "/historical-identities/v1" + id + "/snapshots/" + f.date},
		{id: "listIdentitySnapshotAccessItems", legacy: "/beta/historical-identities" + id + "/snapshots/" + f.date + "/access-items", v1: "/historical-identities/v1" + id + "/snapshots/" + f.date + "/access-items"},
		{id: "getIdentitySnapshotSummary", legacy: "/beta/historical-identities" + id + "/snapshot-summary", v1: "/historical-identities/v1" + id + "/snapshot-summary"},
		{id: "getIdentityStartDate", legacy: "/beta/historical-identities" + id + "/start-date", v1: "/historical-identities/v1" + id + "/start-date"},
		{id: "compareIdentitySnapshots", legacy: "/beta/historical-identities" + id + "/compare", v1: "/historical-identities/v1" + id + "/compare"},
		{id: "compareIdentitySnapshotsAccessType", legacy: "/beta/historical-identities" + id + "/compare/role", v1: "/historical-identities/v1" + id + "/compare/role"},

		{id: "getTaskStatusList", legacy: "/beta/task-status?limit=5", v1: "/task-status/v1?limit=5"},
		{id: "getPendingTasks", legacy: "/beta/task-status/pending-tasks?limit=5"},
		{id: "getPendingTaskHeaders", method: http.MethodHead, legacy: "/beta/task-status/pending-tasks?count=true"},
		{id: "getTaskStatus", legacy: "/beta/task-status/" + f.task, v1: "/task-status/v1/" + f.task},
		{id: "updateTaskStatus", method: http.MethodPatch, legacy: "/beta/task-status/" + f.task, v1: "/task-status/v1/" + f.task, body: patch, ctype: patchType},

		{id: "startReport", method: http.MethodPost, legacy: "/v2024/reports/run", v1: "/reports/v1/run", body: `{"reportType":"IDENTITIES"}`, ctype: "application/json"},
		{id: "getReportResult", legacy: "/v2024/reports/" + f.reportDone + "/result", v1: "/reports/v1/" + f.reportDone + "/result"},
		{id: "cancelReport", method: http.MethodPost, legacy: "/v2024/reports/" + f.runningLegacy + "/cancel", v1: "/reports/v1/" + f.running + "/cancel", want: http.StatusNoContent},
		{id: "getReport", legacy: "/v2024/reports/" + f.reportDone + "?fileFormat=csv", v1: "/reports/v1/" + f.reportDone + "?fileFormat=csv"},

		{id: "exportRoleMiningPotentialRoleAsync", method: http.MethodPost, legacy: "/beta/role-mining-sessions" + export, v1: "/role-mining-sessions/v1" + export,
			body: `{"minEntitlementPopularity":10,"includeCommonAccess":false}`, ctype: "application/json", want: http.StatusAccepted},
		{id: "exportRoleMiningPotentialRoleStatus", legacy: "/beta/role-mining-sessions" + export + "/" + f.export, v1: "/role-mining-sessions/v1" + export + "/" + f.export},
		{id: "downloadRoleMiningPotentialRoleZip", legacy: "/beta/role-mining-sessions" + export + "/" + f.export + "/download", v1: "/role-mining-sessions/v1" + export + "/" + f.export + "/download"},
	} {
		if c.method == "" {
			c.method = http.MethodGet
		}
		if c.want == 0 {
			c.want = http.StatusOK
		}
		legacy = append(legacy, genOp{c.id, c.method, c.legacy, c.body, c.ctype, c.want})
		if c.v1 != "" {
			v1 = append(v1, genOp{c.id + "V1", c.method, c.v1, c.body, c.ctype, c.want})
		}
	}
	return legacy, v1
}

// errorSchema is ErrorResponseDto as the document owning path has it
// (beta.yaml's for a path no document owns), for answers the spec check
// cannot route: unknown paths, refused methods.
func errorSchema(t *testing.T, path string) *openapi3.Schema {
	t.Helper()
	specs := spectest.Load(t)
	sp, err := specs.For(&url.URL{Path: path})
	if err != nil {
		sp = specs.Beta
	}
	for name, ref := range sp.Doc.Components.Schemas {
		if strings.EqualFold(name, "ErrorResponseDto") && ref.Value != nil {
			return ref.Value
		}
	}
	t.Fatalf("%s has no ErrorResponseDto", sp.API.File())
	return nil
}

// checkErrorBody requires body to be an ErrorResponseDto (as the document
// owning path has it) whose message mentions want.
func checkErrorBody(t *testing.T, path string, body []byte, want string) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, body)
	}
	if err := errorSchema(t, path).VisitJSON(v); err != nil {
		t.Fatalf("error body is not an ErrorResponseDto: %v: %s", err, body)
	}
	var e errorResponse
	_ = json.Unmarshal(body, &e)
	if len(e.Messages) == 0 || !strings.Contains(e.Messages[0].Text, want) {
		t.Fatalf("error message %q does not mention %q", body, want)
	}
}

// validateAnswer checks an answer to a request the validating client
// would not send (one the spec calls invalid) against the operation the
// request routes to: the answer must still be one the spec documents.
func validateAnswer(t *testing.T, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	specs := spectest.Load(t)
	route, params, err := specs.Route(req)
	if err != nil {
		t.Fatalf("%s %s routes to no operation: %v", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	if err := specs.ValidateResponse(req.Context(), in, status, header, body); err != nil {
		t.Errorf("%s: %v", route.Operation.OperationID, err)
	}
}

// genHarness serves a tenant with gens on a fake clock, the rate limit
// off, and the fixture made.
func genHarness(t *testing.T, gens Generations) (*harness, *fakeClock, genFixture) {
	t.Helper()
	clock := newFakeClock()
	h := newHarness(t, Options{Generations: gens, RateLimit: -1, Now: clock.Now,
		ReportDuration: 5 * time.Second, ExportStep: 2 * time.Second})
	return h, clock, newGenFixture(t, h.tn, clock)
}

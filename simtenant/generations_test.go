package simtenant

import (
	"flag"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/spectest"
)

func TestParseGenerations(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Generations{
		"legacy": GenLegacy, "v1": GenV1, "legacy,v1": GenAll, " V1 , legacy ": GenAll, "all": GenAll,
	} {
		got, err := ParseGenerations(in)
		if err != nil || got != want {
			t.Errorf("ParseGenerations(%q) = %v, %v; want %v", in, got, err, want)
		}
		if again, err := ParseGenerations(got.String()); err != nil || again != got {
			t.Errorf("%v does not read back: %v, %v", got, again, err)
		}
	}
	for _, in := range []string{"", ",", "v2", "legacy,beta"} {
		if _, err := ParseGenerations(in); err == nil {
			t.Errorf("ParseGenerations(%q) accepted", in)
		}
	}
	// The zero value is both, as Options documents.
	var zero Generations
	if !zero.Has(GenLegacy) || !zero.Has(GenV1) || zero.String() != "legacy,v1" {
		t.Fatalf("zero Generations: legacy %v, v1 %v, %q", zero.Has(GenLegacy), zero.Has(GenV1), zero.String())
	}
	// It is a flag.Value, for the simulate subcommand.
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var g Generations
	fs.Var(&g, "generations", "API generations to serve")
	if err := fs.Parse([]string{"-generations", "v1"}); err != nil || g != GenV1 || g.Has(GenLegacy) {
		t.Fatalf("-generations v1: %v, %v", g, err)
	}
	if err := fs.Parse([]string{"-generations", "v3"}); err == nil {
		t.Fatal("-generations v3 accepted")
	}
}

// TestEveryOperationBothGenerations calls all 44 operations of both
// generations over HTTP, each request and response checked against its
// spec, on a tenant serving both.
func TestEveryOperationBothGenerations(t *testing.T) {
	t.Parallel()
	h, _, f := genHarness(t, GenAll)
	legacy, v1 := genOps(f)
	if len(legacy) != 23 || len(v1) != 21 {
		t.Fatalf("%d legacy and %d v1 samples, want 23 and 21", len(legacy), len(v1))
	}
	for _, op := range append(legacy, v1...) {
		if status, _, b := h.do(op.method, op.path, op.body, op.ctype); status != op.want {
			t.Errorf("%s: %s %s = %d, want %d: %s", op.id, op.method, op.path, status, op.want, b)
		}
	}
	covered := h.spec.Covered()
	st := h.tn.Stats()
	for _, op := range append(legacy, v1...) {
		if covered[op.id] == 0 {
			t.Errorf("%s was not validated against the spec", op.id)
		}
		if st.Requests[op.id][op.want] != 1 {
			t.Errorf("Stats.Requests[%s] = %v, want one %d", op.id, st.Requests[op.id], op.want)
		}
	}
	specIDs := h.spec.Specs.OperationIDsOf(spectest.APIs()...)
	for _, op := range append(legacy, v1...) {
		if !slices.Contains(specIDs, op.id) {
			t.Errorf("%s is not an operation of the spec", op.id)
		}
	}
	if len(specIDs) != len(legacy)+len(v1) {
		t.Errorf("the specs have %d operations, the samples cover %d", len(specIDs), len(legacy)+len(v1))
	}
	if left := h.spec.Uncovered(); len(left) > 0 {
		t.Errorf("operations never validated: %v", left)
	}
	if got := len(h.spec.CoveredIn(spectest.IdentityHistoryV1)); got != 11 {
		t.Errorf("%d identity-history v1 operations validated, want 11", got)
	}
}

// TestGenerationSwitches serves one generation at a time: the other's
// paths are unknown (404 ErrorResponseDto, not counted as an operation),
// the served one's all work.
func TestGenerationSwitches(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		gens Generations
	}{{"legacy only", GenLegacy}, {"v1 only", GenV1}} {
		t.Run(c.name, func(t *testing.T) {
			h, _, f := genHarness(t, c.gens)
			legacy, v1 := genOps(f)
			on, off := legacy, v1
			if c.gens == GenV1 {
				on, off = v1, legacy
			}
			for _, op := range on {
				if status, _, b := h.do(op.method, op.path, op.body, op.ctype); status != op.want {
					t.Errorf("%s: %d, want %d: %s", op.id, status, op.want, b)
				}
			}
			for _, op := range off {
				status, _, b := h.send(h.raw, op.method, op.path, op.body, op.ctype)
				if status != http.StatusNotFound {
					t.Fatalf("%s with its generation off: %d %s", op.id, status, b)
				}
				if op.method != http.MethodHead {
					checkErrorBody(t, op.path, b, "did not find")
				}
			}
			st := h.tn.Stats()
			if st.Unrouted[http.StatusNotFound] != len(off) {
				t.Errorf("Unrouted[404] = %d, want %d", st.Unrouted[http.StatusNotFound], len(off))
			}
			for _, op := range off {
				if st.Requests[op.id] != nil {
					t.Errorf("%s counted although it is off: %v", op.id, st.Requests[op.id])
				}
			}
			for _, op := range on {
				if h.spec.Covered()[op.id] == 0 {
					t.Errorf("%s not validated", op.id)
				}
			}
		})
	}
}

// TestMethodNotAllowed: a known path with a method it does not serve is a
// 405 with Allow, in both generations, before any bearer check, so that a
// client can probe whether a path exists. A literal path segment wins over
// a wildcard: GET /reports/v1/run is the run path, not report "run".
func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	h, _, f := genHarness(t, GenAll)
	cases := []struct{ method, path, allow string }{
		{http.MethodGet, "/reports/v1/run", "POST"},
		{http.MethodGet, "/v2024/reports/run", "POST"},
		{http.MethodGet, "/reports/v1/" + f.running + "/cancel", "POST"},
		{http.MethodDelete, "/reports/v1/" + f.reportDone, "GET, HEAD"},
		{http.MethodPost, "/historical-identities/v1", "GET, HEAD"},
		{http.MethodPut, "/beta/historical-identities/" + f.identity + "/compare/role", "GET, HEAD"},
		{http.MethodDelete, "/task-status/v1/" + f.task, "GET, HEAD, PATCH"},
		{http.MethodPost, "/task-status/v1", "GET, HEAD"},
		{http.MethodPatch, "/beta/task-status/pending-tasks", "GET, HEAD"},
		{http.MethodGet, "/role-mining-sessions/v1/" + testSession + "/potential-roles/" + testRole + "/export-async", "POST"},
		{http.MethodPost, "/beta/role-mining-sessions/" + testSession + "/potential-roles/" + testRole + "/export-async/" + f.export, "GET, HEAD"},
		{http.MethodGet, "/oauth/token", "POST"},
	}
	for _, c := range cases {
		// No bearer at all: the probe needs none.
		req, _ := http.NewRequest(c.method, h.srv.URL+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != c.allow {
			t.Errorf("%s %s: %d Allow %q, want 405 Allow %q", c.method, c.path, resp.StatusCode, resp.Header.Get("Allow"), c.allow)
			continue
		}
		checkErrorBody(t, c.path, b, c.method+" is not supported")
	}
	if got := h.tn.Stats().Unrouted[http.StatusMethodNotAllowed]; got != len(cases) {
		t.Errorf("Unrouted[405] = %d, want %d", got, len(cases))
	}
	// HEAD is served wherever GET is, as net/http does.
	if status, _, b := h.send(h.raw, http.MethodHead, "/task-status/v1?limit=1", "", ""); status != http.StatusOK || len(b) != 0 {
		t.Errorf("HEAD /task-status/v1: %d, %d body bytes", status, len(b))
	}

	// With v1 off, its paths are unknown whatever the method.
	off, _, _ := genHarness(t, GenLegacy)
	if status, hdr, _ := off.send(off.raw, http.MethodGet, "/reports/v1/run", "", ""); status != http.StatusNotFound || hdr.Get("Allow") != "" {
		t.Errorf("GET /reports/v1/run with v1 off: %d Allow %q", status, hdr.Get("Allow"))
	}
	if status, hdr, _ := off.send(off.raw, http.MethodGet, "/v2024/reports/run", "", ""); status != http.StatusMethodNotAllowed || hdr.Get("Allow") != "POST" {
		t.Errorf("GET /v2024/reports/run with v1 off: %d Allow %q", status, hdr.Get("Allow"))
	}
}

// TestExperimentalHeaderRequired: identity history v1 and role mining v1
// refuse a call without X-SailPoint-Experimental: true with a 400 that
// says so; the legacy operations and the other v1 APIs need no header.
func TestExperimentalHeaderRequired(t *testing.T) {
	t.Parallel()
	h, _, f := genHarness(t, GenAll)
	legacy, v1 := genOps(f)
	send := func(op genOp, value []string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(op.method, h.srv.URL+op.path, strings.NewReader(op.body))
		if err != nil {
			t.Fatal(err)
		}
		if op.ctype != "" {
			req.Header.Set("Content-Type", op.ctype)
		}
		for _, v := range value {
			req.Header.Add(experimentalHeader, v)
		}
		resp, err := h.bare.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		// The request breaks the v1 contract on purpose; the answer must
		// still be one the operation documents.
		validateAnswer(t, req, resp.StatusCode, resp.Header, b)
		return resp.StatusCode, b
	}
	refused := 0
	for _, op := range v1 {
		if !needsExperimental(op.path) {
			// Task management and reports v1 are not experimental.
			if status, b := send(op, nil); status != op.want {
				t.Errorf("%s without the header: %d, want %d: %s", op.id, status, op.want, b)
			}
			continue
		}
		for _, value := range [][]string{nil, {"false"}, {""}, {"yes"}, {"true", "true"}} {
			status, b := send(op, value)
			if status != http.StatusBadRequest {
				t.Errorf("%s with %s %q: %d, want 400: %s", op.id, experimentalHeader, value, status, b)
				continue
			}
			checkErrorBody(t, op.path, b, experimentalHeader)
			refused++
		}
		if status, b := send(op, []string{"True"}); status != op.want {
			t.Errorf("%s with True: %d, want %d: %s", op.id, status, op.want, b)
		}
	}
	if refused != 14*5 {
		t.Errorf("%d refusals, want 70 (14 experimental operations, 5 bad values)", refused)
	}
	st := h.tn.Stats()
	if st.Requests["getHistoricalIdentityV1"][http.StatusBadRequest] != 5 || st.Requests["downloadRoleMiningPotentialRoleZipV1"][http.StatusBadRequest] != 5 {
		t.Errorf("refusals not counted per operation: %v, %v", st.Requests["getHistoricalIdentityV1"], st.Requests["downloadRoleMiningPotentialRoleZipV1"])
	}
	for _, op := range legacy {
		if status, b := send(op, nil); status != op.want {
			t.Errorf("legacy %s without the header: %d, want %d: %s", op.id, status, op.want, b)
		}
	}
}

// TestPerAPIRateWindows: each API has its own window per client, as
// SailPoint counts: beta, v2024 and each of the four v1 APIs. Exhausting
// one leaves the others their full budget.
func TestPerAPIRateWindows(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	h := newHarness(t, Options{RateLimit: 2, RateWindow: 10 * time.Second, Now: clock.Now,
		ReportDuration: time.Second, ExportStep: time.Second})
	f := newGenFixture(t, h.tn, clock)
	export := "/" + testSession + "/potential-roles/" + testRole + "/export-async/" + f.export
	paths := map[string]struct{ path, op string }{
		APIBeta:              {"/beta/task-status?limit=1", "getTaskStatusList"},
		APIV2024:             {"/v2024/reports/" + f.reportDone + "/result", "getReportResult"},
		APIIdentityHistoryV1: {"/historical-identities/v1?limit=1", "listHistoricalIdentitiesV1"},
		APITaskManagementV1:  {"/task-status/v1?limit=1", "getTaskStatusListV1"},
		APIReportsV1:         {"/reports/v1/" + f.reportDone + "/result", "getReportResultV1"},
		APIRoleMiningV1:      {"/role-mining-sessions/v1" + export, "exportRoleMiningPotentialRoleStatusV1"},
	}
	if len(APIs()) != len(paths) {
		t.Fatalf("APIs() = %v", APIs())
	}
	for _, api := range APIs() {
		p := paths[api]
		h.get(p.path, http.StatusOK, nil)
		h.get(p.path, http.StatusOK, nil)
		// Role mining documents no 429 (in either generation), so its
		// refusal goes around the spec check.
		c := h.client
		if api == APIRoleMiningV1 {
			c = h.raw
		}
		status, hdr, _ := h.send(c, http.MethodGet, p.path, "", "")
		if status != http.StatusTooManyRequests || hdr.Get("Retry-After") != "10" {
			t.Fatalf("%s, third request: %d Retry-After %q", api, status, hdr.Get("Retry-After"))
		}
	}
	// beta is one API for all its resources: identity history and role
	// mining share the window task status used up.
	if status, _, _ := h.do(http.MethodGet, "/beta/historical-identities?limit=1", "", ""); status != http.StatusTooManyRequests {
		t.Errorf("beta identity history after the beta window is full: %d", status)
	}
	st := h.tn.Stats()
	for _, api := range APIs() {
		if st.Accepted(api) != 2 || st.Requests[paths[api].op][http.StatusTooManyRequests] != 1 {
			t.Errorf("%s: accepted %d, %s refused %d times", api, st.Accepted(api), paths[api].op, st.Requests[paths[api].op][http.StatusTooManyRequests])
		}
	}
	if st.Sent429 != 7 || st.EarlyRetries != 1 { // the beta identity-history call came back early
		t.Errorf("Sent429 %d EarlyRetries %d, want 7 and 1", st.Sent429, st.EarlyRetries)
	}

	// A forced limit on one v1 API leaves its legacy twin alone.
	clock.Advance(10 * time.Second)
	h.tn.ForceRateLimit(APIReportsV1, 3*time.Second)
	status, hdr, _ := h.do(http.MethodGet, paths[APIReportsV1].path, "", "")
	if status != http.StatusTooManyRequests || hdr.Get("Retry-After") != "3" {
		t.Fatalf("forced reports v1: %d Retry-After %q", status, hdr.Get("Retry-After"))
	}
	h.get(paths[APIV2024].path, http.StatusOK, nil)
	clock.Advance(time.Second)
	if status, _, _ := h.do(http.MethodGet, paths[APIReportsV1].path, "", ""); status != http.StatusTooManyRequests {
		t.Fatalf("reports v1 within the forced time: %d", status)
	}
	if got := h.tn.Stats().EarlyRetries; got != 2 {
		t.Errorf("EarlyRetries = %d, want 2", got)
	}
	clock.Advance(2 * time.Second)
	h.get(paths[APIReportsV1].path, http.StatusOK, nil)
	if got := h.tn.Stats().Accepted(APIReportsV1); got != 3 {
		t.Errorf("Accepted(reports v1) = %d, want 3", got)
	}
}

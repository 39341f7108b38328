package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/spectest"
	"github.com/sailgraph/sailgraph/upstream/httpcache"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// trackingIDs differ between any two error answers; they are masked
// before bodies are compared.
var trackingIDs = regexp.MustCompile(`"trackingId":"[^"]*"`)

// comparedHeaders are the answer headers an SDK reads.
var comparedHeaders = []string{"Content-Type", "Content-Disposition", "X-Total-Count", "Retry-After"}

// same sends one request to the gateway and to the twin tenant, as an SDK
// sends it (sdk), and fails unless the answers agree: status, the headers
// that matter, the body.
func (e *env) same(method, path, ctype, body string) exchange {
	e.t.Helper()
	g := e.call(sdk(e.client, method, path), e.gateway, method, path, ctype, body)
	d := e.call(sdk(e.direct, method, path), e.twinURL, method, path, ctype, body)
	if g.status != d.status {
		e.t.Fatalf("%s %s: gateway %d %s, tenant %d %s", method, path, g.status, g.body, d.status, d.body)
	}
	for _, h := range comparedHeaders {
		if g.header.Get(h) != d.header.Get(h) {
			e.t.Errorf("%s %s: header %s: gateway %q, tenant %q", method, path, h, g.header.Get(h), d.header.Get(h))
		}
	}
	gb, db := trackingIDs.ReplaceAll(g.body, []byte(`"trackingId":""`)), trackingIDs.ReplaceAll(d.body, []byte(`"trackingId":""`))
	if !bytes.Equal(gb, db) {
		e.t.Errorf("%s %s: bodies differ:\ngateway %.300s\ntenant  %.300s", method, path, g.body, d.body)
	}
	return g
}

func decode[T any](t *testing.T, x exchange) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(x.body, &v); err != nil {
		t.Fatalf("%v: %s", err, x.body)
	}
	return v
}

type withID struct {
	ID string `json:"id"`
}

// TestRESTAnswersAsTheTenant runs every one of the 23 operations through
// the REST side with a client validating against SailPoint's spec, and
// compares each answer with what a twin tenant (same seed, same clock)
// gives directly; then reads again and expects cache hits that the tenant
// never sees.
func TestRESTAnswersAsTheTenant(t *testing.T) {
	clock := &testClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, envOptions{now: clock.Now})

	ids := decode[[]withID](t, e.same(http.MethodGet, "/beta/historical-identities?limit=3&count=true", "", ""))
	if len(ids) == 0 {
		t.Fatal("no identities")
	}
	base := "/beta/historical-identities/" + ids[0].ID
	snaps := decode[[]struct {
		Snapshot string `json:"snapshot"`
	}](t, e.same(http.MethodGet, base+"/snapshots?limit=5", "", ""))
	if len(snaps) == 0 {
		t.Fatal("no snapshots")
	}
	date := pathEscape(snaps[0].Snapshot)
	tasks := decode[[]withID](t, e.same(http.MethodGet, "/beta/task-status?limit=3&count=true", "", ""))
	pending := decode[[]withID](t, e.same(http.MethodGet, "/beta/task-status/pending-tasks", "", ""))
	if len(tasks) == 0 || len(pending) == 0 {
		t.Fatalf("%d tasks, %d pending", len(tasks), len(pending))
	}

	reads := []string{
		base,
		base + "/access-items?type=role&count=true",
		base + "/events?count=true",
		base + "/snapshots/" + date,
		base + "/snapshots/" + date + "/access-items",
		base + "/snapshot-summary",
		base + "/start-date",
		base + "/compare",
		base + "/compare/role",
		"/beta/task-status/" + tasks[0].ID,
		"/beta/task-status/no-such-task", // the tenant's 404
	}
	for _, p := range reads {
		e.same(http.MethodGet, p, "", "")
	}
	// A second round of reads, before any mutation drops them, is
	// answered by the cache alone.
	before := e.tenantRequests()
	for _, p := range append(reads, "/beta/historical-identities?limit=3&count=true", base+"/snapshots?limit=5") {
		x := e.viaGateway(http.MethodGet, p, "", "")
		if x.header.Get(httpcache.HeaderCache) != "hit" {
			t.Errorf("GET %s again: %d, cache %q", p, x.status, x.header.Get(httpcache.HeaderCache))
		}
	}
	if after := e.tenantRequests(); after != before {
		t.Fatalf("the second round of reads sent %d requests to the tenant, want 0", after-before)
	}

	if x := e.same(http.MethodHead, "/beta/task-status/pending-tasks?count=true", "", ""); x.header.Get("X-Total-Count") == "" {
		t.Error("HEAD pending-tasks: no X-Total-Count")
	}
	e.same(http.MethodPatch, "/beta/task-status/"+pending[0].ID, "application/json-patch+json",
		`[{"op":"replace","path":"/completionStatus","value":"SUCCESS"}]`)
	e.same(http.MethodGet, "/beta/task-status/"+pending[0].ID, "", "")

	e.reportsAndExport(clock, "/v2024/reports", "/beta/role-mining-sessions/8c190e67-87aa-4ed9-a90b-d9d5344523fb/potential-roles/278359a6-04b7-4669-9468-924cf580964a/export-async")

	// Every operation went through the REST side, validated by the client.
	covered := e.client.Transport.(withAuth).next.(*spectest.Transport).Covered()
	for _, name := range op.Names() {
		if covered[name] == 0 {
			t.Errorf("operation %s was not exercised through the REST side", name)
		}
	}

	// The caller's own credentials never travelled upstream.
	if n := e.upstreamAuth.count(callerSecret); n != 0 || e.upstreamAuth.total() == 0 {
		t.Fatalf("the caller's Authorization reached the tenant %d times (of %d requests)", n, e.upstreamAuth.total())
	}

}

// reportsAndExport runs the report and role-mining operations under the
// reports root (/v2024/reports, /reports/v1) and the export path rm (a
// potential role's export-async), each answer the twin's: run, result,
// cancel (twice: the second is the tenant's 400, not running), the
// cancelled result; a second run, waited out, with both its files; then
// an export started, waited out, its status and zip. It returns the
// second run's id.
func (e *env) reportsAndExport(clock *testClock, reports, rm string) string {
	e.t.Helper()
	run := decode[withID](e.t, e.same(http.MethodPost, reports+"/run", "application/json", `{"reportType":"IDENTITIES","arguments":{"correlatedOnly":true}}`))
	e.same(http.MethodGet, reports+"/"+run.ID+"/result", "", "")
	e.same(http.MethodPost, reports+"/"+run.ID+"/cancel", "", "")
	e.same(http.MethodPost, reports+"/"+run.ID+"/cancel", "", "")
	e.same(http.MethodGet, reports+"/"+run.ID+"/result?completed=true", "", "")
	run = decode[withID](e.t, e.same(http.MethodPost, reports+"/run", "application/json", `{"reportType":"IDENTITIES","arguments":{}}`))
	clock.Advance(4 * time.Second)
	e.same(http.MethodGet, reports+"/"+run.ID+"/result", "", "")
	if x := e.same(http.MethodGet, reports+"/"+run.ID+"?fileFormat=csv&name=people", "", ""); x.header.Get("Content-Disposition") == "" || len(x.body) == 0 {
		e.t.Errorf("report CSV: %v, %d bytes", x.header, len(x.body))
	}
	e.same(http.MethodGet, reports+"/"+run.ID+"?fileFormat=pdf", "", "")

	exp := decode[struct {
		ExportID string `json:"exportId"`
	}](e.t, e.same(http.MethodPost, rm, "application/json", `{"minEntitlementPopularity":0,"includeCommonAccess":true}`))
	clock.Advance(3 * time.Second)
	e.same(http.MethodGet, rm+"/"+exp.ExportID, "", "")
	if x := e.same(http.MethodGet, rm+"/"+exp.ExportID+"/download", "", ""); x.header.Get("Content-Type") != "application/zip" {
		e.t.Errorf("export download: %s", x.header.Get("Content-Type"))
	}
	return run.ID
}

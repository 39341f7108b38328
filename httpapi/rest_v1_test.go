package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/spectest"
	"github.com/sailgraph/sailgraph/upstream/httpcache"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// sdk is c as SailPoint's SDKs call path: with the header
// X-SailPoint-Experimental: true where the operation's API requires it
// (the table's Experimental, which op's tests hold to the v1 specs).
func sdk(c *http.Client, method, path string) *http.Client {
	p, _, _ := strings.Cut(path, "?")
	if call, ok := op.Match(method, p); !ok || !call.Op.Path(call.Gen).Experimental {
		return c
	}
	return &http.Client{Transport: withHeader{name: isc.HeaderExperimental, value: "true", next: c.Transport}}
}

// withHeader sets one request header.
type withHeader struct {
	name, value string
	next        http.RoundTripper
}

func (h withHeader) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set(h.name, h.value)
	return h.next.RoundTrip(r)
}

// TestRESTAnswersAsTheTenantInV1 is TestRESTAnswersAsTheTenant for the v1
// paths: an SDK that has moved to the per-resource APIs changes only its
// base URL to use the gateway. Every v1 operation goes through the REST
// side with a client validating against the v1 spec, each answer equal to
// a twin tenant's own (status, the headers an SDK reads, body); the
// pending tasks are v1's list with completionStatus isnull, counted with
// count=true and limit=0; a second round of reads is the cache's alone;
// and a v1 call without the experimental header its API requires is
// refused as the tenant refuses it.
func TestRESTAnswersAsTheTenantInV1(t *testing.T) {
	clock := &testClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, envOptions{now: clock.Now, upstreamAPI: "v1"})

	ids := decode[[]withID](t, e.same(http.MethodGet, "/historical-identities/v1?limit=3&count=true", "", ""))
	if len(ids) == 0 {
		t.Fatal("no identities")
	}
	base := "/historical-identities/v1/" + ids[0].ID
	snaps := decode[[]struct {
		Snapshot string `json:"snapshot"`
	}](t, e.same(http.MethodGet, base+"/snapshots?limit=5", "", ""))
	if len(snaps) == 0 {
		t.Fatal("no snapshots")
	}
	date := pathEscape(snaps[0].Snapshot)
	// v1 lists every task, pending ones too; a finished one is cached
	// for good, a pending one for 2 s.
	tasks := decode[[]struct {
		ID               string  `json:"id"`
		CompletionStatus *string `json:"completionStatus"`
	}](t, e.same(http.MethodGet, "/task-status/v1?limit=20&count=true", "", ""))
	done := ""
	for _, ts := range tasks {
		if ts.CompletionStatus != nil && done == "" {
			done = ts.ID
		}
	}
	pendingList := "/task-status/v1?filters=" + pathEscape("completionStatus isnull")
	pending := decode[[]withID](t, e.same(http.MethodGet, pendingList, "", ""))
	if done == "" || len(pending) == 0 {
		t.Fatalf("%d tasks, none finished, or %d pending", len(tasks), len(pending))
	}

	reads := []string{
		base,
		base + "/access-items?type=role&count=true",
		base + "/access-items?type=entitlement&limit=2&offset=1",
		base + "/events?count=true",
		base + "/snapshots/" + date,
		base + "/snapshots/" + date + "/access-items",
		base + "/snapshots/" + date + "/access-items?type=accessProfile", // v1 takes this spelling too
		base + "/snapshot-summary",
		base + "/start-date",
		base + "/compare",
		base + "/compare/role",
		"/task-status/v1/" + done,
		"/task-status/v1/no-such-task", // the tenant's 404
	}
	for _, p := range reads {
		e.same(http.MethodGet, p, "", "")
	}
	// v1's own filter (an empty list), and the pending count: volatile
	// (kept 2 s) like the pending list, so not among the reads the cache
	// must answer again below.
	e.same(http.MethodGet, "/task-status/v1?filters="+pathEscape(`launcher eq "nobody"`), "", "")
	if x := e.same(http.MethodGet, pendingList+"&count=true&limit=0", "", ""); x.header.Get("X-Total-Count") == "" || string(x.body) != "[]\n" {
		t.Errorf("the pending count: %q %q", x.header.Get("X-Total-Count"), x.body)
	}
	// Identity history v1 has no filters, sorters or query: the tenant
	// refuses them, and so does the gateway's REST side (it is the
	// tenant's answer).
	if x := e.same(http.MethodGet, base+"/access-items?type=entitlement&sorters=name", "", ""); x.status != http.StatusBadRequest {
		t.Errorf("sorters on v1 access items: %d", x.status)
	}
	before := e.tenantRequests()
	for _, p := range append(reads, "/historical-identities/v1?limit=3&count=true", base+"/snapshots?limit=5") {
		if x := e.call(sdk(e.client, http.MethodGet, p), e.gateway, http.MethodGet, p, "", ""); x.header.Get(httpcache.HeaderCache) != "hit" {
			t.Errorf("GET %s again: %d, cache %q", p, x.status, x.header.Get(httpcache.HeaderCache))
		}
	}
	if after := e.tenantRequests(); after != before {
		t.Fatalf("the second round of reads sent %d requests to the tenant, want 0", after-before)
	}

	e.same(http.MethodPatch, "/task-status/v1/"+pending[0].ID, "application/json-patch+json",
		`[{"op":"replace","path":"/completionStatus","value":"SUCCESS"}]`)
	// The patch dropped every cached task read: the pending list and its
	// count are the tenant's again.
	e.same(http.MethodGet, "/task-status/v1/"+pending[0].ID, "", "")
	e.same(http.MethodGet, pendingList+"&count=true&limit=0", "", "")

	// Reports v1 and a role-mining v1 export.
	rm := "/role-mining-sessions/v1/8c190e67-87aa-4ed9-a90b-d9d5344523fb/potential-roles/278359a6-04b7-4669-9468-924cf580964a/export-async"
	runID := e.reportsAndExport(clock, "/reports/v1", rm)

	// A method a v1 path does not serve: 405 with the same Allow as the
	// tenant's (asked without the spec-validating clients: the spec has
	// no such operation). Not GET /reports/v1/run: op.Match reads it as
	// getReportV1 of a report named "run" and forwards it, and the
	// tenant's 405 comes back, right for the caller but an exchange the
	// spec does not list.
	for _, p := range []string{"/reports/v1/" + runID + "/cancel", rm} {
		g := e.call(http.DefaultClient, e.gateway, http.MethodGet, p, "", "")
		d := e.call(http.DefaultClient, e.twinURL, http.MethodGet, p, "", "")
		if g.status != http.StatusMethodNotAllowed || d.status != g.status || g.header.Get("Allow") != d.header.Get("Allow") {
			t.Errorf("GET %s: gateway %d Allow %q, tenant %d Allow %q", p, g.status, g.header.Get("Allow"), d.status, d.header.Get("Allow"))
		}
	}

	// A cached experimental read asked without the header is refused as
	// the tenant refuses it, not answered from the cache.
	beforeBare := e.tenantRequests()
	assertErrorDto(t, e.call(http.DefaultClient, e.gateway, http.MethodGet, base, "", ""), http.StatusBadRequest)
	if n := e.tenantRequests() - beforeBare; n != 0 {
		t.Errorf("GET %s without the experimental header reached the tenant %d times", base, n)
	}

	// Every v1 operation went through the REST side, validated by the
	// client against the v1 spec, and nothing of the legacy one did.
	covered := e.client.Transport.(withAuth).next.(*spectest.Transport).Covered()
	for _, o := range op.All() {
		v1 := o.Path(op.V1)
		if v1.Served() && covered[v1.OperationID] == 0 {
			t.Errorf("operation %s was not exercised through the REST side", v1.OperationID)
		}
		if covered[o.Path(op.Legacy).OperationID] != 0 {
			t.Errorf("legacy operation %s was called", o.Name)
		}
	}
	if n := e.upstreamAuth.count(callerSecret); n != 0 || e.upstreamAuth.total() == 0 {
		t.Fatalf("the caller's Authorization reached the tenant %d times (of %d requests)", n, e.upstreamAuth.total())
	}
}

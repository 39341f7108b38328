package httpcache

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/optest"

	"github.com/sailgraph/sailgraph/record"

	"github.com/redis/go-redis/v9"

	"github.com/sailgraph/sailgraph/cache"
	"github.com/sailgraph/sailgraph/internal/clocktest"
	"github.com/sailgraph/sailgraph/internal/redistest"
	"github.com/sailgraph/sailgraph/internal/spectest"
	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

// simEnv is the caching transport over the simulated tenant, with every
// exchange the cache lets through validated against the spec, and the
// cache in a real Redis.
type simEnv struct {
	t    *testing.T
	tn   *simtenant.Tenant
	srv  *httptest.Server
	spec *spectest.Transport
	clk  *fakeClock
	c    *cache.Cache
	tr   *Transport
	ctx  context.Context
}

// bearer attaches one token, as the OAuth2 layer would.
type bearer struct {
	token string
	base  http.RoundTripper
}

func (b bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}

func newSimEnv(t *testing.T) *simEnv {
	t.Helper()
	tn := simtenant.New(simtenant.Options{Seed: 1, Identities: 200, RateLimit: -1, ReportDuration: time.Hour})
	srv := httptest.NewServer(tn.Handler())
	t.Cleanup(srv.Close)
	id, secret := tn.ClientID()
	resp, err := http.PostForm(srv.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	_ = resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %v", err)
	}
	spec := spectest.NewTransport(t, http.DefaultTransport)

	rc := redis.NewClient(&redis.Options{Addr: redistest.Start(t).Addr(), ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rc.Close() })
	clk := clocktest.New(time.Now())
	c, err := cache.New(cache.NewRedis(rc, cache.RedisOptions{Timeout: 5 * time.Second}), cache.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = c.Close(ctx)
	})
	return &simEnv{
		t: t, tn: tn, srv: srv, spec: spec, clk: clk, c: c,
		tr:  New(c, bearer{token: tok.AccessToken, base: spec}, Options{Now: clk.Now}),
		ctx: principal.With(context.Background(), principal.ForClient("sim", id)),
	}
}

func (e *simEnv) send(ctx context.Context, method, path, contentType, body string) (int, http.Header, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(optest.WithCall(ctx, method, path), method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }
	}
	resp, err := e.tr.RoundTrip(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func (e *simEnv) get(path string) (int, http.Header, []byte) {
	e.t.Helper()
	return e.send(e.ctx, http.MethodGet, path, "", "")
}

func (e *simEnv) getJSON(path string, v any) http.Header {
	e.t.Helper()
	status, h, b := e.get(path)
	if status != http.StatusOK {
		e.t.Fatalf("GET %s: %d %s", path, status, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
	return h
}

func (e *simEnv) upstreamRequests() int {
	n := 0
	for _, byStatus := range e.tn.Stats().Requests {
		for _, c := range byStatus {
			n += c
		}
	}
	return n
}

func TestSimTenantReadsAreServedFromTheCache(t *testing.T) {
	e := newSimEnv(t)
	var ids []struct {
		ID string `json:"id"`
	}
	e.getJSON("/beta/historical-identities?limit=3", &ids)
	if len(ids) == 0 {
		t.Fatal("the tenant has no identities")
	}
	id := ids[0].ID
	var snaps []struct {
		Snapshot string `json:"snapshot"`
	}
	e.getJSON("/beta/historical-identities/"+id+"/snapshots?limit=5", &snaps)
	if len(snaps) == 0 {
		t.Fatal("the identity has no snapshots")
	}
	var tasks []struct {
		ID string `json:"id"`
	}
	e.getJSON("/beta/task-status?limit=3", &tasks)
	if len(tasks) == 0 {
		t.Fatal("the tenant has no tasks")
	}
	base := "/beta/historical-identities/" + id
	date := url.PathEscape(snaps[0].Snapshot)
	paths := []string{
		"/beta/historical-identities?limit=3",
		base,
		base + "/access-items?type=role&count=true",
		base + "/events?count=true",
		base + "/snapshots?limit=5",
		base + "/snapshots/" + date,
		base + "/snapshots/" + date + "/access-items",
		base + "/snapshot-summary",
		base + "/start-date",
		base + "/compare",
		base + "/compare/role",
		"/beta/task-status?limit=3",
		"/beta/task-status/" + tasks[0].ID,
		"/beta/task-status/pending-tasks",
		"/beta/task-status/no-such-task", // a 404
	}
	first := map[string][]byte{}
	for _, p := range paths {
		_, _, b := e.get(p)
		first[p] = b
	}
	before := e.upstreamRequests()
	for _, p := range paths {
		status, h, b := e.get(p)
		if h.Get(HeaderCache) != "hit" || !bytes.Equal(b, first[p]) {
			t.Errorf("GET %s again: %d %s, same body %v", p, status, h.Get(HeaderCache), bytes.Equal(b, first[p]))
		}
	}
	if after := e.upstreamRequests(); after != before {
		t.Fatalf("the second round sent %d requests upstream, want 0", after-before)
	}
	if _, h, _ := e.get(base + "/access-items?type=role&count=true"); h.Get("X-Total-Count") == "" {
		t.Fatal("a cached count lost its X-Total-Count")
	}
	if e.spec.Exchanges < len(paths) {
		t.Fatalf("spectest validated %d exchanges, want at least %d", e.spec.Exchanges, len(paths))
	}
}

func TestSimTenantRateLimitedOrFailingServesStale(t *testing.T) {
	e := newSimEnv(t)
	var ids []struct {
		ID string `json:"id"`
	}
	e.getJSON("/beta/historical-identities?limit=1", &ids)
	identity := "/beta/historical-identities/" + ids[0].ID
	items := identity + "/access-items?type=entitlement"
	_, _, want := e.get(identity)
	_, _, wantItems := e.get(items)
	life := cache.DefaultPolicy()[cache.Slow]
	e.clk.Advance(life.Fresh + life.Revalidate + time.Minute)

	rec := record.New("r1")
	rec.SetLabeler(func(ctx context.Context) string { return labelOf(ctx) })
	ctx := record.With(e.ctx, rec)
	e.tn.SetFailureRate(1)
	status, h, b := e.send(context.WithValue(ctx, labelKey{}, "identity.accessItems"), http.MethodGet, items, "", "")
	if status != 200 || h.Get(HeaderCache) != "stale" || !bytes.Equal(b, wantItems) {
		t.Fatalf("during 500s: %d %s", status, h.Get(HeaderCache))
	}
	// Never seen before: the failure reaches the caller.
	if status, _, _ := e.get(identity + "/events"); status != http.StatusInternalServerError {
		t.Fatalf("uncached read during 500s: %d", status)
	}
	e.tn.SetFailureRate(0)

	e.tn.ForceRateLimit("beta", 3*time.Second)
	status, h, b = e.send(context.WithValue(ctx, labelKey{}, "identity"), http.MethodGet, identity, "", "")
	if status != 200 || h.Get(HeaderCache) != "stale" || !bytes.Equal(b, want) {
		t.Fatalf("during a 429: %d %s", status, h.Get(HeaderCache))
	}
	if e.tn.Stats().Sent429 != 1 {
		t.Fatalf("the tenant sent %d 429s, want 1", e.tn.Stats().Sent429)
	}
	got := rec.StaleServes()
	if len(got) != 2 || rec.CacheStale() != 2 ||
		got[0].Field != "identity.accessItems" || got[0].Operation != "listIdentityAccessItems" || got[0].Reason != "unavailable" ||
		got[1].Field != "identity" || got[1].Operation != "getHistoricalIdentity" || got[1].Reason != "rate_limited" || got[1].Resource != ids[0].ID ||
		got[1].Age < life.Fresh+life.Revalidate {
		t.Fatalf("stale serves = %+v", got)
	}
}

// labelKey labels a test's calls, as the GraphQL layer's field context does.
type labelKey struct{}

func labelOf(ctx context.Context) string {
	s, _ := ctx.Value(labelKey{}).(string)
	return s
}

func TestSimTenantMutationsInvalidate(t *testing.T) {
	e := newSimEnv(t)
	type task struct {
		ID               string  `json:"id"`
		CompletionStatus *string `json:"completionStatus"`
	}
	var pending []task
	e.getJSON("/beta/task-status/pending-tasks", &pending)
	if len(pending) == 0 {
		t.Fatal("the tenant has no pending task")
	}
	taskPath := "/beta/task-status/" + pending[0].ID
	var before task
	e.getJSON(taskPath, &before)
	if before.CompletionStatus != nil {
		t.Fatalf("pending task has status %s", *before.CompletionStatus)
	}
	if _, h, _ := e.get(taskPath); h.Get(HeaderCache) != "hit" {
		t.Fatal("the task is not cached")
	}
	status, _, b := e.send(e.ctx, http.MethodPatch, taskPath, "application/json-patch+json",
		`[{"op":"replace","path":"/completionStatus","value":"SUCCESS"}]`)
	if status != http.StatusOK {
		t.Fatalf("PATCH: %d %s", status, b)
	}
	var after task
	if h := e.getJSON(taskPath, &after); h.Get(HeaderCache) != "miss" || after.CompletionStatus == nil || *after.CompletionStatus != "SUCCESS" {
		t.Fatalf("task after PATCH: %s %+v", h.Get(HeaderCache), after)
	}
	var stillPending []task
	e.getJSON("/beta/task-status/pending-tasks", &stillPending)
	for _, p := range stillPending {
		if p.ID == pending[0].ID {
			t.Fatal("the pending list still holds the completed task")
		}
	}

	// Reports: cancelling drops the result; starting one drops nothing.
	var run struct {
		ID string `json:"id"`
	}
	status, _, b = e.send(e.ctx, http.MethodPost, "/v2024/reports/run", "application/json", `{"reportType":"IDENTITIES","arguments":{"correlatedOnly":true}}`)
	if status != http.StatusOK || json.Unmarshal(b, &run) != nil {
		t.Fatalf("start report: %d %s", status, b)
	}
	result := "/v2024/reports/" + run.ID + "/result"
	var res struct {
		Status string `json:"status"`
	}
	e.getJSON(result, &res)
	if res.Status != "" {
		t.Fatalf("report already %s", res.Status)
	}
	status, _, b = e.send(e.ctx, http.MethodPost, "/v2024/reports/run", "application/json", `{"reportType":"IDENTITIES","arguments":{"correlatedOnly":true}}`)
	if status != http.StatusOK {
		t.Fatalf("second start: %d %s", status, b)
	}
	if _, h, _ := e.get(result); h.Get(HeaderCache) != "hit" {
		t.Fatal("starting a report dropped another report's result")
	}
	if status, _, b := e.send(e.ctx, http.MethodPost, "/v2024/reports/"+run.ID+"/cancel", "", ""); status != http.StatusNoContent {
		t.Fatalf("cancel: %d %s", status, b)
	}
	if h := e.getJSON(result, &res); h.Get(HeaderCache) != "miss" || res.Status != "TERMINATED" {
		t.Fatalf("result after cancel: %s %q", h.Get(HeaderCache), res.Status)
	}
	e.clk.Advance(12 * time.Hour) // a finished report is immutable
	if _, h, _ := e.get(result); h.Get(HeaderCache) != "hit" {
		t.Fatalf("terminated report after 12h: %s", h.Get(HeaderCache))
	}
}

package simtenant

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for the tenant.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestTokenEndpoint(t *testing.T) {
	tn := New(Options{Identities: 10, Clients: map[string]string{"cid": "sec"}})
	srv := httptest.NewServer(tn.Handler())
	defer srv.Close()
	post := func(form url.Values, basicUser, basicPass string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/oauth/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basicUser != "" {
			req.SetBasicAuth(basicUser, basicPass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 512)
		n, _ := resp.Body.Read(buf)
		b.Write(buf[:n])
		return resp.StatusCode, b.String()
	}
	if s, body := post(url.Values{"grant_type": {"client_credentials"}, "client_id": {"cid"}, "client_secret": {"sec"}}, "", ""); s != 200 || !strings.Contains(body, `"access_token"`) || !strings.Contains(body, `"expires_in":749`) {
		t.Fatalf("form credentials: %d %s", s, body)
	}
	if s, _ := post(url.Values{"grant_type": {"client_credentials"}}, "cid", "sec"); s != 200 {
		t.Fatalf("basic credentials: %d", s)
	}
	if s, body := post(url.Values{"grant_type": {"client_credentials"}, "client_id": {"cid"}, "client_secret": {"wrong"}}, "", ""); s != 401 || !strings.Contains(body, "invalid_client") {
		t.Fatalf("wrong secret: %d %s", s, body)
	}
	if s, body := post(url.Values{"grant_type": {"password"}, "client_id": {"cid"}, "client_secret": {"sec"}}, "", ""); s != 400 || !strings.Contains(body, "unsupported_grant_type") {
		t.Fatalf("wrong grant: %d %s", s, body)
	}
	if got := tn.Stats().TokenRequests; got != 4 {
		t.Fatalf("TokenRequests = %d, want 4", got)
	}
}

func TestBearerChecksAndExpiry(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, Options{TokenTTL: time.Minute, Now: clock.Now})
	// A valid token is accepted (any operation will do).
	h.get("/beta/task-status?limit=1", http.StatusOK, nil)

	noAuth, _ := http.Get(h.srv.URL + "/beta/task-status")
	noAuth.Body.Close()
	if noAuth.StatusCode != 401 {
		t.Fatalf("no bearer: %d", noAuth.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/beta/task-status", nil)
	req.Header.Set("Authorization", "Bearer not-a-token")
	bad, _ := http.DefaultClient.Do(req)
	bad.Body.Close()
	if bad.StatusCode != 401 {
		t.Fatalf("invalid bearer: %d", bad.StatusCode)
	}

	clock.Advance(time.Minute)
	status, _, body := h.do(http.MethodGet, "/beta/task-status?limit=1", "", "")
	if status != 401 || !strings.Contains(string(body), "expired") {
		t.Fatalf("expired token: %d %s", status, body)
	}
	h.token = h.fetchToken()
	h.get("/beta/task-status?limit=1", http.StatusOK, nil)
	h.tn.ExpireTokens()
	if status, _, _ := h.do(http.MethodGet, "/beta/task-status?limit=1", "", ""); status != 401 {
		t.Fatalf("after ExpireTokens: %d", status)
	}
}

func TestSlidingWindowRateLimit(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, Options{RateLimit: 5, RateWindow: 10 * time.Second, Now: clock.Now})
	path := "/beta/task-status?limit=1"
	for i := range 5 {
		h.get(path, http.StatusOK, nil)
		clock.Advance(time.Second) // accepted at t=0..4s
		_ = i
	}
	// 5 accepted within the window: the sixth is refused until the first
	// leaves the window at t=10s; now is t=5s, so Retry-After is 5.
	status, hdr, body := h.do(http.MethodGet, path, "", "")
	if status != 429 || hdr.Get("Retry-After") != "5" || !strings.Contains(string(body), "Rate Limit Exceeded") {
		t.Fatalf("sixth request: %d Retry-After=%q %s", status, hdr.Get("Retry-After"), body)
	}
	// v2024 is counted apart: it still flows.
	h.get("/v2024/reports/nope/result", http.StatusNotFound, nil)

	clock.Advance(2 * time.Second) // t=7s: came back early
	if status, _, _ := h.do(http.MethodGet, path, "", ""); status != 429 {
		t.Fatalf("early retry accepted: %d", status)
	}
	st := h.tn.Stats()
	if st.Sent429 != 2 || st.EarlyRetries != 1 {
		t.Fatalf("Sent429=%d EarlyRetries=%d, want 2 and 1", st.Sent429, st.EarlyRetries)
	}
	// The early retry at t=7 was told to wait 3 s more. At t=10s the first
	// accept (t=0) has left the window: one slot frees.
	clock.Advance(3 * time.Second)
	h.get(path, http.StatusOK, nil)
	if status, _, _ := h.do(http.MethodGet, path, "", ""); status != 429 {
		t.Fatalf("window allowed a sixth request within 10 s: %d", status)
	}
	if got := h.tn.Stats().EarlyRetries; got != 1 {
		t.Fatalf("a retry after the wait counted as early: %d", got)
	}
	if got := h.tn.Stats().Accepted("beta"); got != 6 {
		t.Fatalf("Accepted(beta) = %d, want 6", got)
	}
}

func TestSlidingWindowNeverExceeded(t *testing.T) {
	clock := newFakeClock()
	const n, window = 10, 10 * time.Second
	l := newWindowLimiter(n, window, clock.Now)
	var accepted []time.Time
	for range 2000 {
		if l.admit("c", "beta").ok {
			accepted = append(accepted, clock.Now())
		}
		clock.Advance(37 * time.Millisecond)
	}
	for i := range accepted {
		j := i
		for j < len(accepted) && accepted[j].Sub(accepted[i]) < window {
			j++
		}
		if j-i > n {
			t.Fatalf("%d requests accepted in the window starting %v", j-i, accepted[i])
		}
	}
	if len(accepted) < n*7 { // 74 s of traffic: about 7 windows' worth
		t.Fatalf("only %d accepted in 74 s at a 10/10s budget", len(accepted))
	}
}

func TestForceRateLimit(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, Options{Now: clock.Now})
	h.tn.ForceRateLimit("beta", 3*time.Second)
	status, hdr, _ := h.do(http.MethodGet, "/beta/task-status?limit=1", "", "")
	if status != 429 || hdr.Get("Retry-After") != "3" {
		t.Fatalf("forced: %d Retry-After=%q", status, hdr.Get("Retry-After"))
	}
	h.get("/v2024/reports/nope/result", http.StatusNotFound, nil) // other API flows
	clock.Advance(3 * time.Second)
	h.get("/beta/task-status?limit=1", http.StatusOK, nil)
	if st := h.tn.Stats(); st.EarlyRetries != 0 || st.Sent429 != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestFailureRateAndLatency(t *testing.T) {
	h := newHarness(t, Options{})
	h.tn.SetFailureRate(1)
	status, _, body := h.do(http.MethodGet, "/beta/task-status?limit=1", "", "")
	if status != 500 || !strings.Contains(string(body), "500.0 Internal Fault") {
		t.Fatalf("failure rate 1: %d %s", status, body)
	}
	h.tn.SetFailureRate(0)
	h.tn.SetLatency(50 * time.Millisecond)
	start := time.Now()
	h.get("/beta/task-status?limit=1", http.StatusOK, nil)
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("latency knob not applied: %v", d)
	}
	if got := h.tn.Stats().Requests["getTaskStatusList"][500]; got != 1 {
		t.Fatalf("500s counted %d", got)
	}
}

func TestLimitOutOfRangeIs400(t *testing.T) {
	h := newHarness(t, Options{})
	for _, q := range []string{"limit=251", "limit=-1", "limit=x", "offset=-3", "count=maybe"} {
		status, _, body := h.send(h.raw, http.MethodGet, "/beta/task-status?"+q, "", "")
		if status != 400 || !strings.Contains(string(body), `"detailCode":"400.1 Bad Request Content"`) {
			t.Errorf("%s: %d %s", q, status, body)
		}
	}
	status, _, body := h.send(h.raw, http.MethodGet, "/beta/no-such-thing", "", "")
	if status != 404 || !strings.Contains(string(body), "detailCode") {
		t.Errorf("unknown path: %d %s", status, body)
	}
}

func TestParseFilters(t *testing.T) {
	spec := filterSpec{"id": {"eq", "in"}, "completionStatus": {"eq", "in", "isnull"}, "standalone": {"eq"}}
	good := map[string][]cond{
		`id eq "a"`: {{field: "id", op: "eq", values: []string{"a"}}},
		`id in ("a", "b\"c") and completionStatus isnull`: {
			{field: "id", op: "in", values: []string{"a", `b"c`}},
			{field: "completionStatus", op: "isnull"},
		},
		`standalone eq true`: {{field: "standalone", op: "eq", values: []string{"true"}}},
	}
	for in, want := range good {
		got, err := parseFilters(in, spec)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if len(got) != len(want) {
			t.Errorf("%s: got %+v", in, got)
			continue
		}
		for i := range got {
			if got[i].field != want[i].field || got[i].op != want[i].op || !slices.Equal(got[i].values, want[i].values) {
				t.Errorf("%s: cond %d = %+v, want %+v", in, i, got[i], want[i])
			}
		}
	}
	bad := []string{`name eq "x"`, `id co "x"`, `id eq`, `id in "a"`, `id in ("a"`, `id eq "a" or id eq "b"`, `standalone in ("x")`, `id eq "unterminated`}
	for _, in := range bad {
		if _, err := parseFilters(in, spec); err == nil || err.status != 400 {
			t.Errorf("%s: accepted", in)
		}
	}
}

func TestParseSortersAndPaging(t *testing.T) {
	s, err := parseSorters("-created,name", "created", "name")
	if err != nil || len(s) != 2 || !s[0].desc || s[0].field != "created" || s[1].desc {
		t.Fatalf("sorters: %+v %v", s, err)
	}
	if _, err := parseSorters("modified", "created"); err == nil {
		t.Fatal("unsupported sorter accepted")
	}
	items := make([]int, 600)
	for i := range items {
		items[i] = i
	}
	rec := httptest.NewRecorder()
	got := paginate(rec, items, page{limit: 250, offset: 500, count: true})
	if len(got) != 100 || got[0] != 500 || rec.Header().Get("X-Total-Count") != strconv.Itoa(600) {
		t.Fatalf("page: len %d first %d total %q", len(got), got[0], rec.Header().Get("X-Total-Count"))
	}
	if got := paginate(httptest.NewRecorder(), items, page{limit: 10, offset: 700}); got == nil || len(got) != 0 {
		t.Fatalf("past the end: %v", got)
	}
}

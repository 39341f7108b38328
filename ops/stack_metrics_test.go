package ops_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/sailgraph/sailgraph/ops"
)

// Secrets a caller might send; none may reach a log line.
const (
	callerBearer = "Bearer caller-secret-token-8f1e"
	callerAPIKey = "sg_live_apikey_secret_77aa"
)

func TestTrafficShowsInMetricsLogsAndUpstream(t *testing.T) {
	s := newStack(t, stackOptions{})
	id := s.firstIdentityID()
	doc := fmt.Sprintf(`query One { identity(id: %q) { id displayName } }`, id)
	secrets := map[string]string{"Authorization": callerBearer, "X-Api-Key": callerAPIKey}

	first := s.graphql(doc, "One", map[string]string{ops.HeaderRequestID: "req-first.1", "Authorization": callerBearer, "X-Api-Key": callerAPIKey})
	if first.status != http.StatusOK || !strings.Contains(string(first.body), id) {
		t.Fatalf("first query: %d %s", first.status, first.body)
	}
	if got := first.header.Get(ops.HeaderRequestID); got != "req-first.1" {
		t.Fatalf("response request id %q, want the caller's", got)
	}
	second := s.graphql(doc, "One", secrets) // the same: a result cache hit
	secondID := second.header.Get(ops.HeaderRequestID)
	if second.status != http.StatusOK || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(secondID) ||
		second.header.Get("Sailgraph-Cache") != "HIT" || string(second.body) != string(first.body) {
		t.Fatalf("second query: %d, made-up request id %q, cache %q", second.status, secondID, second.header.Get("Sailgraph-Cache"))
	}
	// Another document over the same upstream call: the upstream cache
	// answers it.
	third := s.graphql(fmt.Sprintf(`query Two { identity(id: %q) { displayName } }`, id), "Two", map[string]string{ops.HeaderRequestID: "req-third"})
	if third.status != http.StatusOK || third.header.Get("Sailgraph-Cache") != "MISS" {
		t.Fatalf("third query: %d, cache %q", third.status, third.header.Get("Sailgraph-Cache"))
	}
	broken := s.graphql(`query Broken { identity(`, "Broken", nil)
	if broken.status == http.StatusOK && !strings.Contains(string(broken.body), "errors") {
		t.Fatalf("broken document answered %d %s", broken.status, broken.body)
	}

	// The request id went upstream with every call the first request made.
	ids, _, auths := s.seen.snapshot()
	n := 0
	for _, got := range ids {
		if got == "req-first.1" {
			n++
		}
		if got == "" {
			t.Error("an upstream call went without a request id")
		}
	}
	if n == 0 {
		t.Fatalf("the tenant never saw the first request's id; saw %q", ids)
	}

	// One log line per request, with the operation, upstream calls and cache hits.
	byID := map[string]map[string]any{}
	for _, l := range logLines(t, s.logs, "request") {
		id, _ := l["request_id"].(string)
		byID[id] = l
	}
	l1, l2, l3 := byID["req-first.1"], byID[secondID], byID["req-third"]
	if l1 == nil || l2 == nil || l3 == nil {
		t.Fatalf("missing request lines: %v", byID)
	}
	if l1["operation"] != "One" || l1["upstream_calls"].(float64) != float64(n) || l1["cache_hits"].(float64) != 0 ||
		l1["path"] != "/graphql" || l1["route"] != "/graphql" || l1["status"].(float64) != 200 || l1["method"] != "POST" {
		t.Errorf("first request's line: %v (tenant saw its id %d times)", l1, n)
	}
	if l2["operation"] != "One" || l2["upstream_calls"].(float64) != 0 || l2["result_cache"] != "hit" {
		t.Errorf("second request's line (a result cache hit): %v", l2)
	}
	if l3["operation"] != "Two" || l3["upstream_calls"].(float64) != 0 || l3["cache_hits"].(float64) < 1 || l3["result_cache"] != "miss" {
		t.Errorf("third request's line (an upstream cache hit): %v", l3)
	}
	// The duration says its unit: milliseconds, as a number.
	if ms, ok := l1["duration_ms"].(float64); !ok || ms <= 0 || ms > 60_000 {
		t.Errorf("duration_ms %v in the request line", l1["duration_ms"])
	}
	if _, ok := l1["duration"]; ok {
		t.Error("a duration without a unit in the request line")
	}

	// No secret in any line: not the caller's, not the tenant credentials,
	// not the tokens the tenant issued.
	_, clientSecret := s.tn.ClientID()
	forbidden := []string{"caller-secret-token-8f1e", callerAPIKey, clientSecret}
	for _, a := range auths {
		forbidden = append(forbidden, strings.TrimPrefix(a, "Bearer "))
	}
	logs := s.logs.String()
	for _, secret := range forbidden {
		if secret != "" && strings.Contains(logs, secret) {
			t.Errorf("a log line holds a secret (%.6s...)", secret)
		}
	}

	// The metrics show the traffic, with bounded labels.
	m := s.do(http.MethodGet, "/metrics", "", nil)
	if m.status != http.StatusOK {
		t.Fatalf("/metrics: %d", m.status)
	}
	exp := string(m.body)
	wantSample(t, exp, 1, "sailgraph_graphql_operation_duration_seconds_count", "operation", "One", "outcome", "ok")
	wantSample(t, exp, 1, "sailgraph_graphql_operation_duration_seconds_count", "operation", "Two", "outcome", "ok")
	wantSample(t, exp, 1, "sailgraph_cache_events_total", "event", "hit", "operation", "graphql")
	wantSample(t, exp, 1, "sailgraph_graphql_operation_duration_seconds_count", "operation", "Broken", "outcome", "error")
	wantSample(t, exp, 1, "sailgraph_upstream_request_duration_seconds_count", "api", "beta", "operation", "getHistoricalIdentity", "status", "200")
	wantSample(t, exp, 1, "sailgraph_upstream_request_duration_seconds_count", "api", "beta", "operation", "listHistoricalIdentities", "status", "200")
	wantSample(t, exp, 1, "sailgraph_ratelimit_wait_seconds_count", "api", "beta")
	wantSample(t, exp, 1, "sailgraph_cache_events_total", "event", "hit", "operation", "getHistoricalIdentity")
	wantSample(t, exp, 1, "sailgraph_cache_events_total", "event", "miss", "operation", "getHistoricalIdentity")
	wantSample(t, exp, 1, "sailgraph_cache_events_total", "event", "fill", "operation", "getHistoricalIdentity")
	wantSample(t, exp, 3, "sailgraph_http_request_duration_seconds_count", "route", "/graphql", "method", "POST", "status", "200")
	wantSample(t, exp, 0, "sailgraph_ratelimit_fallback_active")
	wantSample(t, exp, 1, "go_goroutines")
	if strings.Contains(exp, id) {
		t.Error("an identity id is a label value")
	}
}

func TestRequestIDValidation(t *testing.T) {
	s := newStack(t, stackOptions{})
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	cases := []struct {
		sent string
		keep bool
	}{
		{"abc-123_X.y:z", true},
		{strings.Repeat("a", 128), true},
		{strings.Repeat("a", 129), false},
		{"has space", false},
		{`quote"d`, false},
		{"new\\nline", false},
		{"", false},
	}
	for _, tc := range cases {
		a := s.do(http.MethodGet, "/healthz", "", map[string]string{ops.HeaderRequestID: tc.sent})
		got := a.header.Get(ops.HeaderRequestID)
		if tc.keep && got != tc.sent || !tc.keep && !hex32.MatchString(got) {
			t.Errorf("sent %q, answered %q", tc.sent, got)
		}
	}
	if a := s.do(http.MethodGet, "/no-such-route", "", nil); a.status != http.StatusNotFound || a.header.Get(ops.HeaderRequestID) == "" {
		t.Errorf("404: %d, id %q", a.status, a.header.Get(ops.HeaderRequestID))
	}
	exp := string(s.do(http.MethodGet, "/metrics", "", nil).body)
	wantSample(t, exp, 1, "sailgraph_http_request_duration_seconds_count", "route", "unmatched", "method", "GET", "status", "404")
	if strings.Contains(exp, "no-such-route") {
		t.Error("a raw path became a label value")
	}
}

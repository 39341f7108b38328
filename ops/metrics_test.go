package ops_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/sailgraph/sailgraph/cache"
	"github.com/sailgraph/sailgraph/ops"
)

func scrape(t *testing.T, m *ops.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	return rec.Body.String()
}

func TestObserverLabelsAreBounded(t *testing.T) {
	m := ops.NewMetrics(ops.MetricsOptions{NoRuntimeCollectors: true})
	m.ObserveUpstream("beta", "getTaskStatus", 429, time.Millisecond)
	m.ObserveUpstream("v2024", "getReport", 0, time.Second)
	m.ObserveUpstream("evil-first-segment", "made-up-op", 999, time.Millisecond)
	m.ObserveLimiterWait("beta", 20*time.Millisecond, false)
	m.ObserveLimiterWait("v2024", time.Second, true)
	m.ObserveCooldown("beta", 3*time.Second)
	m.ObserveRetry("beta", "getTaskStatus", "503")
	m.ObserveRetry("beta", "getTaskStatus", "connection")
	m.ObserveRetry("beta", "getTaskStatus", "something odd")
	m.ObserveFallback(true)
	m.CacheEvent(cache.EventStoreError, "getTaskStatus")
	m.CacheEvent(cache.EventEviction, "")
	m.CacheEvent(cache.EventStaleOnError, "/beta/task-status/0123")

	exp := scrape(t, m)
	wantSample(t, exp, 1, "sailgraph_upstream_request_duration_seconds_count", "api", "beta", "operation", "getTaskStatus", "status", "429")
	wantSample(t, exp, 1, "sailgraph_upstream_request_duration_seconds_count", "api", "v2024", "operation", "getReport", "status", "none")
	wantSample(t, exp, 1, "sailgraph_upstream_request_duration_seconds_count", "api", "other", "operation", "unknown", "status", "other")
	wantSample(t, exp, 1, "sailgraph_ratelimit_wait_seconds_count", "api", "beta")
	wantSample(t, exp, 1, "sailgraph_ratelimit_refused_total", "api", "v2024")
	wantSample(t, exp, 1, "sailgraph_ratelimit_cooldown_seconds_count", "api", "beta")
	wantSample(t, exp, 3, "sailgraph_ratelimit_cooldown_seconds_sum", "api", "beta")
	wantSample(t, exp, 1, "sailgraph_upstream_retries_total", "reason", "503")
	wantSample(t, exp, 1, "sailgraph_upstream_retries_total", "reason", "connection")
	wantSample(t, exp, 1, "sailgraph_upstream_retries_total", "reason", "other")
	wantSample(t, exp, 1, "sailgraph_ratelimit_fallback_active")
	wantSample(t, exp, 1, "sailgraph_ratelimit_fallbacks_total")
	wantSample(t, exp, 1, "sailgraph_cache_events_total", "event", "store_error", "operation", "getTaskStatus")
	wantSample(t, exp, 1, "sailgraph_cache_events_total", "event", "eviction", "operation", "none")
	wantSample(t, exp, 1, "sailgraph_cache_events_total", "event", "stale_on_error", "operation", "unknown")
	for _, leak := range []string{"evil-first-segment", "made-up-op", "999", "something odd", "0123"} {
		if strings.Contains(exp, leak) {
			t.Errorf("label value %q leaked into the exposition", leak)
		}
	}
	m.ObserveFallback(false)
	if v, _ := sample(t, scrape(t, m), "sailgraph_ratelimit_fallback_active"); v != 0 {
		t.Fatalf("fallback gauge %v after recovery", v)
	}
}

// operation runs the GraphQL extension over one answer, as gqlgen does.
func operation(ext graphql.ResponseInterceptor, name string, resp *graphql.Response) {
	oc := &graphql.OperationContext{OperationName: name, Operation: &ast.OperationDefinition{Operation: ast.Query, Name: name}}
	oc.Stats.Read.Start = time.Now()
	ctx := graphql.WithOperationContext(context.Background(), oc)
	ext.InterceptResponse(ctx, func(context.Context) *graphql.Response { return resp })
}

func TestGraphQLOperationNamesCannotExplodeCardinality(t *testing.T) {
	m := ops.NewMetrics(ops.MetricsOptions{MaxOperationNames: 3, NoRuntimeCollectors: true})
	ext := m.GraphQL().(graphql.ResponseInterceptor)
	ok := &graphql.Response{Data: []byte(`{"a":1}`)}
	for i := range 50 {
		operation(ext, fmt.Sprintf("Op%d", i), ok)
	}
	operation(ext, "Op1", ok)                   // admitted earlier: keeps its label
	operation(ext, "", ok)                      // anonymous
	operation(ext, strings.Repeat("L", 65), ok) // too long
	operation(ext, "bad name{}", ok)            // not a GraphQL Name
	operation(ext, "Op2", &graphql.Response{Data: []byte(`{"a":null}`), Errors: []*gqlerror.Error{{Message: "x"}}})
	operation(ext, "Op2", &graphql.Response{Errors: []*gqlerror.Error{{Message: "x"}}})
	operation(ext, "Op2", nil)

	exp := scrape(t, m)
	series := 0
	for line := range strings.Lines(exp) {
		if strings.HasPrefix(line, "sailgraph_graphql_operation_duration_seconds_count") {
			series++
		}
	}
	wantSample(t, exp, 2, "sailgraph_graphql_operation_duration_seconds_count", "operation", "Op1", "outcome", "ok")
	wantSample(t, exp, 47, "sailgraph_graphql_operation_duration_seconds_count", "operation", "other", "outcome", "ok")
	wantSample(t, exp, 1, "sailgraph_graphql_operation_duration_seconds_count", "operation", "Op2", "outcome", "partial")
	wantSample(t, exp, 1, "sailgraph_graphql_operation_duration_seconds_count", "operation", "Op2", "outcome", "error")
	wantSample(t, exp, 1, "sailgraph_graphql_operation_duration_seconds_count", "operation", "Op2", "outcome", "canceled")
	wantSample(t, exp, 1, "sailgraph_graphql_operation_duration_seconds_count", "operation", "anonymous", "outcome", "ok")
	wantSample(t, exp, 2, "sailgraph_graphql_operation_duration_seconds_count", "operation", "invalid", "outcome", "ok")
	// Op0..Op2, other, anonymous and invalid ok; Op2 partial, error, canceled.
	if series != 9 {
		t.Fatalf("%d GraphQL series, want 9:\n%s", series, exp)
	}
}

package ops_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sailgraph/sailgraph/ops"
)

func env(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }

func TestTracingEnabledByStandardVariables(t *testing.T) {
	cases := []struct {
		vars map[string]string
		want bool
	}{
		{nil, false},
		{map[string]string{"OTEL_SERVICE_NAME": "x"}, false},
		{map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, false},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, true},
		{map[string]string{"OTEL_TRACES_EXPORTER": "console"}, true},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, true},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, true},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"}, false},
	}
	for _, tc := range cases {
		if got := ops.TracingEnabled(env(tc.vars)); got != tc.want {
			t.Errorf("%v: enabled %v, want %v", tc.vars, got, tc.want)
		}
	}
}

func TestNoTracingWithoutVariables(t *testing.T) {
	mem := tracetest.NewInMemoryExporter()
	tr, err := ops.SetupTracing(context.Background(), env(nil), ops.TracingOptions{Exporter: mem})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Enabled() {
		t.Fatal("tracing on without OTEL_ variables")
	}
	if rt := tr.Layer()(http.DefaultTransport); rt != http.DefaultTransport {
		t.Fatal("the layer wraps the transport while tracing is off")
	}
	s := newStack(t, stackOptions{tracing: tr})
	id := s.firstIdentityID()
	if a := s.graphql(fmt.Sprintf(`{ identity(id: %q) { id } }`, id), "", nil); a.status != http.StatusOK {
		t.Fatalf("query: %d %s", a.status, a.body)
	}
	if n := len(mem.GetSpans()); n != 0 {
		t.Fatalf("%d spans recorded with tracing off", n)
	}
	_, parents, _ := s.seen.snapshot()
	for _, p := range parents {
		if p != "" {
			t.Fatalf("a traceparent went upstream with tracing off: %q", p)
		}
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestGraphQLRequestTracedWithUpstreamChildren(t *testing.T) {
	mem := tracetest.NewInMemoryExporter()
	tr, err := ops.SetupTracing(context.Background(), env(map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}), ops.TracingOptions{Exporter: mem})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	if !tr.Enabled() {
		t.Fatal("tracing off with OTEL_TRACES_EXPORTER=otlp")
	}
	s := newStack(t, stackOptions{tracing: tr})
	id := s.firstIdentityID()
	mem.Reset()

	// The caller's trace continues through the gateway.
	const callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	a := s.graphql(fmt.Sprintf(`query Traced { identity(id: %q) { id displayName startDate } }`, id), "Traced",
		map[string]string{"Traceparent": "00-" + callerTrace + "-00f067aa0ba902b7-01", ops.HeaderRequestID: "trace-req"})
	if a.status != http.StatusOK {
		t.Fatalf("query: %d %s", a.status, a.body)
	}
	spans := mem.GetSpans()
	var server *tracetest.SpanStub
	for i := range spans {
		if spans[i].SpanKind == trace.SpanKindServer {
			server = &spans[i]
		}
	}
	if server == nil {
		t.Fatalf("no server span among %d spans", len(spans))
	}
	if server.Name != "POST /graphql" || server.SpanContext.TraceID().String() != callerTrace {
		t.Fatalf("server span %q in trace %s", server.Name, server.SpanContext.TraceID())
	}
	attrs := map[string]string{}
	for _, kv := range server.Attributes {
		attrs[string(kv.Key)] = kv.Value.Emit()
	}
	if attrs["graphql.operation.name"] != "Traced" || attrs["http.route"] != "/graphql" ||
		attrs["http.response.status_code"] != "200" || attrs["sailgraph.request_id"] != "trace-req" {
		t.Errorf("server span attributes: %v", attrs)
	}
	children := map[string]int{}
	for _, sp := range spans {
		if sp.SpanKind != trace.SpanKindClient {
			continue
		}
		if sp.Parent.SpanID() != server.SpanContext.SpanID() || sp.SpanContext.TraceID() != server.SpanContext.TraceID() {
			t.Errorf("client span %q is not a child of the server span", sp.Name)
		}
		children[sp.Name]++
	}
	if children["GET getHistoricalIdentity"] != 1 || children["GET getIdentityStartDate"] != 1 {
		t.Fatalf("client spans: %v", children)
	}
	// The tenant was sent the trace context.
	_, parents, _ := s.seen.snapshot()
	if last := parents[len(parents)-1]; !strings.Contains(last, callerTrace) {
		t.Fatalf("traceparent upstream %q, want trace %s", last, callerTrace)
	}
	// The request's log line names its trace.
	found := false
	for _, l := range logLines(t, s.logs, "request") {
		if l["request_id"] == "trace-req" && l["trace_id"] == callerTrace {
			found = true
		}
	}
	if !found {
		t.Fatal("no request line with the trace id")
	}
}

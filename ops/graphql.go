package ops

import (
	"bytes"
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/sailgraph/sailgraph/record"
)

// GraphQL outcomes.
const (
	outcomeOK       = "ok"       // data and no errors
	outcomePartial  = "partial"  // data with errors (a field failed)
	outcomeError    = "error"    // errors and no data (parse, validation, limits)
	outcomeCanceled = "canceled" // the caller went away before an answer
)

// GraphQL returns the gqlgen extension that records each operation: its
// duration by name and outcome in the metrics, its name on the request's
// record (for the log line) and on the current trace span. Add it with
// handler.Server.Use (graph.Options.Extensions).
func (m *Metrics) GraphQL() graphql.HandlerExtension { return graphqlExtension{m: m} }

type graphqlExtension struct{ m *Metrics }

var (
	_ graphql.HandlerExtension    = graphqlExtension{}
	_ graphql.ResponseInterceptor = graphqlExtension{}
)

// ExtensionName implements graphql.HandlerExtension.
func (graphqlExtension) ExtensionName() string { return "SailgraphMetrics" }

// Validate implements graphql.HandlerExtension.
func (graphqlExtension) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse implements graphql.ResponseInterceptor. It sees every
// answer, including those to documents that did not parse or validate.
func (g graphqlExtension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if !graphql.HasOperationContext(ctx) {
		return resp
	}
	oc := graphql.GetOperationContext(ctx)
	raw := oc.OperationName
	kind := ""
	if oc.Operation != nil {
		if raw == "" {
			raw = oc.Operation.Name
		}
		kind = string(oc.Operation.Operation)
	}
	name := operationName(raw)
	record.From(ctx).SetOperation(name)
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetAttributes(attribute.String("graphql.operation.name", name))
		if kind != "" {
			span.SetAttributes(attribute.String("graphql.operation.type", kind))
		}
	}
	start := oc.Stats.OperationStart
	if start.IsZero() {
		start = oc.Stats.Read.Start
	}
	var d time.Duration
	if !start.IsZero() {
		d = time.Since(start)
	}
	g.m.graphqlDuration.WithLabelValues(g.m.names.label(name), outcome(resp)).Observe(d.Seconds())
	return resp
}

// outcome classifies an answer.
func outcome(resp *graphql.Response) string {
	switch {
	case resp == nil:
		return outcomeCanceled
	case len(resp.Errors) == 0:
		return outcomeOK
	case len(resp.Data) == 0 || bytes.Equal(resp.Data, []byte("null")):
		return outcomeError
	}
	return outcomePartial
}

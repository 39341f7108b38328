package ops

import (
	"github.com/sailgraph/sailgraph/record"

	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/contrib/exporters/autoexport"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/sailgraph/sailgraph/upstream/op"
	"github.com/sailgraph/sailgraph/upstream/transport"
)

// TracingOptions configure SetupTracing. The zero value is usable.
type TracingOptions struct {
	// ServiceName is the default service.name (OTEL_SERVICE_NAME and
	// OTEL_RESOURCE_ATTRIBUTES override it; default "sailgraph").
	ServiceName string
	// ServiceVersion is service.version, if known.
	ServiceVersion string
	// Exporter replaces the exporter the OTEL_ variables choose (tests
	// pass an in-memory one). It is used only when tracing is on, and
	// spans are exported synchronously.
	Exporter sdktrace.SpanExporter
}

// Tracing is the gateway's OpenTelemetry tracing: a server span per
// inbound request and a client span per exchange with the tenant, with
// W3C trace context propagated both ways. Off, it adds nothing: its
// middleware and layer pass requests through untouched. It sets no
// OpenTelemetry global.
type Tracing struct {
	tp     *sdktrace.TracerProvider // nil when off
	tracer trace.Tracer
	prop   propagation.TextMapPropagator
}

// TracingEnabled reports whether the standard OTEL_ variables ask for
// traces: OTEL_TRACES_EXPORTER set to anything but "none", or an OTLP
// endpoint (OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) given; OTEL_SDK_DISABLED=true wins.
func TracingEnabled(getenv func(string) string) bool {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return false
	}
	if exp := strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")); exp != "" {
		return exp != "none"
	}
	return strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")) != "" ||
		strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) != ""
}

// SetupTracing turns tracing on when the OTEL_ variables ask for it (see
// TracingEnabled), with the exporter they name (autoexport: otlp over
// http/protobuf or grpc, console, none) and the sampler of
// OTEL_TRACES_SAMPLER. It reads the variables through getenv for the
// decision; the exporter reads the process environment itself. Call
// Shutdown when the server has stopped, to flush the last spans.
func SetupTracing(ctx context.Context, getenv func(string) string, opts TracingOptions) (*Tracing, error) {
	if !TracingEnabled(getenv) {
		return &Tracing{}, nil
	}
	exp := opts.Exporter
	batch := true
	if exp == nil {
		var err error
		if exp, err = autoexport.NewSpanExporter(ctx); err != nil {
			return nil, fmt.Errorf("OTEL_TRACES_EXPORTER: %w", err)
		}
	} else {
		batch = false
	}
	name := opts.ServiceName
	if name == "" {
		name = "sailgraph"
	}
	attrs := []attribute.KeyValue{semconv.ServiceName(name)}
	if opts.ServiceVersion != "" {
		attrs = append(attrs, semconv.ServiceVersion(opts.ServiceVersion))
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(attrs...))
	if err != nil {
		return nil, err
	}
	if env, err := resource.New(ctx, resource.WithFromEnv()); err == nil {
		if merged, err := resource.Merge(res, env); err == nil {
			res = merged
		}
	}
	spanOpt := sdktrace.WithBatcher(exp)
	if !batch {
		spanOpt = sdktrace.WithSyncer(exp)
	}
	tp := sdktrace.NewTracerProvider(spanOpt, sdktrace.WithResource(res))
	return &Tracing{
		tp:     tp,
		tracer: tp.Tracer("github.com/sailgraph/sailgraph/ops"),
		prop:   propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
	}, nil
}

// Enabled reports whether spans are recorded.
func (t *Tracing) Enabled() bool { return t != nil && t.tp != nil }

// Shutdown flushes and stops the exporter; it does nothing when off.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if !t.Enabled() {
		return nil
	}
	return t.tp.Shutdown(ctx)
}

// Middleware is the echo middleware that starts a server span per request
// ("GET /graphql": method and route template), continuing the caller's
// trace context. Place it after RequestID, before the log.
func (t *Tracing) Middleware() echo.MiddlewareFunc {
	if !t.Enabled() {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			routeName := c.Path()
			if routeName == "" {
				routeName = labelUnmatched
			}
			ctx := t.prop.Extract(req.Context(), propagation.HeaderCarrier(req.Header))
			ctx, span := t.tracer.Start(ctx, req.Method+" "+routeName,
				trace.WithSpanKind(trace.SpanKindServer),
				trace.WithAttributes(
					semconv.HTTPRequestMethodKey.String(method(req.Method)),
					semconv.HTTPRoute(routeName),
					semconv.URLPath(req.URL.Path),
				))
			defer span.End()
			if id := record.From(ctx).ID(); id != "" {
				span.SetAttributes(attribute.String("sailgraph.request_id", id))
			}
			c.SetRequest(req.WithContext(ctx))
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			code := c.Response().Status
			span.SetAttributes(semconv.HTTPResponseStatusCode(code))
			if code >= http.StatusInternalServerError {
				span.SetStatus(codes.Error, http.StatusText(code))
			}
			return nil
		}
	}
}

// Layer is the transport Layer that makes a client span per exchange with
// the tenant ("GET getTaskStatus": method and operationId) and sends the
// trace context upstream. Put it at the bottom of the chain, beside
// Upstream, so that each retry is its own span. Off, it is the identity.
func (t *Tracing) Layer() transport.Layer {
	if !t.Enabled() {
		return func(next http.RoundTripper) http.RoundTripper { return next }
	}
	return func(next http.RoundTripper) http.RoundTripper {
		return otelhttp.NewTransport(next,
			otelhttp.WithTracerProvider(t.tp),
			otelhttp.WithPropagators(t.prop),
			otelhttp.WithMeterProvider(noop.NewMeterProvider()),
			otelhttp.WithSpanNameFormatter(upstreamSpanName),
		)
	}
}

// upstreamSpanName names a client span by operationId, never by a path
// with ids in it.
func upstreamSpanName(_ string, r *http.Request) string {
	if c, ok := op.FromRequest(r); ok {
		return r.Method + " " + c.Op.Name
	}
	return r.Method + " " + labelUnknown
}

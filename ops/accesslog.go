package ops

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/trace"

	"github.com/sailgraph/sailgraph/record"
)

// AccessLog is the echo middleware that writes one structured line per
// request when it ends: method, path (never the query string), route,
// status, bytes, duration_ms, request id, GraphQL operation, upstream calls
// made, cache hits and stale serves, the result cache's hit or miss, and
// the trace id when tracing is on. It logs no
// header, so no credential can reach it. 5xx answers are logged at Warn,
// the rest at Info. It turns a handler's error into its response (echo's
// error handler), so it goes innermost of the ops middlewares.
func AccessLog(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			if err := next(c); err != nil {
				c.Error(err)
			}
			req, res := c.Request(), c.Response()
			ctx := req.Context()
			r := record.From(ctx)
			level := slog.LevelInfo
			if res.Status >= http.StatusInternalServerError {
				level = slog.LevelWarn
			}
			if !log.Enabled(ctx, level) {
				return nil
			}
			attrs := make([]slog.Attr, 0, 13)
			attrs = append(attrs,
				slog.String("method", req.Method),
				slog.String("path", req.URL.Path),
				slog.String("route", c.Path()),
				slog.Int("status", res.Status),
				slog.Int64("bytes", res.Size),
				// In milliseconds, with microseconds: a bare number
				// whose unit is in its name.
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
				slog.String("request_id", r.ID()),
			)
			if op := r.Operation(); op != "" {
				attrs = append(attrs, slog.String("operation", op))
			}
			attrs = append(attrs,
				slog.Int("upstream_calls", r.UpstreamCalls()),
				slog.Int("cache_hits", r.CacheHits()),
				slog.Int("cache_stale", r.CacheStale()),
			)
			if rc := r.ResultCache(); rc != "" {
				attrs = append(attrs, slog.String("result_cache", rc))
			}
			if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
				attrs = append(attrs, slog.String("trace_id", sc.TraceID().String()))
			}
			log.LogAttrs(ctx, level, "request", attrs...)
			return nil
		}
	}
}

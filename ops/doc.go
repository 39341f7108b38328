// Package ops is the operator's view of the gateway: Prometheus metrics,
// health and readiness, request ids, one log line per request, and
// OpenTelemetry tracing.
//
// Every inbound request gets a *record.Record in its context (RequestID).
// The pieces below it fill that record cheaply (atomic counters, no
// locks): the Upstream layer at the bottom of the upstream transport chain
// counts exchanges with the tenant and sends the request id with them,
// the caching layer (httpcache) counts its hits, and the GraphQL extension
// names the operation. AccessLog writes it all as one line when the
// request ends.
//
// Wiring, outermost first:
//
//	m := ops.NewMetrics(ops.MetricsOptions{})
//	tr, _ := ops.SetupTracing(ctx, os.Getenv, ops.TracingOptions{})
//	defer tr.Shutdown(shutdownCtx)
//	e.Use(ops.RequestID(), tr.Middleware(), m.Middleware(), ops.AccessLog(log))
//	e.GET("/metrics", echo.WrapHandler(m.Handler()))
//	e.GET("/healthz", echo.WrapHandler(ops.Healthz()))
//	e.GET("/readyz", echo.WrapHandler(ops.Readyz(checks, ops.ReadyOptions{Logger: log})))
//
//	base := transport.Chain(httpTransport, tr.Layer(), ops.Upstream())
//	rt := transport.New(transport.Config{Base: base, Observer: m, ...})
//	c, _ := cache.New(store, cache.Options{Observer: m, ...})
//	client := &http.Client{Transport: httpcache.New(c, rt, ...)}
//
// Label values are bounded: upstream operations come from op.Names (and
// "graphql" for the result cache's events), API versions from op.APIs or
// other, HTTP routes are echo's route
// templates, and GraphQL operation names are validated and capped (see
// MetricsOptions.MaxOperationNames). No metric label or log line carries
// a header value, a token or a query string.
package ops

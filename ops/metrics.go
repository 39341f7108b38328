package ops

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sailgraph/sailgraph/cache"
	"github.com/sailgraph/sailgraph/upstream/transport"
)

// MetricsOptions configure NewMetrics. The zero value is usable.
type MetricsOptions struct {
	// MaxOperationNames is how many distinct GraphQL operation names get
	// their own label value; later names are counted as "other"
	// (default 100).
	MaxOperationNames int
	// NoRuntimeCollectors leaves out the Go runtime and process
	// collectors (for tests that compare whole expositions).
	NoRuntimeCollectors bool
}

// Metrics is the gateway's Prometheus registry and everything recorded in
// it. It is a transport.Observer (upstream calls, budget waits, cooldowns,
// retries, the limiter's fallback) and a cache.Observer
// (cache events); Middleware records inbound HTTP requests and the
// extension from GraphQL the GraphQL operations. Its methods are safe for concurrent use.
type Metrics struct {
	reg    *prometheus.Registry
	labels labeler
	names  *nameSet

	httpDuration    *prometheus.HistogramVec
	graphqlDuration *prometheus.HistogramVec
	upstream        *prometheus.HistogramVec
	limiterWait     *prometheus.HistogramVec
	limiterRefused  *prometheus.CounterVec
	cooldown        *prometheus.HistogramVec
	retries         *prometheus.CounterVec
	circuitOpen     *prometheus.GaugeVec
	circuitRefused  *prometheus.CounterVec
	fallbackActive  prometheus.Gauge
	fallbacks       prometheus.Counter
	cacheEvents     *prometheus.CounterVec
}

var (
	_ transport.Observer = (*Metrics)(nil)
	_ cache.Observer     = (*Metrics)(nil)
)

// requestBuckets cover a cache hit (milliseconds) to a slow fan-out.
var requestBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// NewMetrics returns a Metrics with its own registry.
func NewMetrics(opts MetricsOptions) *Metrics {
	if opts.MaxOperationNames <= 0 {
		opts.MaxOperationNames = 100
	}
	m := &Metrics{
		reg:    prometheus.NewRegistry(),
		labels: newLabeler(),
		names:  newNameSet(opts.MaxOperationNames),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sailgraph_http_request_duration_seconds",
			Help:    "Inbound HTTP requests by route template, method and status.",
			Buckets: requestBuckets,
		}, []string{"route", "method", "status"}),
		graphqlDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sailgraph_graphql_operation_duration_seconds",
			Help:    "GraphQL operations by operation name and outcome (ok, partial: data with errors, error: no data).",
			Buckets: requestBuckets,
		}, []string{"operation", "outcome"}),
		upstream: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sailgraph_upstream_request_duration_seconds",
			Help:    "Exchanges with the tenant by API version, operationId and status (none: no response), until the response headers.",
			Buckets: requestBuckets,
		}, []string{"api", "operation", "status"}),
		limiterWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sailgraph_ratelimit_wait_seconds",
			Help:    "Time upstream requests waited for the tenant budget, by API version.",
			Buckets: []float64{.001, .005, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"api"}),
		limiterRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sailgraph_ratelimit_refused_total",
			Help: "Upstream requests refused because the budget could not be had in time, by API version.",
		}, []string{"api"}),
		cooldown: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sailgraph_ratelimit_cooldown_seconds",
			Help:    "Cooldowns set after an upstream 429, by API version and length.",
			Buckets: []float64{.5, 1, 2, 5, 10, 30, 60, 120, 300},
		}, []string{"api"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sailgraph_upstream_retries_total",
			Help: "Upstream requests sent again, by API version, operationId and reason (a status or connection).",
		}, []string{"api", "operation", "reason"}),
		circuitOpen: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sailgraph_upstream_circuit_open",
			Help: "1 while this replica has seen the circuit breaker of an upstream API open (the tenant failing).",
		}, []string{"api"}),
		circuitRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sailgraph_upstream_circuit_refused_total",
			Help: "Upstream calls not sent because the API's circuit breaker was open.",
		}, []string{"api"}),
		fallbackActive: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sailgraph_ratelimit_fallback_active",
			Help: "1 while the limiter runs on its in-memory share of the budget because Redis is unreachable.",
		}),
		fallbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sailgraph_ratelimit_fallbacks_total",
			Help: "Times the limiter fell back to its in-memory share.",
		}),
		cacheEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sailgraph_cache_events_total",
			Help: "Cache events (hit, miss, stale_revalidate, stale_on_error, load, fill, eviction, store_error, bypass, too_large, invalidation) by upstream operationId.",
		}, []string{"event", "operation"}),
	}
	m.reg.MustRegister(m.httpDuration, m.graphqlDuration, m.upstream, m.limiterWait, m.limiterRefused,
		m.cooldown, m.retries, m.circuitOpen, m.circuitRefused, m.fallbackActive, m.fallbacks, m.cacheEvents)
	if !opts.NoRuntimeCollectors {
		m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	return m
}

// Registry is the registry the metrics live in, for collectors of other
// packages.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format (mount
// it at /metrics).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Middleware records every inbound request by echo route template (never
// the raw path), method and final status. Place it after RequestID and
// before AccessLog, which turns handler errors into responses.
func (m *Metrics) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			route := c.Path()
			code := c.Response().Status
			if route == "" || code == http.StatusNotFound && route == "/*" {
				route = labelUnmatched
			}
			m.httpDuration.WithLabelValues(route, method(c.Request().Method), status(code)).
				Observe(time.Since(start).Seconds())
			return nil
		}
	}
}

package ops

import (
	"time"

	"github.com/sailgraph/sailgraph/cache"
)

// ObserveUpstream implements transport.Observer.
func (m *Metrics) ObserveUpstream(api, operation string, code int, d time.Duration) {
	m.upstream.WithLabelValues(m.labels.api(api), m.labels.operation(operation), status(code)).Observe(d.Seconds())
}

// ObserveLimiterWait implements transport.Observer.
func (m *Metrics) ObserveLimiterWait(api string, d time.Duration, limited bool) {
	if limited {
		m.limiterRefused.WithLabelValues(m.labels.api(api)).Inc()
		return
	}
	m.limiterWait.WithLabelValues(m.labels.api(api)).Observe(d.Seconds())
}

// ObserveCooldown implements transport.Observer.
func (m *Metrics) ObserveCooldown(api string, d time.Duration) {
	m.cooldown.WithLabelValues(m.labels.api(api)).Observe(d.Seconds())
}

// ObserveRetry implements transport.Observer.
func (m *Metrics) ObserveRetry(api, operation, reason string) {
	m.retries.WithLabelValues(m.labels.api(api), m.labels.operation(operation), retryReason(reason)).Inc()
}

// ObserveCircuit implements transport.Observer.
func (m *Metrics) ObserveCircuit(api string, open bool) {
	v := 0.0
	if open {
		v = 1
	}
	m.circuitOpen.WithLabelValues(m.labels.api(api)).Set(v)
}

// ObserveCircuitRefusal implements transport.Observer.
func (m *Metrics) ObserveCircuitRefusal(api string) {
	m.circuitRefused.WithLabelValues(m.labels.api(api)).Inc()
}

// ObserveFallback implements transport.Observer; wire it to
// ratelimit.RedisOptions.OnFallback.
func (m *Metrics) ObserveFallback(active bool) {
	if active {
		m.fallbackActive.Set(1)
		m.fallbacks.Inc()
		return
	}
	m.fallbackActive.Set(0)
}

// CacheEvent implements cache.Observer (give it to cache.Options and
// cache.MemoryOptions).
func (m *Metrics) CacheEvent(e cache.Event, operation string) {
	m.cacheEvents.WithLabelValues(e.String(), m.labels.operation(operation)).Inc()
}

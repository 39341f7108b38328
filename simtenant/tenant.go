// Package simtenant is a simulated SailPoint Identity Security Cloud tenant.
//
// It serves the operations of ../shared/upstream-spec in both of its
// generations, from one data set: the legacy year-versioned trees (23
// operations; beta: identity history, task status, role-mining
// potential-role export; v2024: reports) and the per-resource v1 APIs
// that replace them (21 operations: identity history, task management,
// reports, role mining), each at its own paths, with SailPoint's
// collection semantics, OAuth2 client credentials, the documented rate
// limit per API, and asynchronous report and export jobs. A report
// started through one generation is read through the other; a task
// patched through one is seen patched through the other. Either
// generation can be switched off (Options.Generations). Its data is
// deterministic for a seed and a size.
//
// It exists so that sailgraph can be developed, demonstrated, tested and
// benchmarked without a real tenant. It imports nothing of the gateway: it
// is a separate system that happens to live in the same module.
package simtenant

import (
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Options configure a simulated tenant. The zero value is the default
// tenant: 2,000 identities from seed 1, one client, 100 requests per 10 s.
type Options struct {
	// Seed and Identities choose the data set; equal values give equal data.
	Seed       uint64
	Identities int // default 2000

	// Clients are the OAuth2 client credentials the token endpoint accepts
	// (id -> secret). Default: DefaultClientID / DefaultClientSecret.
	Clients map[string]string
	// TokenTTL is the lifetime of an issued access token. Default 12m29s,
	// as ISC's expires_in of 749 s.
	TokenTTL time.Duration

	// RateLimit requests per RateWindow per client id and per API: beta,
	// v2024 and each v1 API (identity history, task management, reports,
	// role mining) are counted apart (see APIs). 0 means the default 100
	// per 10 s; a negative RateLimit turns the limit off.
	RateLimit  int
	RateWindow time.Duration

	// Latency is added to every API request; FailureRate is the fraction of
	// API requests answered with a 500.
	Latency     time.Duration
	FailureRate float64

	// ReportDuration is how long a report run takes to complete. Default 3s.
	ReportDuration time.Duration
	// ExportStep is how long a role-mining export stays in each of QUEUED
	// and IN_PROGRESS. Default 1s.
	ExportStep time.Duration

	// Generations are the API generations served; the zero value serves
	// both legacy and v1. A generation switched off answers 404 on all its
	// paths.
	Generations Generations

	// Now is the tenant's clock; default time.Now.
	Now func() time.Time
}

// Default client credentials of the simulated tenant.
const (
	DefaultClientID     = "sailgraph-sim"
	DefaultClientSecret = "sailgraph-sim-secret"
)

func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Identities <= 0 {
		o.Identities = 2000
	}
	if len(o.Clients) == 0 {
		o.Clients = map[string]string{DefaultClientID: DefaultClientSecret}
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = 749 * time.Second
	}
	if o.RateLimit == 0 {
		o.RateLimit = 100
	}
	if o.RateWindow <= 0 {
		o.RateWindow = 10 * time.Second
	}
	if o.ReportDuration <= 0 {
		o.ReportDuration = 3 * time.Second
	}
	if o.ExportStep <= 0 {
		o.ExportStep = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Generations = o.Generations.orDefault()
	return o
}

// Tenant is one simulated tenant. It is safe for concurrent use.
type Tenant struct {
	opts Options
	now  func() time.Time

	auth    *authority
	limiter *windowLimiter
	stats   *counters

	knobMu      sync.Mutex
	latency     time.Duration
	failureRate float64
	failRNG     *rand.Rand

	history    *historyStore
	tasks      *taskStore
	reports    *reportStore
	roleMining *roleMiningStore

	handler http.Handler
}

// New builds a tenant from opts. Data is generated from opts.Seed.
func New(opts Options) *Tenant {
	opts = opts.withDefaults()
	t := &Tenant{
		opts:        opts,
		now:         opts.Now,
		auth:        newAuthority(opts.Clients, opts.TokenTTL, opts.Now),
		limiter:     newWindowLimiter(opts.RateLimit, opts.RateWindow, opts.Now),
		stats:       newCounters(),
		latency:     opts.Latency,
		failureRate: opts.FailureRate,
		failRNG:     rand.New(rand.NewPCG(opts.Seed, 0xfa11)),
	}
	t.history = newHistoryStore(opts.Seed, opts.Identities, opts.Now())
	t.tasks = newTaskStore(opts.Seed, opts.Now())
	t.reports = newReportStore(opts.Seed, opts.ReportDuration)
	t.roleMining = newRoleMiningStore(opts.Seed, opts.ExportStep)
	t.handler = t.routes()
	return t
}

// Handler serves the tenant: POST /oauth/token, the legacy /beta/... and
// /v2024/..., and the v1 /historical-identities/v1/..., /task-status/v1...,
// /reports/v1/... and /role-mining-sessions/v1/... as Options.Generations
// has them.
func (t *Tenant) Handler() http.Handler { return t.handler }

// ClientID returns one client id the token endpoint accepts (the default
// one when it is configured), for callers that need credentials.
func (t *Tenant) ClientID() (id, secret string) {
	if s, ok := t.opts.Clients[DefaultClientID]; ok {
		return DefaultClientID, s
	}
	for id, s := range t.opts.Clients {
		return id, s
	}
	return "", ""
}

// SetLatency changes the latency added to every API request.
func (t *Tenant) SetLatency(d time.Duration) {
	t.knobMu.Lock()
	t.latency = d
	t.knobMu.Unlock()
}

// SetFailureRate changes the fraction of API requests answered with a 500.
func (t *Tenant) SetFailureRate(f float64) {
	t.knobMu.Lock()
	t.failureRate = f
	t.knobMu.Unlock()
}

// ForceRateLimit makes every API request to api (one of APIs: "beta",
// "v2024", APIIdentityHistoryV1, ...) for the next d answer 429 with a
// Retry-After of the time left, whatever the budget; the first request to
// arrive is refused with Retry-After d.
func (t *Tenant) ForceRateLimit(api string, d time.Duration) {
	t.limiter.force(api, d)
}

// ExpireTokens expires every token issued so far: they get 401 from now on.
func (t *Tenant) ExpireTokens() { t.auth.expireAll() }

// Stats returns a snapshot of the tenant's counters.
func (t *Tenant) Stats() Stats { return t.stats.snapshot() }

// ResetStats zeroes the counters.
func (t *Tenant) ResetStats() { t.stats.reset() }

func (t *Tenant) knobs() (time.Duration, bool) {
	t.knobMu.Lock()
	defer t.knobMu.Unlock()
	fail := t.failureRate > 0 && t.failRNG.Float64() < t.failureRate
	return t.latency, fail
}

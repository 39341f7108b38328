// Package generation chooses, per upstream API family, which API
// generation the gateway calls: the legacy year-versioned trees (/beta,
// /v2024) or the per-resource v1 APIs (SAILGRAPH_UPSTREAM_API). A family
// is either fixed on one generation or automatic: then the tenant is asked
// which generation serves it (a probe, see probe.go), once when the
// gateway starts or, without credentials of its own, on the family's first
// call with that caller's token; again, later, when the answer was not
// clear; and again when a call in the family finds its whole path gone
// (Layer).
//
// A Chooser is an isc.ContextGenerations: every upstream client asks it,
// call by call, which generation to build the call in.
package generation

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sailgraph/sailgraph/internal/syncctx"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

// Prober asks the tenant which generation serves a family.
type Prober interface {
	Probe(ctx context.Context, f op.Family) Verdict
}

// Verdict is a probe's outcome.
type Verdict struct {
	// Sure is false when the answer says nothing of the path (401, 429,
	// 5xx, no answer): the family keeps its generation, and the probe is
	// tried again later.
	Sure bool
	// Gen is the generation that serves the family, when Sure.
	Gen op.Generation
	// Detail says what was asked and answered, for the log.
	Detail string
}

// Options configure a Chooser.
type Options struct {
	// Fixed are the families in a fixed generation (legacy or v1); every
	// other family is automatic.
	Fixed map[op.Family]op.Generation
	// Prober asks the tenant (NewProber). Required when a family is
	// automatic.
	Prober Prober
	// Logger gets one line per choice made or changed, and one per run of
	// unclear probes (default: discard).
	Logger *slog.Logger
	// Now is the clock retries are timed by (default time.Now).
	Now func() time.Time
	// Timeout bounds one probe (default 10s).
	Timeout time.Duration
	// RetryMin and RetryMax bound the wait before a probe whose answer was
	// not clear is tried again: it doubles from RetryMin up to RetryMax
	// (defaults 30s and 10m).
	RetryMin, RetryMax time.Duration
	// RedetectEvery is the least time between two probes of a family
	// started by calls that found their path gone (default 1m).
	RedetectEvery time.Duration
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.RetryMin <= 0 {
		o.RetryMin = 30 * time.Second
	}
	if o.RetryMax < o.RetryMin {
		o.RetryMax = max(10*time.Minute, o.RetryMin)
	}
	if o.RedetectEvery <= 0 {
		o.RedetectEvery = time.Minute
	}
	return o
}

// Chooser says which generation serves each family. It is safe for
// concurrent use.
type Chooser struct {
	opts Options
	fams map[op.Family]*family

	// wg tracks running probes, for Close.
	wg     sync.WaitGroup
	closed chan struct{}
	once   sync.Once
}

// family is one family's state.
type family struct {
	f    op.Family
	auto bool
	gen  atomic.Uint32 // op.Generation
	// settled: the first detection is over (or the family is fixed), so
	// calls no longer wait for it.
	settled atomic.Bool
	// retryAt is when an unclear answer is asked again, in Unix
	// nanoseconds by Options.Now; 0 when no retry is pending. The first
	// call at or after it starts the probe.
	retryAt atomic.Int64

	mu          sync.Mutex
	first       chan struct{} // closed when the first detection is over
	started     bool          // a first detection has begun
	running     bool
	backoff     time.Duration
	lastTrigger time.Time
	unclear     bool // the last probe was not sure (logged once per run)
	logged      bool // a choice has been logged
}

// New returns a Chooser. Automatic families start on legacy until the
// tenant has answered.
func New(opts Options) *Chooser {
	c := &Chooser{opts: opts.withDefaults(), fams: map[op.Family]*family{}, closed: make(chan struct{})}
	for _, f := range op.Families() {
		fam := &family{f: f, first: make(chan struct{})}
		if g, ok := opts.Fixed[f]; ok {
			fam.gen.Store(uint32(g))
			fam.settled.Store(true)
			close(fam.first)
		} else {
			fam.auto = true
		}
		c.fams[f] = fam
	}
	return c
}

var _ isc.ContextGenerations = (*Chooser)(nil)

// Generation is the generation that serves f now (legacy for a family
// not yet detected). It never waits.
func (c *Chooser) Generation(f op.Family) op.Generation {
	fam, ok := c.fams[f]
	if !ok {
		return op.Legacy
	}
	return op.Generation(fam.gen.Load())
}

// Auto reports whether f is chosen automatically.
func (c *Chooser) Auto(f op.Family) bool {
	fam, ok := c.fams[f]
	return ok && fam.auto
}

// Start begins the first detection of every automatic family, with the
// principal ctx carries (none: the gateway's own client). It does not
// wait; calls wait for their family's first answer (GenerationFor).
func (c *Chooser) Start(ctx context.Context) {
	for _, f := range op.Families() {
		if fam := c.fams[f]; fam.auto {
			c.startFirst(ctx, fam)
		}
	}
}

// GenerationFor is the generation that serves f for a call made with ctx.
// For an automatic family whose first detection has not ended, it starts
// it if need be (with ctx's principal: in pass-through mode, the caller's
// own token) and waits for it, or for ctx to end. When a retry is due it
// starts one in the background and answers at once.
func (c *Chooser) GenerationFor(ctx context.Context, f op.Family) (op.Generation, error) {
	fam, ok := c.fams[f]
	if !ok {
		return op.Legacy, nil
	}
	if fam.settled.Load() {
		if r := fam.retryAt.Load(); r != 0 && c.opts.Now().UnixNano() >= r {
			c.maybeProbe(ctx, fam, false)
		}
		return op.Generation(fam.gen.Load()), nil
	}
	c.startFirst(ctx, fam)
	select {
	case <-fam.first:
		return op.Generation(fam.gen.Load()), nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Redetect asks the tenant again which generation serves f, at most once
// per Options.RedetectEvery: a call in f found its whole path gone (404
// or 410 for the path itself). Fixed families are left alone.
func (c *Chooser) Redetect(ctx context.Context, f op.Family, why string) {
	fam, ok := c.fams[f]
	if !ok || !fam.auto || !fam.settled.Load() {
		return
	}
	now := c.opts.Now()
	fam.mu.Lock()
	if !fam.lastTrigger.IsZero() && now.Sub(fam.lastTrigger) < c.opts.RedetectEvery {
		fam.mu.Unlock()
		return
	}
	fam.lastTrigger = now
	fam.mu.Unlock()
	c.opts.Logger.Info("upstream API generation: asking the tenant again", "family", f.String(), "generation", op.Generation(fam.gen.Load()).String(), "reason", why)
	c.maybeProbe(ctx, fam, true)
}

// Close waits for running probes to end (each is bounded by
// Options.Timeout) or ctx, and starts no more.
func (c *Chooser) Close(ctx context.Context) error {
	c.once.Do(func() { close(c.closed) })
	return syncctx.Wait(ctx, &c.wg)
}

// startFirst starts fam's first detection unless it has begun.
func (c *Chooser) startFirst(ctx context.Context, fam *family) {
	fam.mu.Lock()
	if fam.started {
		fam.mu.Unlock()
		return
	}
	fam.started = true
	fam.mu.Unlock()
	c.maybeProbe(ctx, fam, true)
}

// maybeProbe starts a probe of fam in the background unless one is
// running, or (unless force) none is due yet.
func (c *Chooser) maybeProbe(ctx context.Context, fam *family, force bool) {
	select {
	case <-c.closed:
		return
	default:
	}
	fam.mu.Lock()
	if r := fam.retryAt.Load(); fam.running || (!force && (r == 0 || c.opts.Now().UnixNano() < r)) {
		fam.mu.Unlock()
		return
	}
	fam.running = true
	fam.mu.Unlock()
	// The probe is the gateway's own call, not the caller's: it keeps
	// only the principal (whose token and budget it uses), not the
	// caller's deadline or request record.
	pctx := context.Background()
	if p, ok := principal.From(ctx); ok {
		pctx = principal.With(pctx, p)
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		pctx, cancel := context.WithTimeout(pctx, c.opts.Timeout)
		defer cancel()
		c.settle(fam, c.opts.Prober.Probe(pctx, fam.f))
	}()
}

// settle records a probe's verdict.
func (c *Chooser) settle(fam *family, v Verdict) {
	log := c.opts.Logger
	fam.mu.Lock()
	defer fam.mu.Unlock()
	fam.running = false
	prev := op.Generation(fam.gen.Load())
	if v.Sure {
		fam.gen.Store(uint32(v.Gen))
		fam.retryAt.Store(0)
		fam.backoff = 0
		if !fam.logged || v.Gen != prev || fam.unclear {
			log.Info("upstream API generation chosen", "family", fam.f.String(), "generation", v.Gen.String(), "previous", prev.String(), "probe", v.Detail)
		}
		fam.logged, fam.unclear = true, false
	} else {
		fam.backoff = min(max(2*fam.backoff, c.opts.RetryMin), c.opts.RetryMax)
		fam.retryAt.Store(c.opts.Now().Add(fam.backoff).UnixNano())
		if !fam.unclear {
			log.Warn("upstream API generation not detected: keeping the current one and asking again later",
				"family", fam.f.String(), "generation", prev.String(), "retry_in", fam.backoff.String(), "probe", v.Detail)
		}
		fam.unclear = true
	}
	if !fam.settled.Load() {
		fam.settled.Store(true)
		close(fam.first)
	}
}

// Layer watches the answers of calls in automatic families and asks the
// tenant again (Redetect) when one finds its whole path gone: a 404 or
// 410 that is not about a missing object (see wholePathGone). It reads
// the op.Call each request carries; put it below the cache, so that it
// sees the tenant's answers, not stored ones.
func (c *Chooser) Layer(next http.RoundTripper) http.RoundTripper {
	return &watch{c: c, next: next}
}

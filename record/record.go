// Package record holds what the gateway learns about one inbound request
// while it runs: the upstream calls it made, the answers the cache gave
// it (fresh or stale), the GraphQL operation, the cost it was estimated
// at and a fair-share refusal. Layers deep in the request write to the
// Record in its context; the HTTP layer and the request log read it after
// execution. Facts travel up as values here, never through response
// headers or swapped writers.
package record

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Record is one inbound request's record. Its methods are safe for
// concurrent use by the request's goroutines, and on a nil *Record (which
// records nothing and reads as empty), so that code running outside a
// request (a background refresh, a test) needs no special case.
type Record struct {
	id string

	upstream   atomic.Int32
	cacheHits  atomic.Int32
	cacheStale atomic.Int32
	operation  atomic.Pointer[string]
	result     atomic.Pointer[string]
	cost       atomic.Int32 // estimated upstream calls + 1; 0: none estimated
	refusal    atomic.Int64 // nanoseconds to wait; 0: not refused

	mu    sync.Mutex
	stale []Stale
	label func(context.Context) string
	// What the answer was built from, for the response cache.
	uncacheable bool
	freshUntil  time.Time // the soonest an upstream answer used stops being fresh
	deps        []Dep
}

// Dep is a generation namespace an upstream answer used belonged to: a
// result built from it is valid while the namespace stays at Generation.
type Dep struct {
	Namespace  string
	Generation []byte
}

// New returns a record for a request with the given id.
func New(id string) *Record { return &Record{id: id} }

// ID is the request id ("" on nil).
func (r *Record) ID() string {
	if r == nil {
		return ""
	}
	return r.id
}

// AddUpstream counts one exchange with the tenant (every attempt, retries
// included: each spends the tenant's budget).
func (r *Record) AddUpstream() {
	if r != nil {
		r.upstream.Add(1)
	}
}

// UpstreamCalls is how many exchanges with the tenant the request made.
func (r *Record) UpstreamCalls() int {
	if r == nil {
		return 0
	}
	return int(r.upstream.Load())
}

// CacheHits is how many upstream reads were answered fresh from the cache.
func (r *Record) CacheHits() int {
	if r == nil {
		return 0
	}
	return int(r.cacheHits.Load())
}

// CacheStale is how many upstream reads were answered stale from the cache.
func (r *Record) CacheStale() int {
	if r == nil {
		return 0
	}
	return int(r.cacheStale.Load())
}

// AddCacheHit counts an upstream read answered fresh from the cache.
func (r *Record) AddCacheHit() {
	if r != nil {
		r.cacheHits.Add(1)
	}
}

// Operation is the GraphQL operation name, "" if none was recorded.
func (r *Record) Operation() string {
	if r == nil {
		return ""
	}
	if p := r.operation.Load(); p != nil {
		return *p
	}
	return ""
}

// SetOperation records the GraphQL operation name.
func (r *Record) SetOperation(name string) {
	if r != nil {
		r.operation.Store(&name)
	}
}

// SetResultCache records what the result cache did: "hit" or "miss".
func (r *Record) SetResultCache(status string) {
	if r != nil {
		r.result.Store(&status)
	}
}

// ResultCache is what the result cache did, "" when it was not asked.
func (r *Record) ResultCache() string {
	if r == nil {
		return ""
	}
	if p := r.result.Load(); p != nil {
		return *p
	}
	return ""
}

// SetEstimatedCost records the upstream calls the operation was estimated
// to make before it ran.
func (r *Record) SetEstimatedCost(calls int) {
	if r != nil {
		r.cost.Store(int32(min(max(calls, 0), 1<<30)) + 1)
	}
}

// EstimatedCost returns the recorded estimate.
func (r *Record) EstimatedCost() (calls int, ok bool) {
	if r == nil {
		return 0, false
	}
	n := r.cost.Load()
	return int(n - 1), n > 0
}

// Refuse records that the caller's fair share refuses the request for
// wait: the HTTP layer answers 429 with Retry-After.
func (r *Record) Refuse(wait time.Duration) {
	if r != nil {
		r.refusal.Store(int64(max(wait, time.Nanosecond)))
	}
}

// Refusal returns the recorded refusal's wait.
func (r *Record) Refusal() (wait time.Duration, refused bool) {
	if r == nil {
		return 0, false
	}
	d := time.Duration(r.refusal.Load())
	return d, d > 0
}

// Stale is one upstream answer served stale (past its freshness, while
// the tenant was refusing or failing, or being refreshed).
type Stale struct {
	// Field is what the caller was resolving, e.g. the GraphQL field path
	// "identity.accessItems"; "" when nothing was labelled.
	Field string
	// Operation is the upstream operation, e.g. "listIdentityAccessItems".
	Operation string
	// Resource is what the answer was about, e.g. an identity id.
	Resource string
	// Age is how old the answer was when served.
	Age time.Duration
	// Reason says why: "rate_limited", "unavailable" or "revalidating".
	Reason string
}

// SetLabeler sets how stale serves are labelled with what the caller was
// resolving: label is called with the context of the upstream call, only
// when a stale answer is served (the GraphQL layer reads the field path
// from it).
func (r *Record) SetLabeler(label func(context.Context) string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.label = label
	r.mu.Unlock()
}

// AddStale records a stale serve made for a call with ctx, labelling it.
func (r *Record) AddStale(ctx context.Context, s Stale) {
	if r == nil {
		return
	}
	r.cacheStale.Add(1)
	r.mu.Lock()
	label := r.label
	r.mu.Unlock()
	if label != nil && s.Field == "" {
		s.Field = label(ctx)
	}
	r.mu.Lock()
	r.stale = append(r.stale, s)
	r.mu.Unlock()
}

// StaleServes returns a copy of the stale serves recorded so far, in order.
func (r *Record) StaleServes() []Stale {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Stale(nil), r.stale...)
}

// Used records an upstream answer the request used: fresh until
// freshUntil (zero: not stored, so nothing built from it may be kept),
// in namespace ns at generation gen ("" for none).
func (r *Record) Used(freshUntil time.Time, ns string, gen []byte) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if freshUntil.IsZero() {
		r.uncacheable = true
		return
	}
	if r.freshUntil.IsZero() || freshUntil.Before(r.freshUntil) {
		r.freshUntil = freshUntil
	}
	if ns == "" {
		return
	}
	for _, d := range r.deps {
		if d.Namespace == ns {
			if string(d.Generation) != string(gen) { // changed mid-request
				r.uncacheable = true
			}
			return
		}
	}
	r.deps = append(r.deps, Dep{Namespace: ns, Generation: gen})
}

// Uncacheable records that the answer used something that was not, or
// may not be, kept (an uncached exchange, a stale answer).
func (r *Record) Uncacheable() {
	if r != nil {
		r.mu.Lock()
		r.uncacheable = true
		r.mu.Unlock()
	}
}

// Built says what the request's answer was built from: whether it may be
// kept at all, until when at most (zero: it used no upstream answer), and
// the namespaces it depends on.
func (r *Record) Built() (cacheable bool, freshUntil time.Time, deps []Dep) {
	if r == nil {
		return false, time.Time{}, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.uncacheable, r.freshUntil, append([]Dep(nil), r.deps...)
}

type ctxKey struct{}

// With returns ctx carrying r.
func With(ctx context.Context, r *Record) context.Context {
	return context.WithValue(ctx, ctxKey{}, r)
}

// From returns the record in ctx, or nil.
func From(ctx context.Context) *Record {
	r, _ := ctx.Value(ctxKey{}).(*Record)
	return r
}

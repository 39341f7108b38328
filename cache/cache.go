package cache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/sailgraph/sailgraph/internal/syncctx"
)

// Options configure a Cache. The zero value is usable.
type Options struct {
	// Policy gives each data class its lifetime (default DefaultPolicy()).
	Policy Policy
	// Prefix starts every store key (default "sg:cache:"); it must not
	// contain '{' or '}', which Redis Cluster reads as a hash tag.
	Prefix string
	// CompressAbove deflates values longer than this many bytes (default
	// 1024); negative never compresses.
	CompressAbove int
	// MaxEntryBytes caps an entry's stored size; larger answers are served
	// but not stored (default 1 MiB).
	MaxEntryBytes int
	// FillTimeout bounds one origin call made for the cache, and is how
	// long the lease of a fill lasts and how long other callers wait for
	// it before calling the origin themselves (default 15s).
	FillTimeout time.Duration
	// Observer, if set, receives every counted event.
	Observer Observer
	// Now is the clock that dates entries (default time.Now). Waits for
	// fills use real time whatever it is.
	Now func() time.Time
}

// Cache is the read-through engine over a Store. It is safe for concurrent
// use; Close it to stop and wait for its background refreshes.
type Cache struct {
	store       Store
	policy      Policy
	prefix      string
	maxEntry    int
	fillTimeout time.Duration
	genTTL      time.Duration
	now         func() time.Time
	codec       *codec
	stats       counters

	closing context.Context
	close   context.CancelFunc
	wg      sync.WaitGroup

	mu         sync.Mutex
	closed     bool
	fills      map[string]*fillCall // in-process fills by entry key
	refreshing map[string]struct{}  // in-process revalidations by entry key
}

// New returns a Cache over store.
func New(store Store, opts Options) (*Cache, error) {
	if store == nil {
		return nil, errors.New("cache: no store")
	}
	if opts.Policy == nil {
		opts.Policy = DefaultPolicy()
	}
	if err := opts.Policy.Validate(); err != nil {
		return nil, err
	}
	if opts.Prefix == "" {
		opts.Prefix = "sg:cache:"
	}
	if strings.ContainsAny(opts.Prefix, "{}") {
		return nil, fmt.Errorf("cache: prefix %q contains a hash-tag brace", opts.Prefix)
	}
	if opts.CompressAbove == 0 {
		opts.CompressAbove = 1024
	}
	if opts.MaxEntryBytes <= 0 {
		opts.MaxEntryBytes = 1 << 20
	}
	if opts.FillTimeout <= 0 {
		opts.FillTimeout = 15 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	closing, closeFn := context.WithCancel(context.Background())
	c := &Cache{
		store:       store,
		policy:      opts.Policy,
		prefix:      opts.Prefix,
		maxEntry:    opts.MaxEntryBytes,
		fillTimeout: opts.FillTimeout,
		genTTL:      opts.Policy.longest() + 2*opts.FillTimeout,
		now:         opts.Now,
		codec:       newCodec(opts.CompressAbove),
		stats:       counters{observer: opts.Observer},
		closing:     closing,
		close:       closeFn,
		fills:       map[string]*fillCall{},
		refreshing:  map[string]struct{}{},
	}
	return c, nil
}

// Stats returns a snapshot of the counters. Evictions are the store's own
// count when it keeps one (the in-memory store does).
func (c *Cache) Stats() Stats {
	s := c.stats.snapshot()
	if ev, ok := c.store.(interface{ Evictions() uint64 }); ok {
		s.Evictions += ev.Evictions()
	}
	return s
}

// Close stops background refreshes and fills (their origin calls are
// cancelled) and waits for them to end, or for ctx.
func (c *Cache) Close(ctx context.Context) error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.close()
	return syncctx.Wait(ctx, &c.wg)
}

// Get serves req: a fresh entry at once; a stale entry within its
// revalidation window at once, with one background refresh across all
// replicas; otherwise the origin through load, called once per key across
// replicas while the other callers wait (bounded by their ctx), with a
// stale entry within its grace served instead of a rate-limited or
// unavailable origin. The Result says which it was.
//
// The error is ctx's when the caller gave up, or load's when the origin
// failed and no stale entry could stand in. A failed Redis is never the
// error: the request goes to the origin without the cache.
func (c *Cache) Get(ctx context.Context, req Request, load Loader) (Result, error) {
	if req.Scope == "" {
		return c.direct(ctx, req, load)
	}
	key, gen, err := c.entryKey(ctx, &req)
	if err != nil {
		c.storeFailed(err, req.Operation)
		return c.direct(ctx, req, load)
	}
	if req.Refresh {
		res, err := c.refresh(ctx, key, req, load)
		res.Generation = gen
		return res, err
	}
	e, found, err := c.lookup(ctx, key)
	if err != nil {
		c.storeFailed(err, req.Operation)
		return c.direct(ctx, req, load)
	}
	now := c.now()
	switch {
	case found && now.Before(e.freshUntil):
		c.stats.add(EventHit, req.Operation)
		return Result{Value: e.value, Status: StatusHit, Age: e.age(now), FreshUntil: e.freshUntil, Generation: gen, Key: storedKey(key, e.freshUntil)}, nil
	case found && now.Before(e.revalidateUntil):
		c.revalidate(ctx, key, req, load)
		c.stats.add(EventStaleRevalidate, req.Operation)
		return Result{Value: e.value, Status: StatusStale, Age: e.age(now), Reason: StaleRevalidating}, nil
	}
	c.stats.add(EventMiss, req.Operation)
	out, err := c.fill(ctx, key, req, load)
	if err != nil {
		return Result{}, err
	}
	if out.entry != nil { // another replica filled it while this one waited
		return Result{Value: out.entry.value, Status: StatusHit, Age: out.entry.age(c.now()), FreshUntil: out.entry.freshUntil, Generation: gen, Key: storedKey(key, out.entry.freshUntil)}, nil
	}
	if failure := out.failure(); failure != FailureNone && found {
		if now := c.now(); now.Before(e.staleUntil) {
			c.stats.add(EventStaleOnError, req.Operation)
			return Result{Value: e.value, Status: StatusStale, Age: e.age(now), Reason: failure.reason()}, nil
		}
	}
	if out.err != nil {
		return Result{}, out.err
	}
	return Result{Value: out.fetched.Value, Status: StatusMiss, FreshUntil: out.freshUntil, Generation: gen, Key: storedKey(key, out.freshUntil)}, nil
}

// storedKey is Result.Key: "" for an answer that was not stored.
func storedKey(key string, freshUntil time.Time) string {
	if freshUntil.IsZero() {
		return ""
	}
	return key
}

// refresh calls the origin for key and stores its answer (see
// Request.Refresh).
func (c *Cache) refresh(ctx context.Context, key string, req Request, load Loader) (Result, error) {
	c.stats.add(EventMiss, req.Operation)
	out, err := c.flight(ctx, "refresh\x00"+key, req, load, func(fctx context.Context) fillOutcome {
		return c.load(fctx, key, &req, load, true)
	})
	if err != nil {
		return Result{}, err
	}
	if out.err != nil {
		return Result{}, out.err
	}
	return Result{Value: out.fetched.Value, Status: StatusMiss, FreshUntil: out.freshUntil, Key: storedKey(key, out.freshUntil)}, nil
}

// Invalidate drops the entries of reqs (in their current generation).
func (c *Cache) Invalidate(ctx context.Context, reqs ...Request) error {
	if len(reqs) == 0 {
		return nil
	}
	keys := make([]string, 0, len(reqs))
	for i := range reqs {
		k, _, err := c.entryKey(ctx, &reqs[i])
		if err != nil {
			c.storeFailed(err, reqs[i].Operation)
			return err
		}
		keys = append(keys, k)
	}
	if err := c.store.Delete(ctx, keys...); err != nil {
		c.storeFailed(err, reqs[0].Operation)
		return err
	}
	c.stats.add(EventInvalidation, reqs[0].Operation)
	return nil
}

// Bump starts a new generation of namespace: every entry stored under the
// old one is unreachable from now on, in every scope and replica.
func (c *Cache) Bump(ctx context.Context, namespace string) error {
	if err := c.store.Set(ctx, c.genKey(namespace), newGeneration(), c.genTTL); err != nil {
		c.storeFailed(err, "")
		return err
	}
	c.stats.add(EventInvalidation, "")
	return nil
}

// lookup reads and decodes the entry under key. A corrupt entry is a miss.
func (c *Cache) lookup(ctx context.Context, key string) (entry, bool, error) {
	b, ok, err := c.store.Get(ctx, key)
	if err != nil || !ok {
		return entry{}, false, err
	}
	e, err := c.codec.decode(b)
	if err != nil {
		return entry{}, false, nil
	}
	return e, true, nil
}

// put stores an origin answer under key with its class's lifetime, and
// returns when it stops being fresh (zero when it was not stored).
func (c *Cache) put(ctx context.Context, key string, req *Request, f *Fetched) time.Time {
	life, ok := c.policy[f.Class]
	if !ok || life.Fresh <= 0 {
		return time.Time{}
	}
	now := c.now()
	e := entry{
		storedAt:        now,
		freshUntil:      now.Add(life.Fresh),
		revalidateUntil: now.Add(life.Fresh + life.Revalidate),
		staleUntil:      now.Add(life.Keep()),
		value:           f.Value,
	}
	b, err := c.codec.encode(&e)
	if err != nil || len(b) > c.maxEntry {
		c.stats.add(EventTooLarge, req.Operation)
		return time.Time{}
	}
	if err := c.store.Set(ctx, key, b, life.Keep()); err != nil {
		c.storeFailed(err, req.Operation)
		return time.Time{}
	}
	c.stats.add(EventFill, req.Operation)
	return e.freshUntil
}

// direct calls the origin without the store (the store failed, or req has
// no scope), counting a bypass. Identical reads of one scope in flight at
// once still make one origin call, as they would through the store; a
// read without a scope says nothing of whose answer it is and is never
// shared.
func (c *Cache) direct(ctx context.Context, req Request, load Loader) (Result, error) {
	c.stats.add(EventBypass, req.Operation)
	if req.Scope == "" {
		c.stats.add(EventLoad, req.Operation)
		f, err := callLoader(ctx, load)
		if err != nil {
			return Result{}, err
		}
		return Result{Value: f.Value, Status: StatusBypass}, nil
	}
	key := "bypass\x00" + req.Scope + "\x00" + req.Namespace + "\x00" + req.Key
	out, err := c.flight(ctx, key, req, load, func(fctx context.Context) fillOutcome {
		return c.load(fctx, "", &req, load, false)
	})
	if err != nil {
		return Result{}, err
	}
	if out.err != nil {
		return Result{}, out.err
	}
	return Result{Value: out.fetched.Value, Status: StatusBypass}, nil
}

// storeFailed counts a store error. A resting store's refusal is not a
// new error: the failure that started the rest was counted.
func (c *Cache) storeFailed(err error, operation string) {
	if !errors.Is(err, ErrStoreUnavailable) {
		c.stats.add(EventStoreError, operation)
	}
}

// detach returns a context with ctx's values and its deadline that does
// not end when ctx is cancelled (others may be waiting for the work), only
// at the deadline, when the cache closes, or when cancel is called.
// Keeping the deadline lets the layers below answer at once what cannot
// be done in time (a 429 whose Retry-After outlasts it, a budget wait)
// instead of working on for a caller who will not wait.
func (c *Cache) detach(ctx context.Context) (context.Context, context.CancelFunc) {
	base := context.WithoutCancel(ctx)
	var cancelDeadline context.CancelFunc = func() {}
	if dl, ok := ctx.Deadline(); ok {
		base, cancelDeadline = context.WithDeadline(base, dl)
	}
	dctx, cancel := context.WithCancel(base)
	stop := context.AfterFunc(c.closing, cancel)
	return dctx, func() { stop(); cancel(); cancelDeadline() }
}

// callLoader runs load, turning a panic into an error so that a fill
// shared by many callers cannot take the process down from its goroutine.
func callLoader(ctx context.Context, load Loader) (f Fetched, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = Fetched{Failure: FailureUnavailable}, fmt.Errorf("cache: loader panicked: %v", r)
		}
	}()
	return load(ctx)
}

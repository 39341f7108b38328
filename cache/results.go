package cache

import (
	"context"
	"encoding/binary"
	"errors"
	"time"
)

// Results keeps whole answers built from upstream entries (the GraphQL
// layer's response bytes) in an in-process first level bounded by bytes,
// in front of a shared second level (Redis) when there is one.
//
// A result lives until the soonest of the upstream entries it was built
// from stops being fresh. A result built from entries of generation
// namespaces (task reads, a report run) is served only while each of those
// namespaces is still at the generation it was built at, checked on every
// hit: an invalidation (a task PATCH, a report cancel) on any replica drops
// it everywhere at once, and the first level never serves a dropped one.
type Results struct {
	l1         *Memory
	l2         Store
	cache      *Cache
	defaultTTL time.Duration
	now        func() time.Time
	stats      counters
}

// ResultsOptions configure NewResults.
type ResultsOptions struct {
	// MaxBytes bounds the first level (default 32 MiB).
	MaxBytes int64
	// Shared is the second level, shared by every replica (Redis); nil
	// for none.
	Shared Store
	// DefaultTTL is how long a result built from no upstream answer lives
	// (introspection, the gateway's own fields; default 1m).
	DefaultTTL time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Observer receives hit, miss and fill events, with operation
	// "graphql".
	Observer Observer
}

// Dep is a generation namespace a result depends on, at the generation
// its upstream entries were read in.
type Dep struct {
	Namespace  string
	Generation []byte
}

// NewResults returns result caching over the upstream cache c (whose
// namespaces' generations results depend on).
func NewResults(c *Cache, opts ResultsOptions) *Results {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 32 << 20
	}
	if opts.DefaultTTL <= 0 {
		opts.DefaultTTL = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Results{
		l1:         NewMemory(MemoryOptions{MaxBytes: opts.MaxBytes, Now: opts.Now}),
		l2:         opts.Shared,
		cache:      c,
		defaultTTL: opts.DefaultTTL,
		now:        opts.Now,
		stats:      counters{observer: opts.Observer},
	}
}

const resultsOperation = "graphql"

// Key turns the material that identifies a result (partition, document,
// variables, ...) into a short store key (see keys.go).
func (r *Results) Key(material []byte) string {
	return r.cache.hashedKey(material, "result")
}

// Get returns the result under key, if one is stored and still valid.
func (r *Results) Get(ctx context.Context, key string) ([]byte, bool) {
	if b, ok, _ := r.l1.Get(ctx, key); ok {
		if body, _, ok := r.valid(ctx, b); ok {
			r.stats.add(EventHit, resultsOperation)
			return body, true
		}
		_ = r.l1.Delete(ctx, key)
	}
	if r.l2 != nil {
		if b, ok, err := r.l2.Get(ctx, key); err == nil && ok {
			if body, until, ok := r.valid(ctx, b); ok {
				if ttl := until.Sub(r.now()); ttl > 0 {
					_ = r.l1.Set(ctx, key, b, ttl)
				}
				r.stats.add(EventHit, resultsOperation)
				return body, true
			}
		}
	}
	r.stats.add(EventMiss, resultsOperation)
	return nil, false
}

// Put stores body under key until freshUntil (zero: DefaultTTL from now),
// depending on deps. A result that is already past its life is not kept.
func (r *Results) Put(ctx context.Context, key string, body []byte, freshUntil time.Time, deps []Dep) {
	now := r.now()
	if freshUntil.IsZero() {
		freshUntil = now.Add(r.defaultTTL)
	}
	ttl := freshUntil.Sub(now)
	if ttl <= 0 {
		return
	}
	b := encodeResult(freshUntil, deps, body)
	if err := r.l1.Set(ctx, key, b, ttl); err != nil {
		return
	}
	if r.l2 != nil {
		if err := r.l2.Set(ctx, key, b, ttl); err != nil {
			r.stats.add(EventStoreError, resultsOperation)
		}
	}
	r.stats.add(EventFill, resultsOperation)
}

// valid decodes a stored result and checks its life and its namespaces;
// it returns the body and when the result stops being fresh.
func (r *Results) valid(ctx context.Context, b []byte) ([]byte, time.Time, bool) {
	until, deps, body, err := decodeResult(b)
	if err != nil || !r.now().Before(until) || !r.cache.Current(ctx, deps) {
		return nil, time.Time{}, false
	}
	return body, until, true
}

// A stored result is
//
//	8 bytes   fresh until, Unix nanoseconds, big endian
//	uvarint   number of deps; per dep: uvarint length, namespace, uvarint length, generation
//	...       the body
func encodeResult(until time.Time, deps []Dep, body []byte) []byte {
	size := 8 + binary.MaxVarintLen64 + len(body)
	for _, d := range deps {
		size += 2*binary.MaxVarintLen64 + len(d.Namespace) + len(d.Generation)
	}
	b := make([]byte, 8, size)
	binary.BigEndian.PutUint64(b, uint64(until.UnixNano()))
	b = binary.AppendUvarint(b, uint64(len(deps)))
	for _, d := range deps {
		b = binary.AppendUvarint(b, uint64(len(d.Namespace)))
		b = append(b, d.Namespace...)
		b = binary.AppendUvarint(b, uint64(len(d.Generation)))
		b = append(b, d.Generation...)
	}
	return append(b, body...)
}

var errBadResult = errors.New("cache: corrupt stored result")

func decodeResult(b []byte) (time.Time, []Dep, []byte, error) {
	if len(b) < 9 {
		return time.Time{}, nil, nil, errBadResult
	}
	until := time.Unix(0, int64(binary.BigEndian.Uint64(b)))
	b = b[8:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > 64 {
		return time.Time{}, nil, nil, errBadResult
	}
	b = b[k:]
	var deps []Dep
	for range n {
		var parts [2][]byte
		for i := range parts {
			l, k := binary.Uvarint(b)
			if k <= 0 || l > uint64(len(b)-k) {
				return time.Time{}, nil, nil, errBadResult
			}
			parts[i] = b[k : k+int(l)]
			b = b[k+int(l):]
		}
		deps = append(deps, Dep{Namespace: string(parts[0]), Generation: parts[1]})
	}
	return until, deps, b, nil
}

package cache

import (
	"fmt"
	"sync/atomic"
)

// Event is something the cache counts.
type Event uint8

const (
	// EventHit: a fresh entry was served.
	EventHit Event = iota
	// EventMiss: no usable entry; the answer came from the origin (or from
	// another caller's fill of the same key).
	EventMiss
	// EventStaleRevalidate: a stale entry was served at once while a
	// background refresh ran.
	EventStaleRevalidate
	// EventStaleOnError: a stale entry was served because the origin was
	// rate limited or unavailable.
	EventStaleOnError
	// EventLoad: the origin was called.
	EventLoad
	// EventFill: an answer was written to the store.
	EventFill
	// EventEviction: the in-memory store dropped a live entry for room.
	EventEviction
	// EventStoreError: a store call failed (Redis slow or down); the
	// request went on without it.
	EventStoreError
	// EventBypass: a request went to the origin without the cache, because
	// the store failed or is resting after a failure (or the request had
	// no scope).
	EventBypass
	// EventTooLarge: an answer was over the entry size cap and not stored.
	EventTooLarge
	// EventInvalidation: entries were dropped or a generation bumped
	// because a mutation changed them.
	EventInvalidation
	// EventCoalesced: a caller joined an identical origin call already in
	// flight in this process instead of making its own.
	EventCoalesced

	numEvents
)

var eventNames = [numEvents]string{
	EventHit: "hit", EventMiss: "miss", EventStaleRevalidate: "stale_revalidate",
	EventStaleOnError: "stale_on_error", EventLoad: "load", EventFill: "fill",
	EventEviction: "eviction", EventStoreError: "store_error", EventBypass: "bypass",
	EventTooLarge: "too_large", EventInvalidation: "invalidation", EventCoalesced: "coalesced",
}

// String is the event's metric label value.
func (e Event) String() string {
	if e < numEvents {
		return eventNames[e]
	}
	return fmt.Sprintf("event(%d)", e)
}

// Observer receives every counted event, with the upstream operation it
// concerned ("" for store-wide events such as evictions). It is called
// synchronously on the request path and must be quick (a Prometheus
// counter increment is).
type Observer interface {
	CacheEvent(e Event, operation string)
}

// Stats is a snapshot of the counters.
type Stats struct {
	Hits            uint64
	Misses          uint64
	StaleRevalidate uint64
	StaleOnError    uint64
	Loads           uint64
	Fills           uint64
	Evictions       uint64
	StoreErrors     uint64
	Bypasses        uint64
	TooLarge        uint64
	Invalidations   uint64
	Coalesced       uint64
}

// counters are the engine's event counts, forwarded to an Observer.
type counters struct {
	n        [numEvents]atomic.Uint64
	observer Observer
}

func (c *counters) add(e Event, operation string) {
	c.n[e].Add(1)
	if c.observer != nil {
		c.observer.CacheEvent(e, operation)
	}
}

func (c *counters) snapshot() Stats {
	return Stats{
		Hits:            c.n[EventHit].Load(),
		Misses:          c.n[EventMiss].Load(),
		StaleRevalidate: c.n[EventStaleRevalidate].Load(),
		StaleOnError:    c.n[EventStaleOnError].Load(),
		Loads:           c.n[EventLoad].Load(),
		Fills:           c.n[EventFill].Load(),
		Evictions:       c.n[EventEviction].Load(),
		StoreErrors:     c.n[EventStoreError].Load(),
		Bypasses:        c.n[EventBypass].Load(),
		TooLarge:        c.n[EventTooLarge].Load(),
		Invalidations:   c.n[EventInvalidation].Load(),
		Coalesced:       c.n[EventCoalesced].Load(),
	}
}

package cache

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Request names one cacheable read.
type Request struct {
	// Scope is whose answer this is: the tenant and the principal the
	// upstream call runs under (never a secret). Answers are never shared
	// between scopes; a Request without a Scope bypasses the cache.
	Scope string
	// Key is the canonical request within the scope: API version,
	// operation and parameters, normalised so that equal requests are
	// equal strings.
	Key string
	// Namespace, if set, puts the entry in a generation that Bump drops
	// as a whole (for families of requests with unbounded variants, such
	// as lists). It is not scoped: name the tenant in it.
	Namespace string
	// Operation and Resource describe the answer for counters, e.g.
	// "getTaskStatus" and the task id.
	Operation string
	Resource  string
	// Refresh asks the origin whatever is stored (and stores its answer):
	// the caller may not be answered from the store now. Nothing stale
	// stands in for a failing origin, and in-process callers of the same
	// key still share one origin call.
	Refresh bool
}

// Failure says how an origin call failed, which decides whether a stale
// answer may stand in for it.
type Failure uint8

const (
	// FailureNone: the origin answered (any status it chose).
	FailureNone Failure = iota
	// FailureRateLimited: the origin refused for its rate limit (429), or
	// the call was not made because the budget is spent.
	FailureRateLimited
	// FailureUnavailable: the origin failed (5xx) or could not be reached.
	FailureUnavailable
)

func (f Failure) reason() StaleReason {
	if f == FailureRateLimited {
		return StaleRateLimited
	}
	return StaleUnavailable
}

// Fetched is an origin answer, as a Loader returns it.
type Fetched struct {
	// Value is the answer, encoded by the caller. It is handed back to
	// every caller waiting for it, stored or not, and must not be changed.
	Value []byte
	// Class decides the answer's lifetime; NoStore keeps it out of the
	// store.
	Class Class
	// Failure, when set, keeps the answer out of the store and lets a
	// stale entry within its grace be served instead.
	Failure Failure
}

// Loader calls the origin. ctx carries the caller's values but not its
// cancellation: a fill serves every caller waiting for it, so it is bound
// by the cache's FillTimeout instead. A Loader's error is treated as
// FailureUnavailable unless Fetched.Failure says otherwise.
type Loader func(ctx context.Context) (Fetched, error)

// Status says where a Result came from.
type Status uint8

const (
	// StatusHit: a fresh entry.
	StatusHit Status = iota + 1
	// StatusMiss: the origin, called by this request or one it waited for.
	StatusMiss
	// StatusStale: an entry past its freshness; Result.Reason says why.
	StatusStale
	// StatusBypass: the origin, without the cache (store down, no scope).
	StatusBypass
)

// String names the status (as an X-Cache style header would).
func (s Status) String() string {
	switch s {
	case StatusHit:
		return "hit"
	case StatusMiss:
		return "miss"
	case StatusStale:
		return "stale"
	case StatusBypass:
		return "bypass"
	}
	return fmt.Sprintf("status(%d)", s)
}

// Result is an answer served by Get.
type Result struct {
	// Value is the answer; it may be shared with the store and other
	// callers and must not be changed.
	Value  []byte
	Status Status
	// Age is how old a hit or stale answer is; 0 for origin answers.
	Age time.Duration
	// Reason says why a StatusStale answer was served.
	Reason StaleReason
	// FreshUntil is when the answer stops being fresh in the store: for a
	// hit the entry's, for a miss the stored answer's. Zero when the
	// answer is not stored (bypass, stale, not storable): then nothing
	// built from it may be kept either.
	FreshUntil time.Time
	// Generation is the generation of the request's Namespace the answer
	// belongs to (nil without a Namespace): a result built from it stays
	// valid while Cache.Current still reports it.
	Generation []byte
	// Key is the stored answer's store key, "" when it is not stored.
	// With FreshUntil it names the stored answer itself (Entry): equal
	// names, equal bytes, so what is decoded from them can be kept under
	// them.
	Key string
}

// Entry names the stored answer (Key and FreshUntil), "" when it is not
// stored. It allocates: call it only when the name is needed.
func (r Result) Entry() string {
	if r.Key == "" || r.FreshUntil.IsZero() {
		return ""
	}
	var n [16]byte // an int64 in base 36 takes at most 13
	return r.Key + "@" + string(strconv.AppendInt(n[:0], r.FreshUntil.UnixNano(), 36))
}

package cache

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// StaleReason says why an answer was served stale.
type StaleReason uint8

const (
	// StaleRevalidating: the entry was past its freshness and a refresh
	// was started in the background.
	StaleRevalidating StaleReason = iota + 1
	// StaleRateLimited: the origin refused for its rate limit.
	StaleRateLimited
	// StaleUnavailable: the origin failed or could not be reached.
	StaleUnavailable
)

// String names the reason as a response may show it.
func (r StaleReason) String() string {
	switch r {
	case StaleRevalidating:
		return "revalidating"
	case StaleRateLimited:
		return "rate_limited"
	case StaleUnavailable:
		return "unavailable"
	}
	return fmt.Sprintf("reason(%d)", r)
}

// Note records one answer served stale.
type Note struct {
	// Label is what the caller was resolving (set with WithLabel), e.g.
	// "identity.accessItems"; "" when none was set.
	Label string
	// Operation is the upstream operation, e.g. "listIdentityAccessItems".
	Operation string
	// Resource is what the answer was about, e.g. an identity id.
	Resource string
	// Age is how old the answer was when served.
	Age time.Duration
	// Reason says why it was served stale.
	Reason StaleReason
}

// Notes collects the stale serves of one request. It is safe for
// concurrent use by the request's goroutines.
type Notes struct {
	mu   sync.Mutex
	list []Note
}

// List returns a copy of what has been recorded so far, in order.
func (n *Notes) List() []Note {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Note(nil), n.list...)
}

func (n *Notes) add(note Note) {
	n.mu.Lock()
	n.list = append(n.list, note)
	n.mu.Unlock()
}

type notesKey struct{}

type labelKey struct{}

// WithNotes returns ctx carrying a fresh collector, and the collector. The
// cache records in it every answer it serves stale to calls made with ctx
// or a context derived from it.
func WithNotes(ctx context.Context) (context.Context, *Notes) {
	n := &Notes{}
	return context.WithValue(ctx, notesKey{}, n), n
}

// WithLabel returns ctx naming what calls made with it are for (the
// GraphQL layer passes a field path); stale serves record it.
func WithLabel(ctx context.Context, label string) context.Context {
	return context.WithValue(ctx, labelKey{}, label)
}

// note records a stale serve in ctx's collector, if it has one.
func note(ctx context.Context, req *Request, age time.Duration, why StaleReason) {
	n, ok := ctx.Value(notesKey{}).(*Notes)
	if !ok {
		return
	}
	label, _ := ctx.Value(labelKey{}).(string)
	n.add(Note{Label: label, Operation: req.Operation, Resource: req.Resource, Age: age, Reason: why})
}

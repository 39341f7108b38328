// Package loaders holds the GraphQL layer's per-request data loaders. The
// handler builds a fresh Loaders for every request and puts it in the
// request's context; resolvers read it with For.
//
// Two things live here: a batch loader that gathers the task lookups of one
// request into one upstream list call, and a memo that makes equal upstream
// calls of one request once (an identity page that asks for the same page
// of access items twice, or for two fields of one snapshot, calls the
// tenant once). Nothing is kept across requests: that is the cache's job.
package loaders

import (
	"context"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/sailgraph/sailgraph/graph/model"
)

// Fetch holds the upstream calls the loaders batch. The resolvers provide
// them, so this package knows nothing of the upstream clients.
type Fetch struct {
	// TasksByID returns the tasks with the given ids, by id, in as few
	// upstream calls as it can. An id it has no task for is not found; an
	// error for one id alone goes in a dataloadgen.MappedFetchError.
	TasksByID func(ctx context.Context, ids []string) (map[string]*model.TaskStatus, error)
}

// Options tune the loaders.
type Options struct {
	// BatchWait is how long a batch gathers keys after the first one
	// before it is fetched. Default 10ms: sibling fields start within
	// microseconds of each other, and the wait is small beside an upstream
	// round trip.
	BatchWait time.Duration
	// MaxBatch caps the ids of one batched call, keeping its URL short.
	// Default 100.
	MaxBatch int
}

func (o Options) withDefaults() Options {
	if o.BatchWait <= 0 {
		o.BatchWait = 10 * time.Millisecond
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 100
	}
	return o
}

// Loaders are one request's loaders. Build one per request with New.
type Loaders struct {
	tasks *dataloadgen.Loader[string, *model.TaskStatus]
	memo  memo
}

// New returns a fresh set of loaders over f.
func New(f Fetch, opts Options) *Loaders {
	opts = opts.withDefaults()
	return &Loaders{
		tasks: dataloadgen.NewMappedLoader(f.TasksByID,
			dataloadgen.WithWait(opts.BatchWait),
			dataloadgen.WithBatchCapacity(opts.MaxBatch)),
		memo: memo{calls: map[string]*call{}},
	}
}

type ctxKey struct{}

// With returns ctx carrying l.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// For returns the loaders in ctx. The GraphQL handler installs them for
// every request; a context without them is a wiring bug, so For panics
// (gqlgen turns a resolver panic into an INTERNAL error on that field).
func For(ctx context.Context) *Loaders {
	l, ok := ctx.Value(ctxKey{}).(*Loaders)
	if !ok {
		panic("loaders: no loaders in context; serve GraphQL through graph.NewHandler")
	}
	return l
}

// Task returns the task with id, batched with the other task lookups of
// the request. A task the batch did not return is
// dataloadgen.ErrNotFound unless TasksByID said otherwise.
func (l *Loaders) Task(ctx context.Context, id string) (*model.TaskStatus, error) {
	thunk := l.tasks.LoadThunk(ctx, id)
	type result struct {
		task *model.TaskStatus
		err  error
	}
	// The batch runs on the context of its first key; waiting here on our
	// own context too keeps a cancelled caller from waiting it out.
	done := make(chan result, 1)
	go func() {
		t, err := thunk()
		done <- result{t, err}
	}()
	select {
	case r := <-done:
		return r.task, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

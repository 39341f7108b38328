package loaders

import (
	"context"
	"fmt"
	"sync"
)

// memo makes each distinct call of a request once: the first caller of a
// key makes it, concurrent and later callers share its result, error
// included. Keys are built by the caller (graph/resolvers' callKey),
// without reflection.
type memo struct {
	mu    sync.Mutex
	calls map[string]*call
}

type call struct {
	done chan struct{}
	val  any
	err  error
}

// Once makes the call fn under key at most once for the request whose
// loaders are l, and returns its result to every caller of that key. Make
// key from everything that shapes the upstream request.
func Once[V any](ctx context.Context, l *Loaders, key string, fn func(context.Context) (V, error)) (V, error) {
	v, err := l.memo.do(ctx, key, func(ctx context.Context) (any, error) { return fn(ctx) })
	if err != nil {
		var zero V
		return zero, err
	}
	return v.(V), nil
}

func (m *memo) do(ctx context.Context, key string, fn func(context.Context) (any, error)) (any, error) {
	m.mu.Lock()
	c, shared := m.calls[key]
	if !shared {
		c = &call{done: make(chan struct{})}
		m.calls[key] = c
	}
	m.mu.Unlock()
	if !shared {
		func() {
			defer close(c.done)
			defer func() {
				if p := recover(); p != nil {
					c.err = fmt.Errorf("loaders: call %s panicked: %v", key, p)
				}
			}()
			c.val, c.err = fn(ctx)
		}()
	}
	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

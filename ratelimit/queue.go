package ratelimit

import (
	"sync"
)

// turns lets one waiter per Key and process at a time ask Redis for a
// slot, so a crowd of waiters does not poll Redis in a herd: the others
// queue behind it in memory.
type turns struct {
	mu sync.Mutex
	m  map[Key]*turn
}

type turn struct {
	ch      chan struct{} // holds a value while a waiter has the turn
	waiters int           // guarded by turns.mu; entries with 0 are dropped
}

func newTurns() *turns { return &turns{m: map[Key]*turn{}} }

// join registers a waiter for key and returns its turn and how many
// waiters were already there.
func (ts *turns) join(key Key) (*turn, int) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t, ok := ts.m[key]
	if !ok {
		t = &turn{ch: make(chan struct{}, 1)}
		ts.m[key] = t
	}
	ahead := t.waiters
	t.waiters++
	return t, ahead
}

// leave unregisters a waiter.
func (ts *turns) leave(key Key, t *turn) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t.waiters--
	if t.waiters == 0 {
		delete(ts.m, key)
	}
}

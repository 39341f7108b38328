package jobs

import (
	"context"
	"sync"
	"time"
)

// MemoryStore is a Store for one process: without Redis each replica polls
// its own jobs, one poller per job in the process.
type MemoryStore struct {
	now func() time.Time

	mu        sync.Mutex
	leases    map[string]memLease
	states    map[string]memState
	listeners map[int]func(string, Update)
	nextID    int
	ops       int
}

type memLease struct {
	owner string
	until time.Time
}

type memState struct {
	u     Update
	until time.Time
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		now:       time.Now,
		leases:    map[string]memLease{},
		states:    map[string]memState{},
		listeners: map[int]func(string, Update){},
	}
}

// Acquire implements Store.
func (m *MemoryStore) Acquire(_ context.Context, owner string, keys []string, ttl time.Duration) ([]Lease, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweepLocked(now)
	out := make([]Lease, len(keys))
	for i, k := range keys {
		l, ok := m.leases[k]
		if !ok || !now.Before(l.until) || l.owner == owner {
			m.leases[k] = memLease{owner: owner, until: now.Add(ttl)}
			out[i].Held = true
		}
		if st, ok := m.states[k]; ok && now.Before(st.until) {
			u := st.u
			out[i].Last = &u
		}
	}
	return out, nil
}

// Publish implements Store.
func (m *MemoryStore) Publish(_ context.Context, owner, key string, u Update, keep time.Duration) (int64, bool, error) {
	now := m.now()
	m.mu.Lock()
	if l, ok := m.leases[key]; !ok || l.owner != owner || !now.Before(l.until) {
		m.mu.Unlock()
		return 0, false, nil
	}
	u.Seq = 1
	if st, ok := m.states[key]; ok && now.Before(st.until) {
		u.Seq = st.u.Seq + 1
	}
	m.states[key] = memState{u: u, until: now.Add(keep)}
	fns := make([]func(string, Update), 0, len(m.listeners))
	for _, fn := range m.listeners {
		fns = append(fns, fn)
	}
	m.mu.Unlock()
	for _, fn := range fns {
		fn(key, u)
	}
	return u.Seq, true, nil
}

// Release implements Store.
func (m *MemoryStore) Release(_ context.Context, owner string, keys ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		if l, ok := m.leases[k]; ok && l.owner == owner {
			delete(m.leases, k)
		}
	}
	return nil
}

// Listen implements Store.
func (m *MemoryStore) Listen(fn func(string, Update)) (func(), error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := m.nextID
	m.nextID++
	m.listeners[id] = fn
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		delete(m.listeners, id)
	}, nil
}

// sweepLocked drops expired leases and states every so many calls, so a
// long-running process does not keep every job it ever watched.
func (m *MemoryStore) sweepLocked(now time.Time) {
	m.ops++
	if m.ops%256 != 0 {
		return
	}
	for k, l := range m.leases {
		if !now.Before(l.until) {
			delete(m.leases, k)
		}
	}
	for k, st := range m.states {
		if !now.Before(st.until) {
			delete(m.states, k)
		}
	}
}

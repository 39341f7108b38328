package cache

import (
	"container/list"
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// MemoryOptions configure a Memory store. The zero value is usable.
type MemoryOptions struct {
	// MaxBytes caps the bytes held, keys and values and a fixed overhead
	// per item counted (default 64 MiB).
	MaxBytes int64
	// Observer, if set, is told of each eviction (with the store's lock
	// held: it must be quick and must not call the store).
	Observer Observer
	// Now is the store's clock for expiry (default time.Now).
	Now func() time.Time
}

// itemOverhead approximates the bookkeeping bytes of one item (list
// element, map slot, item struct), so that many tiny items still count.
const itemOverhead = 128

// Memory is a Store in process memory, bounded by size: when full it drops
// the least recently used items (expired ones cost nothing to drop and are
// not counted as evictions).
type Memory struct {
	maxBytes  int64
	observer  Observer
	now       func() time.Time
	evictions atomic.Uint64

	mu    sync.Mutex
	size  int64
	items map[string]*list.Element // of *memItem
	lru   list.List                // front: most recently used
}

type memItem struct {
	key     string
	value   []byte
	expires time.Time
}

func (it *memItem) cost() int64 { return int64(len(it.key)+len(it.value)) + itemOverhead }

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store.
func NewMemory(opts MemoryOptions) *Memory {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 64 << 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Memory{maxBytes: opts.MaxBytes, observer: opts.Observer, now: opts.Now, items: map[string]*list.Element{}}
}

// Get implements Store.
func (m *Memory) Get(_ context.Context, key string) ([]byte, bool, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	el, ok := m.items[key]
	if !ok {
		return nil, false, nil
	}
	it := el.Value.(*memItem)
	if !now.Before(it.expires) {
		m.remove(el)
		return nil, false, nil
	}
	m.lru.MoveToFront(el)
	return it.value, true, nil
}

// Set implements Store.
func (m *Memory) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	it := &memItem{key: key, value: value, expires: m.now().Add(ttl)}
	if it.cost() > m.maxBytes {
		return ErrTooLarge
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.put(it)
	return nil
}

// Add implements Store.
func (m *Memory) Add(_ context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	now := m.now()
	it := &memItem{key: key, value: value, expires: now.Add(ttl)}
	if it.cost() > m.maxBytes {
		return false, ErrTooLarge
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.items[key]; ok && now.Before(el.Value.(*memItem).expires) {
		return false, nil
	}
	m.put(it)
	return true, nil
}

// Delete implements Store.
func (m *Memory) Delete(_ context.Context, keys ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		if el, ok := m.items[k]; ok {
			m.remove(el)
		}
	}
	return nil
}

// Evictions is how many live items have been dropped for room.
func (m *Memory) Evictions() uint64 { return m.evictions.Load() }

// Len is the number of items held, expired ones not yet dropped included.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.items)
}

// put stores it, replacing any item under its key, then drops least
// recently used items until the store fits. m.mu is held.
func (m *Memory) put(it *memItem) {
	if el, ok := m.items[it.key]; ok {
		m.remove(el)
	}
	m.items[it.key] = m.lru.PushFront(it)
	m.size += it.cost()
	now := m.now()
	for m.size > m.maxBytes {
		el := m.lru.Back()
		victim := el.Value.(*memItem)
		m.remove(el)
		if now.Before(victim.expires) {
			m.evictions.Add(1)
			if m.observer != nil {
				m.observer.CacheEvent(EventEviction, "")
			}
		}
	}
}

func (m *Memory) remove(el *list.Element) {
	it := m.lru.Remove(el).(*memItem)
	delete(m.items, it.key)
	m.size -= it.cost()
}

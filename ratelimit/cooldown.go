package ratelimit

import (
	"sync"
	"time"
)

// cooldowns remembers, per key, until when nothing may be sent: this
// process's own view of the upstream 429s it saw or heard of.
type cooldowns struct {
	mu    sync.Mutex
	until map[Key]time.Time
}

func newCooldowns() *cooldowns { return &cooldowns{until: map[Key]time.Time{}} }

// set extends key's cooldown to at least d from now.
func (c *cooldowns) set(key Key, d time.Duration) {
	if d <= 0 {
		return
	}
	end := time.Now().Add(d)
	c.mu.Lock()
	defer c.mu.Unlock()
	if end.After(c.until[key]) {
		c.until[key] = end
	}
	if len(c.until) > 64 {
		c.sweepLocked()
	}
}

// left is how long key's cooldown still lasts (0 when none).
func (c *cooldowns) left(key Key) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	end, ok := c.until[key]
	if !ok {
		return 0
	}
	d := time.Until(end)
	if d <= 0 {
		delete(c.until, key)
		return 0
	}
	return d
}

func (c *cooldowns) sweepLocked() {
	now := time.Now()
	for k, end := range c.until {
		if !end.After(now) {
			delete(c.until, k)
		}
	}
}

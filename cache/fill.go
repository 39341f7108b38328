package cache

import (
	"context"
	"time"
)

// The lease a fill or a refresh holds is stored beside its entry (same
// hash tag). Its value is never read. Waiters poll the entry from firstPoll
// to maxPoll apart.
const (
	leaseSuffix = ":lease"
	leaseMark   = "1"
	firstPoll   = 5 * time.Millisecond
	maxPoll     = 100 * time.Millisecond
)

// fillCall is one in-process fill that every concurrent caller of the same
// key waits for.
type fillCall struct {
	done chan struct{}
	out  fillOutcome
}

// fillOutcome is what a fill brought: the origin's answer (or error), or
// the entry another replica stored while this one waited.
type fillOutcome struct {
	fetched Fetched
	err     error
	entry   *entry
	// freshUntil is when the stored answer stops being fresh; zero when
	// the answer was not stored.
	freshUntil time.Time
}

func (o *fillOutcome) failure() Failure {
	switch {
	case o.fetched.Failure != FailureNone:
		return o.fetched.Failure
	case o.err != nil:
		return FailureUnavailable
	}
	return FailureNone
}

// fill joins or starts the in-process fill of key and waits for it, or for
// ctx. The fill itself runs detached from ctx, so a caller that gives up
// does not fail the others.
func (c *Cache) fill(ctx context.Context, key string, req Request, load Loader) (fillOutcome, error) {
	return c.flight(ctx, key, req, load, func(fctx context.Context) fillOutcome {
		return c.leasedFill(fctx, key, &req, load)
	})
}

// flight joins or starts the in-process origin call under key (run) and
// waits for it, or for ctx. It is the one place identical reads in flight
// at once are made once: whether the store answers (fill) or not
// (direct). run is detached from ctx, so a caller that gives up does not
// fail the others.
func (c *Cache) flight(ctx context.Context, key string, req Request, load Loader, run func(context.Context) fillOutcome) (fillOutcome, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		c.stats.add(EventLoad, req.Operation)
		f, err := callLoader(ctx, load)
		return fillOutcome{fetched: f, err: err}, nil
	}
	call, ok := c.fills[key]
	if ok {
		c.stats.add(EventCoalesced, req.Operation)
	} else {
		call = &fillCall{done: make(chan struct{})}
		c.fills[key] = call
		c.wg.Add(1)
		fctx, cancel := c.detach(ctx)
		go func() {
			defer c.wg.Done()
			defer cancel()
			call.out = run(fctx)
			c.mu.Lock()
			delete(c.fills, key)
			c.mu.Unlock()
			close(call.done)
		}()
	}
	c.mu.Unlock()
	select {
	case <-call.done:
		return call.out, nil
	case <-ctx.Done():
		return fillOutcome{}, ctx.Err()
	}
}

// leasedFill calls the origin for key once across replicas: the replica
// that takes the lease calls it and stores the answer; the others poll the
// store until that answer is there, the lease is gone (the holder could
// not store: they take it in turn), or FillTimeout has passed (the holder
// is stuck: they call the origin themselves). A failing store means
// calling the origin at once.
func (c *Cache) leasedFill(ctx context.Context, key string, req *Request, load Loader) fillOutcome {
	lease := key + leaseSuffix
	giveUp := time.Now().Add(c.fillTimeout)
	wait := firstPoll
	for {
		added, err := c.store.Add(ctx, lease, []byte(leaseMark), c.fillTimeout)
		if err != nil {
			c.storeFailed(err, req.Operation)
			return c.load(ctx, key, req, load, false)
		}
		if added {
			// The previous holder may have stored and released between
			// this caller's last look and its Add.
			if e, ok := c.freshEntry(ctx, key, req); ok {
				c.release(ctx, lease, req)
				return fillOutcome{entry: &e}
			}
			out := c.load(ctx, key, req, load, true)
			c.release(ctx, lease, req)
			return out
		}
		if !time.Now().Before(giveUp) {
			return c.load(ctx, key, req, load, true)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fillOutcome{err: ctx.Err()}
		case <-t.C:
		}
		wait = min(2*wait, maxPoll)
		if e, ok := c.freshEntry(ctx, key, req); ok {
			return fillOutcome{entry: &e}
		}
	}
}

// freshEntry returns key's entry if it is fresh. A store error counts and
// reads as "not fresh": the caller then goes on to the origin.
func (c *Cache) freshEntry(ctx context.Context, key string, req *Request) (entry, bool) {
	e, found, err := c.lookup(ctx, key)
	if err != nil {
		c.storeFailed(err, req.Operation)
		return entry{}, false
	}
	return e, found && c.now().Before(e.freshUntil)
}

// load calls the origin, bounded by FillTimeout, and stores its answer
// when keep is set and the answer is storable.
func (c *Cache) load(ctx context.Context, key string, req *Request, load Loader, keep bool) fillOutcome {
	lctx, cancel := context.WithTimeout(ctx, c.fillTimeout)
	defer cancel()
	c.stats.add(EventLoad, req.Operation)
	f, err := callLoader(lctx, load)
	var freshUntil time.Time
	if err == nil && f.Failure == FailureNone && keep {
		freshUntil = c.put(ctx, key, req, &f)
	}
	return fillOutcome{fetched: f, err: err, freshUntil: freshUntil}
}

// release drops a lease, even when ctx has ended.
func (c *Cache) release(ctx context.Context, lease string, req *Request) {
	if err := c.store.Delete(context.WithoutCancel(ctx), lease); err != nil {
		c.storeFailed(err, req.Operation)
	}
}

// revalidate starts one background refresh of key, unless one is running
// here or (holding the lease) in another replica. The stale entry stays
// if the refresh fails.
func (c *Cache) revalidate(ctx context.Context, key string, req Request, load Loader) {
	c.mu.Lock()
	_, refreshing := c.refreshing[key]
	_, filling := c.fills[key]
	if c.closed || refreshing || filling {
		c.mu.Unlock()
		return
	}
	c.refreshing[key] = struct{}{}
	c.wg.Add(1)
	c.mu.Unlock()
	rctx, cancel := c.detach(ctx)
	go func() {
		defer c.wg.Done()
		defer cancel()
		defer func() {
			c.mu.Lock()
			delete(c.refreshing, key)
			c.mu.Unlock()
		}()
		lease := key + leaseSuffix
		added, err := c.store.Add(rctx, lease, []byte(leaseMark), c.fillTimeout)
		if err != nil {
			c.storeFailed(err, req.Operation)
			return
		}
		if !added {
			return
		}
		if _, fresh := c.freshEntry(rctx, key, &req); !fresh { // another replica may just have refreshed it
			c.load(rctx, key, &req, load, true)
		}
		c.release(rctx, lease, &req)
	}()
}

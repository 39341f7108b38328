package jobs

import (
	"context"
	"sync"
)

// Subscription is one subscriber's view of a job. It holds the newest
// update not yet taken, never a queue: a slow subscriber skips the states
// it had no time for, and still gets the newest one, and the final one.
type Subscription struct {
	hub *Hub
	job *job

	mu        sync.Mutex
	pending   *Update
	taken     bool   // an update was taken
	digest    string // of the last update taken
	finalSeen bool   // the final update was offered

	notify    chan struct{} // holds a value while pending is new
	done      chan struct{} // closed by Close or the Hub's Close
	closeOnce sync.Once     // Close's unsubscribing
	doneOnce  sync.Once     // closing done
}

func newSubscription(h *Hub, j *job) *Subscription {
	return &Subscription{hub: h, job: j, notify: make(chan struct{}, 1), done: make(chan struct{})}
}

// Job is what the subscription watches.
func (s *Subscription) Job() Job { return s.job.spec }

// offer makes u the update Next returns, unless the subscriber has had it
// already (same digest) or has had the final one.
func (s *Subscription) offer(u Update) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finalSeen {
		return
	}
	if !u.Final && s.taken && s.pending == nil && u.Digest == s.digest {
		return
	}
	if !u.Final && s.pending != nil && u.Digest == s.pending.Digest {
		return
	}
	s.pending = &u
	s.finalSeen = u.Final
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// Next waits for the next update: the job's current state first (at once
// when it is known), then each change, the last one Final. It returns
// false when ctx is done, the subscription is closed, or the Hub is.
func (s *Subscription) Next(ctx context.Context) (Update, bool) {
	for {
		s.mu.Lock()
		if u := s.pending; u != nil {
			s.pending = nil
			if u.Final || !s.taken || u.Digest != s.digest {
				s.taken, s.digest = true, u.Digest
				s.mu.Unlock()
				return *u, true
			}
		}
		s.mu.Unlock()
		select {
		case <-s.notify:
		case <-ctx.Done():
			return Update{}, false
		case <-s.done:
			return Update{}, false
		}
	}
}

// Close ends the subscription; the job stops being watched for it.
func (s *Subscription) Close() {
	s.end()
	s.closeOnce.Do(func() { s.hub.unsubscribe(s) })
}

// end makes Next return false. The Hub calls it holding its lock, so it
// must not wait for Close's unsubscribing, which waits for that lock.
func (s *Subscription) end() {
	s.doneOnce.Do(func() { close(s.done) })
}

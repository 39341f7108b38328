package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/sailgraph/sailgraph/apierr"
	"github.com/sailgraph/sailgraph/record"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

// Options configure a Hub.
type Options struct {
	// Store elects the pollers and shares the states: a RedisStore shared
	// by every replica, or (nil) a MemoryStore of this process.
	Store Store
	// Sources poll each kind of job (see Sources).
	Sources map[Kind]Source
	// Owner names this replica in the Store's leases (default: host
	// name, pid and a random suffix).
	Owner string
	// Intervals is how often jobs are polled (default
	// DefaultIntervals()).
	Intervals Intervals
	// LeaseTTL is how long a lease lasts unless renewed (default 3 s):
	// how long a job goes unpolled when its poller's replica dies.
	// Renew is how often leases are renewed and taken (default 1 s,
	// under a third of LeaseTTL): replicas that watch a job try to take
	// its lease that often, and read its state, so an update missed on
	// the channel still arrives within Renew.
	LeaseTTL, Renew time.Duration
	// PollTimeout bounds one poll, waits for the budget included
	// (default 30 s).
	PollTimeout time.Duration
	// KeepFinal is how long a job's final state stays in the Store
	// (default 5 min): a subscriber that comes later gets it without a
	// poll. KeepError is the same for a final error (default 30 s, as
	// long as the cache keeps a 404).
	KeepFinal, KeepError time.Duration
	// Headroom, when set, says how much of the budget p's polls of o
	// spend is free (see ratelimit.Headroomer); ok false when it cannot
	// say.
	Headroom func(ctx context.Context, p principal.Principal, o *op.Operation) (headroom float64, ok bool)
	// Logger gets the Store's failures (once when it stops answering,
	// once when it is back) and, at debug level, each published update.
	// Default slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Store == nil {
		o.Store = NewMemoryStore()
	}
	if o.Owner == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		o.Owner = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	o.Intervals = o.Intervals.withDefaults()
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = 3 * time.Second
	}
	if o.Renew <= 0 || o.Renew > o.LeaseTTL/3 {
		o.Renew = min(time.Second, o.LeaseTTL/3)
	}
	if o.PollTimeout <= 0 {
		o.PollTimeout = 30 * time.Second
	}
	if o.KeepFinal <= 0 {
		o.KeepFinal = 5 * time.Minute
	}
	if o.KeepError <= 0 {
		o.KeepError = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Hub watches jobs for this replica's subscribers. Its methods are safe
// for concurrent use.
//
// For every job with a subscriber here, the Hub tries each Renew to take
// or renew the job's lease and reads its last state (delivering it if the
// channel missed it). While it holds the lease it polls the job (tasks of
// one principal together, in one call) and publishes what changed. When
// the Store does not answer, the Hub polls its jobs itself and delivers
// to its own subscribers, until the Store answers again: a Redis outage
// costs one poller per replica instead of per job, never a stalled
// subscriber.
type Hub struct {
	opts  Options
	store Store
	log   *slog.Logger

	ctx    context.Context // ends with Close; polls run under it
	cancel context.CancelFunc
	wg     sync.WaitGroup
	wake   chan struct{} // asks the lease loop to run now
	stop   func()        // stops listening to the Store

	mu       sync.Mutex
	jobs     map[string]*job
	groups   map[string]*group
	closed   bool
	degraded bool  // the Store did not answer the last Acquire
	leases   int64 // leases taken
}

// job is a watched job. Its fields are guarded by the Hub's mu.
type job struct {
	key  string
	spec Job
	src  Source
	subs map[*Subscription]struct{}

	last  *Update // the newest state known here
	seq   int64   // the highest Store sequence number seen
	held  bool    // this replica polls the job...
	local bool    // ...without a lease, the Store not answering
	group *group
}

func (j *job) final() bool { return j.last != nil && j.last.Final }

// group is the jobs one poller goroutine polls together: one job, or the
// tasks of one principal.
type group struct {
	key     string
	src     Source
	p       principal.Principal
	members map[*job]struct{}
	wake    chan struct{}
	cancel  context.CancelFunc
}

// NewHub starts a Hub; Close stops it.
func NewHub(opts Options) (*Hub, error) {
	opts = opts.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{
		opts: opts, store: opts.Store, log: opts.Logger,
		ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1),
		jobs: map[string]*job{}, groups: map[string]*group{},
	}
	stop, err := h.store.Listen(h.receive)
	if err != nil {
		// Not fatal: the subscription reconnects by itself, and the
		// lease loop reads states meanwhile.
		h.log.Warn("jobs: cannot listen to the store yet; reading states each renewal until it answers", "error", err.Error())
	}
	if stop == nil {
		cancel()
		return nil, err
	}
	h.stop = stop
	h.wg.Add(1)
	go h.leaseLoop()
	return h, nil
}

// Owner is the name of this replica in the Store's leases.
func (h *Hub) Owner() string { return h.opts.Owner }

// Subscribe starts watching j for one subscriber. The subscription's Next
// returns the job's current state at once when this replica knows it,
// else as soon as a poll (here or on the replica holding the lease) has
// found it. Close the subscription when done.
func (h *Hub) Subscribe(j Job) (*Subscription, error) {
	src := h.opts.Sources[j.Kind]
	if src == nil {
		return nil, ErrUnknownKind
	}
	key := j.Key()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	jb := h.jobs[key]
	if jb == nil {
		jb = &job{key: key, spec: j, src: src, subs: map[*Subscription]struct{}{}}
		h.jobs[key] = jb
		h.poke()
	}
	s := newSubscription(h, jb)
	jb.subs[s] = struct{}{}
	if jb.last != nil {
		s.offer(*jb.last)
	}
	return s, nil
}

// Stats is what a Hub is doing.
type Stats struct {
	// Watching is how many jobs have subscribers here; Polling how many
	// of them this replica polls.
	Watching, Polling int
	// Leases counts the leases this replica has taken since it started:
	// a takeover after another replica died is one.
	Leases int64
}

// Stats says what the Hub is doing now.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := Stats{Watching: len(h.jobs), Leases: h.leases}
	for _, jb := range h.jobs {
		if jb.held {
			st.Polling++
		}
	}
	return st
}

// Close ends every subscription (Next returns false), stops polling and
// gives up this replica's leases, so that another replica takes them at
// once rather than when they expire.
func (h *Hub) Close(ctx context.Context) error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	var held []string
	for _, jb := range h.jobs {
		for s := range jb.subs {
			s.end()
		}
		if jb.held && !jb.local {
			held = append(held, jb.key)
		}
	}
	h.jobs = map[string]*job{}
	for _, g := range h.groups {
		g.cancel()
	}
	h.groups = map[string]*group{}
	h.mu.Unlock()
	h.cancel()
	h.stop()
	h.wg.Wait()
	if len(held) == 0 {
		return nil
	}
	return h.store.Release(context.WithoutCancel(ctx), h.opts.Owner, held...)
}

// poke asks the lease loop to run now.
func (h *Hub) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// unsubscribe forgets s; a job left without subscribers stops being
// watched, and its lease is given up.
func (h *Hub) unsubscribe(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	jb := s.job
	delete(jb.subs, s)
	if len(jb.subs) > 0 || h.jobs[jb.key] != jb {
		return
	}
	delete(h.jobs, jb.key)
	h.leaveLocked(jb)
	if jb.held && !jb.local {
		h.releaseAsync(jb.key)
	}
	jb.held = false
}

// releaseAsync gives up a lease without holding up the caller.
func (h *Hub) releaseAsync(keys ...string) {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = h.store.Release(ctx, h.opts.Owner, keys...)
	}()
}

// leaseLoop takes and renews leases each Renew, and at once when a job
// is added.
func (h *Hub) leaseLoop() {
	defer h.wg.Done()
	t := time.NewTicker(h.opts.Renew)
	defer t.Stop()
	for {
		h.renew()
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
		case <-h.wake:
		}
	}
}

// renew asks the Store for the lease and last state of every watched job
// that has not ended.
func (h *Hub) renew() {
	h.mu.Lock()
	var js []*job
	var keys []string
	for _, jb := range h.jobs {
		if !jb.final() {
			js = append(js, jb)
			keys = append(keys, jb.key)
		}
	}
	h.mu.Unlock()
	if len(js) == 0 {
		return
	}
	leases, err := h.store.Acquire(h.ctx, h.opts.Owner, keys, h.opts.LeaseTTL)
	if h.ctx.Err() != nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		if !h.degraded {
			h.degraded = true
			h.log.Warn("jobs: the store is not answering; this replica polls the jobs its subscribers watch itself", "error", err.Error(), "jobs", len(js))
		}
		for _, jb := range js {
			if h.jobs[jb.key] == jb && !jb.held {
				jb.held, jb.local = true, true
				h.joinLocked(jb)
			}
		}
		return
	}
	if h.degraded {
		h.degraded = false
		h.log.Info("jobs: the store answers again; one poller per job across replicas")
	}
	var release []string
	for i, jb := range js {
		l := leases[i]
		if h.jobs[jb.key] != jb { // unsubscribed meanwhile
			if l.Held {
				release = append(release, jb.key)
			}
			continue
		}
		if jb.local {
			// Back on the Store: its view is the baseline again, its
			// sequence numbers the ones that count (what this replica
			// delivered meanwhile carried none). Its last state may be
			// older than what the subscribers here have had: it is not
			// delivered (they would step back), and the next poll
			// publishes the current state to it if that differs.
			jb.local = false
			jb.held = false
			jb.last, jb.seq = l.Last, 0
			if l.Last != nil {
				jb.seq = l.Last.Seq
			}
			h.leaveLocked(jb)
		} else if l.Last != nil {
			h.acceptLocked(jb, *l.Last)
		}
		switch {
		case l.Held && !jb.final():
			if !jb.held {
				jb.held = true
				h.leases++
				h.joinLocked(jb)
			}
		case l.Held: // ended: nothing to poll
			release = append(release, jb.key)
			jb.held = false
			h.leaveLocked(jb)
		case jb.held: // lost the lease (a pause longer than its TTL)
			jb.held = false
			h.leaveLocked(jb)
		}
	}
	if len(release) > 0 {
		h.releaseAsync(release...)
	}
}

// receive handles an update from the Store's channel.
func (h *Hub) receive(key string, u Update) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if jb := h.jobs[key]; jb != nil && !jb.local {
		h.acceptLocked(jb, u)
	}
}

// acceptLocked takes u as jb's state if it is newer than what jb has (or
// ends it), and offers it to jb's subscribers.
func (h *Hub) acceptLocked(jb *job, u Update) {
	if jb.final() {
		return
	}
	if u.Seq <= jb.seq && !u.Final {
		return
	}
	jb.seq = max(jb.seq, u.Seq)
	h.deliverLocked(jb, u)
	if u.Final && jb.held {
		jb.held = false
		h.leaveLocked(jb)
	}
}

func (h *Hub) deliverLocked(jb *job, u Update) {
	jb.last = &u
	for s := range jb.subs {
		s.offer(u)
	}
}

// groupKey: tasks of one principal share a poller; other jobs have their
// own.
func groupKey(jb *job) string {
	if jb.src.Batch() > 1 {
		return jb.spec.Kind.String() + "|" + jb.spec.Principal.Key()
	}
	return jb.key
}

// joinLocked adds jb to its poller, starting the poller if needed, and
// has it poll at once.
func (h *Hub) joinLocked(jb *job) {
	if jb.group != nil {
		return
	}
	gk := groupKey(jb)
	g := h.groups[gk]
	if g == nil {
		ctx, cancel := context.WithCancel(h.ctx)
		g = &group{key: gk, src: jb.src, p: jb.spec.Principal, members: map[*job]struct{}{}, wake: make(chan struct{}, 1), cancel: cancel}
		h.groups[gk] = g
		h.wg.Add(1)
		go h.pollLoop(ctx, g)
	}
	g.members[jb] = struct{}{}
	jb.group = g
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// leaveLocked takes jb from its poller, stopping a poller left idle.
func (h *Hub) leaveLocked(jb *job) {
	g := jb.group
	if g == nil {
		return
	}
	jb.group = nil
	delete(g.members, jb)
	if len(g.members) == 0 {
		g.cancel()
		if h.groups[g.key] == g {
			delete(h.groups, g.key)
		}
	}
}

// pollLoop polls g's jobs at once, then at the intervals Intervals says.
func (h *Hub) pollLoop(ctx context.Context, g *group) {
	defer h.wg.Done()
	iv := h.opts.Intervals
	base := time.Duration(0)
	// Stopped: joinLocked's wake starts the first poll.
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-g.wake:
			// A job joined: poll now, fast again.
			base = 0
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
		}
		h.mu.Lock()
		members := make([]*job, 0, len(g.members))
		for jb := range g.members {
			if jb.held && !jb.final() {
				members = append(members, jb)
			}
		}
		h.mu.Unlock()
		changed, retryAfter := false, time.Duration(0)
		for start := 0; start < len(members); start += g.src.Batch() {
			c, ra := h.poll(ctx, g, members[start:min(start+g.src.Batch(), len(members))])
			changed = changed || c
			retryAfter = max(retryAfter, ra)
		}
		if ctx.Err() != nil {
			return
		}
		base = iv.Next(base, changed)
		headroom := 1.0
		if h.opts.Headroom != nil {
			if hr, ok := h.opts.Headroom(ctx, g.p, g.src.Operation()); ok {
				headroom = hr
			}
		}
		timer.Reset(max(iv.Wait(base, headroom), retryAfter))
	}
}

// poll polls jobs once and publishes what changed. It reports whether
// anything did, and how long the budget asked to wait when it refused.
func (h *Hub) poll(ctx context.Context, g *group, jobs []*job) (changed bool, retryAfter time.Duration) {
	specs := make([]Job, len(jobs))
	for i, jb := range jobs {
		specs[i] = jb.spec
	}
	pctx, cancel := context.WithTimeout(principal.With(ctx, g.p), h.opts.PollTimeout)
	defer cancel()
	// A record of its own: the calls a poll makes are charged to no
	// caller, and the tenant sees them under one request id.
	pctx = record.With(pctx, record.New("poll-"+jobs[0].key))
	results := g.src.Poll(pctx, specs)
	for i, res := range results {
		if i >= len(jobs) || ctx.Err() != nil {
			break
		}
		u, ok := h.updateOf(res)
		if !ok {
			if d, ok := isc.RetryAfter(res.Err); ok {
				retryAfter = max(retryAfter, d)
			}
			h.log.Debug("jobs: poll failed; trying again", "job", jobs[i].spec.String(), "error", res.Err.Error())
			continue
		}
		// Published whatever happens to the poller meanwhile (its job
		// may end by the very update it publishes), within the store's
		// own timeout.
		if h.publish(context.WithoutCancel(ctx), jobs[i], u) {
			changed = true
		}
	}
	return changed, retryAfter
}

// updateOf turns a poll's result into an update; ok is false for a
// failure worth trying again.
func (h *Hub) updateOf(res Result) (Update, bool) {
	u := Update{At: time.Now().UTC()}
	if res.Err != nil {
		c := apierr.Classify(res.Err)
		switch c.Code {
		case apierr.NotFound, apierr.BadUserInput, apierr.Unauthenticated, apierr.Forbidden:
		default:
			return Update{}, false
		}
		u.Err = &Error{Code: c.Code, Message: c.Message}
		u.Final = true
		u.Digest = "error:" + string(c.Code)
		return u, true
	}
	b, err := json.Marshal(res.State)
	if err != nil {
		h.log.Error("jobs: cannot encode a state", "error", err.Error())
		return Update{}, false
	}
	u.State, u.Final, u.Digest = b, res.Final, res.Digest
	if u.Digest == "" {
		u.Digest = digestBytes(b)
	}
	return u, true
}

// publish sends u as jb's new state, unless jb's last state has the same
// digest. It reports whether it was sent.
func (h *Hub) publish(ctx context.Context, jb *job, u Update) bool {
	h.mu.Lock()
	if h.jobs[jb.key] != jb || !jb.held || jb.final() ||
		(jb.last != nil && jb.last.Digest == u.Digest && jb.last.Final == u.Final) {
		h.mu.Unlock()
		return false
	}
	local := jb.local
	if local {
		h.deliverLocked(jb, u)
		if u.Final {
			jb.held = false
			h.leaveLocked(jb)
		}
	}
	h.mu.Unlock()
	if local {
		return true
	}
	keep := keepRunning(h.opts.LeaseTTL)
	switch {
	case u.Err != nil:
		keep = h.opts.KeepError
	case u.Final:
		keep = h.opts.KeepFinal
	}
	seq, held, err := h.store.Publish(ctx, h.opts.Owner, jb.key, u, keep)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.jobs[jb.key] != jb {
		if held {
			h.releaseAsync(jb.key)
		}
		return false
	}
	switch {
	case err != nil:
		if ctx.Err() != nil {
			return false
		}
		// The Store stopped answering between two renewals: deliver here,
		// and poll on without a lease until it answers again.
		if !h.degraded {
			h.degraded = true
			h.log.Warn("jobs: the store is not answering; this replica polls the jobs its subscribers watch itself", "error", err.Error())
		}
		jb.local = true
		h.deliverLocked(jb, u)
	case !held:
		jb.held = false
		h.leaveLocked(jb)
		return false
	default:
		u.Seq = seq
		h.acceptLocked(jb, u)
		h.log.Debug("jobs: published", "job", jb.spec.String(), "seq", seq, "final", u.Final)
	}
	if u.Final {
		jb.held = false
		h.leaveLocked(jb)
		if err == nil {
			h.releaseAsync(jb.key)
		}
	}
	return true
}

package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
	"github.com/sailgraph/sailgraph/internal/gqlstream"
	"github.com/sailgraph/sailgraph/internal/waittest"
	"github.com/sailgraph/sailgraph/simtenant"
)

// The subscriptions run on whole gateways (three replicas on one real
// Redis in front of one simulated tenant) with real clients: 150
// graphql-transport-ws connections and 150 Server-Sent Events streams per
// job, spread over the replicas.

const (
	perTransport = 150
	reportQuery  = `subscription($id: ID!) { reportProgress(taskResultId: $id) { id status durationMs downloadUrl(format: CSV) } }`
	taskQuery    = `subscription($id: ID!) { taskStatusChanged(id: $id) { id completionStatus percentComplete } }`
	exportQuery  = `subscription($s: ID!, $r: ID!, $e: ID!) { roleMiningExportProgress(sessionId: $s, potentialRoleId: $r, exportId: $e) { exportId status downloadUrl } }`
)

// subscriber is one client's subscription, read to its end in the
// background.
type subscriber struct {
	replica   int
	transport string
	events    []json.RawMessage // each event's field value
	errors    []gqlstream.Error
	complete  bool
	err       error
	first     chan struct{} // closed at the first event
	done      chan struct{}
}

// open starts n subscribers on each transport, round robin over gws, and
// reads each in its own goroutine until it ends.
func open(t *testing.T, ctx context.Context, gws []*gatewaytest.Gateway, n int, query string, vars map[string]any) []*subscriber {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	t.Cleanup(client.CloseIdleConnections)
	var subs []*subscriber
	var wg sync.WaitGroup
	dialErr := make(chan error, 2*n)
	sem := make(chan struct{}, 32) // dial a few dozen at a time
	for i := range 2 * n {
		s := &subscriber{replica: i % len(gws), transport: []string{"ws", "sse"}[i%2], first: make(chan struct{}), done: make(chan struct{})}
		subs = append(subs, s)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			url := gws[s.replica].URL + "/graphql"
			var next func() (gqlstream.Event, error)
			if s.transport == "ws" {
				ws, err := gqlstream.DialWS(ctx, url, nil, nil)
				if err != nil {
					<-sem
					dialErr <- err
					close(s.done)
					return
				}
				t.Cleanup(ws.Close)
				sub, err := ws.Subscribe(ctx, query, vars)
				<-sem
				if err != nil {
					dialErr <- err
					close(s.done)
					return
				}
				next = func() (gqlstream.Event, error) { return sub.Next(ctx) }
			} else {
				sse, err := gqlstream.DialSSE(ctx, client, url, nil, query, vars)
				<-sem
				if err != nil {
					dialErr <- err
					close(s.done)
					return
				}
				t.Cleanup(sse.Close)
				next = sse.Next
			}
			go s.read(next)
		}()
	}
	wg.Wait()
	close(dialErr)
	for err := range dialErr {
		t.Fatalf("opening a subscription: %v", err)
	}
	return subs
}

func (s *subscriber) read(next func() (gqlstream.Event, error)) {
	defer close(s.done)
	firstOnce := sync.OnceFunc(func() { close(s.first) })
	defer firstOnce()
	for {
		ev, err := next()
		if err != nil {
			s.err = err
			return
		}
		if ev.Result != nil {
			s.errors = append(s.errors, ev.Result.Errors...)
			var data map[string]json.RawMessage
			if len(ev.Result.Data) > 0 && string(ev.Result.Data) != "null" {
				_ = json.Unmarshal(ev.Result.Data, &data)
			}
			for _, v := range data {
				s.events = append(s.events, v)
			}
			firstOnce()
		}
		s.errors = append(s.errors, ev.Errors...)
		if ev.Complete {
			s.complete = true
			return
		}
	}
}

// waitAll waits for ch of every subscriber, or fails the test.
func waitAll(t *testing.T, subs []*subscriber, what string, ch func(*subscriber) chan struct{}, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for i, s := range subs {
		select {
		case <-ch(s):
		case <-deadline:
			t.Fatalf("subscriber %d (%s on replica %d) never %s", i, s.transport, s.replica, what)
		}
	}
}

func statusCalls(tn *simtenant.Tenant, op string) int {
	n := 0
	for _, c := range tn.Stats().Requests[op] {
		n += c
	}
	return n
}

// field decodes one event.
func decodeField[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("event %s: %v", raw, err)
	}
	return v
}

// poller is the index of the replica polling (the one lease of) the job.
func poller(t *testing.T, gws []*gatewaytest.Gateway, skip int) int {
	t.Helper()
	found := -1
	waittest.Until(t, "one replica to poll the job", func() bool {
		found = -1
		for i, g := range gws {
			if g.GW.Jobs().Polling == 1 && i != skip {
				if found >= 0 {
					t.Fatalf("replicas %d and %d both poll the job", found, i)
				}
				found = i
			}
		}
		return found >= 0
	})
	return found
}

// killAndTime ends replica killed as a crash would, as far as the others
// can tell: its Redis connection goes first (it can neither renew nor
// hand over its leases), then, in the background, the gateway and its
// connections. It returns how long after the Redis connection went
// another replica held the job's lease.
func killAndTime(t *testing.T, gws []*gatewaytest.Gateway, killed int) time.Duration {
	t.Helper()
	// A takeover counts a lease on the replica that took it, however
	// soon the job ends after.
	before := make([]int64, len(gws))
	for i, o := range gws {
		before[i] = o.GW.Jobs().Leases
	}
	g := gws[killed]
	_ = g.Client.Close()
	start := time.Now()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = g.GW.Close(ctx)
	}()
	t.Cleanup(func() { <-closed })
	var took time.Duration
	waittest.Until(t, "another replica to take the lease", func() bool {
		for i, o := range gws {
			if i != killed && o.GW.Jobs().Leases > before[i] {
				took = time.Since(start)
				return true
			}
		}
		return false
	})
	return took
}

// scenario is one job watched by 2×perTransport subscribers on three
// replicas, optionally with the polling replica killed while it runs.
type scenario struct {
	name      string
	tenant    simtenant.Options
	op        string // the status operation the tenant counts
	query     string
	start     func(t *testing.T, g *gatewaytest.Gateway) map[string]any
	finish    func(t *testing.T, g *gatewaytest.Gateway, vars map[string]any) // ends the job; nil: it ends by itself
	duration  time.Duration                                                   // for jobs that end by themselves
	final     func(t *testing.T, raw json.RawMessage) bool                    // checks an event; true when final
	maxEvents int
}

func reportScenario(d time.Duration) scenario {
	return scenario{
		name: "report", tenant: simtenant.Options{ReportDuration: d}, op: "getReportResult", query: reportQuery,
		duration: d, maxEvents: 2,
		start: func(t *testing.T, g *gatewaytest.Gateway) map[string]any {
			r := g.Query(`mutation { startReport(input: {reportType: IDENTITIES}) { id } }`, nil)
			if len(r.Errors) > 0 {
				t.Fatal(r.Errors)
			}
			return map[string]any{"id": decodeField[struct{ StartReport struct{ ID string } }](t, r.Data).StartReport.ID}
		},
		final: func(t *testing.T, raw json.RawMessage) bool {
			rep := decodeField[struct {
				Status      *string
				DownloadURL *string `json:"downloadUrl"`
			}](t, raw)
			if rep.Status == nil {
				if rep.DownloadURL != nil {
					t.Fatalf("a running report with a download URL: %s", raw)
				}
				return false
			}
			if *rep.Status != "SUCCESS" || rep.DownloadURL == nil || *rep.DownloadURL == "" {
				t.Fatalf("final report %s, want SUCCESS with its download URL", raw)
			}
			return true
		},
	}
}

func taskScenario() scenario {
	return scenario{
		name: "task", op: "getTaskStatusList", query: taskQuery, maxEvents: 2,
		start: func(t *testing.T, g *gatewaytest.Gateway) map[string]any {
			r := g.Query(`{ pendingTasks(first: 1) { nodes { id } } }`, nil)
			nodes := decodeField[struct {
				PendingTasks struct{ Nodes []struct{ ID string } }
			}](t, r.Data).PendingTasks.Nodes
			if len(r.Errors) > 0 || len(nodes) != 1 {
				t.Fatalf("a pending task: %+v %+v", nodes, r.Errors)
			}
			return map[string]any{"id": nodes[0].ID}
		},
		finish: func(t *testing.T, g *gatewaytest.Gateway, vars map[string]any) {
			r := g.Query(`mutation($id: ID!) { updateTaskStatus(id: $id, operations: [{op: REPLACE, path: "/completionStatus", value: "Success"}]) { completionStatus } }`, vars)
			if len(r.Errors) > 0 {
				t.Fatal(r.Errors)
			}
		},
		final: func(t *testing.T, raw json.RawMessage) bool {
			ts := decodeField[struct{ CompletionStatus *string }](t, raw)
			if ts.CompletionStatus != nil && *ts.CompletionStatus != "SUCCESS" {
				t.Fatalf("final task %s, want SUCCESS", raw)
			}
			return ts.CompletionStatus != nil
		},
	}
}

func exportScenario(step time.Duration) scenario {
	return scenario{
		name: "export", tenant: simtenant.Options{ExportStep: step}, op: "exportRoleMiningPotentialRoleStatus", query: exportQuery,
		duration: 2 * step, maxEvents: 3,
		start: func(t *testing.T, g *gatewaytest.Gateway) map[string]any {
			s, r := "8c190e67-87aa-4ed9-a90b-d9d5344523fb", "e0cc5d7d-bf7f-4f81-b2af-8885b09d9923"
			resp := g.Query(`mutation($s: ID!, $r: ID!) { exportPotentialRole(sessionId: $s, potentialRoleId: $r) { exportId } }`, map[string]any{"s": s, "r": r})
			if len(resp.Errors) > 0 {
				t.Fatal(resp.Errors)
			}
			return map[string]any{"s": s, "r": r, "e": decodeField[struct{ ExportPotentialRole struct{ ExportID string } }](t, resp.Data).ExportPotentialRole.ExportID}
		},
		final: func(t *testing.T, raw json.RawMessage) bool {
			e := decodeField[struct {
				Status      string
				DownloadURL *string `json:"downloadUrl"`
			}](t, raw)
			switch e.Status {
			case "QUEUED", "IN_PROGRESS":
				return false
			case "SUCCESS":
				if e.DownloadURL == nil {
					t.Fatalf("a finished export without a download URL: %s", raw)
				}
				return true
			}
			t.Fatalf("export %s", raw)
			return false
		},
	}
}

// run plays sc on three replicas on one Redis, and, with killPoller, kills
// the replica polling the job while it runs.
func (sc scenario) run(t *testing.T, killPoller bool) {
	topts := sc.tenant
	gws := replicas(t, 3, gatewaytest.Options{Tenant: topts})
	tn := gws[0].Tenant
	vars := sc.start(t, gws[0])
	tn.ResetStats()
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	subs := open(t, ctx, gws, perTransport, sc.query, vars)
	waitAll(t, subs, "got the current state", func(s *subscriber) chan struct{} { return s.first }, 30*time.Second)
	t.Logf("%s: %d subscribers have the current state %v after the job started", sc.name, len(subs), time.Since(began).Round(time.Millisecond))
	killed := -1
	if killPoller {
		killed = poller(t, gws, -1)
		at := time.Since(began)
		failover := killAndTime(t, gws, killed)
		t.Logf("%s: replica %d (the poller) killed %v after the start; another replica took its lease %v later (lease TTL 3s)",
			sc.name, killed, at.Round(time.Millisecond), failover.Round(time.Millisecond))
		if failover > 6*time.Second {
			t.Errorf("failover took %v, want a few seconds", failover)
		}
	}
	if sc.finish != nil {
		// Let the job run through a few polls first.
		waittest.Until(t, "polls of the running job", func() bool { return statusCalls(tn, sc.op) >= 2 })
		sc.finish(t, gws[(killed+1)%3], vars)
	}
	survivors := subs[:0:0]
	for _, s := range subs {
		if s.replica != killed {
			survivors = append(survivors, s)
		}
	}
	waitAll(t, survivors, "completed", func(s *subscriber) chan struct{} { return s.done }, 60*time.Second)
	elapsed := time.Since(began)
	for i, s := range survivors {
		if s.err != nil || !s.complete || len(s.errors) > 0 || len(s.events) == 0 {
			t.Fatalf("subscriber %d (%s on %d): complete %v, %d events, errors %v, err %v", i, s.transport, s.replica, s.complete, len(s.events), s.errors, s.err)
		}
		if len(s.events) > sc.maxEvents {
			t.Fatalf("subscriber %d got %d events, more than the job's %d states: %s", i, len(s.events), sc.maxEvents, s.events)
		}
		for j, ev := range s.events {
			if final := sc.final(t, ev); final != (j == len(s.events)-1) {
				t.Fatalf("subscriber %d: event %d of %d final=%v: %s", i, j, len(s.events), final, ev)
			}
		}
	}
	// The tenant saw at most (duration ÷ first interval + 3) status calls
	// for the job: for a job that ends by itself, its own duration; for
	// a task, the time until it was finished.
	d := sc.duration
	if d == 0 {
		d = elapsed
	}
	calls, bound := statusCalls(tn, sc.op), int(d/time.Second)+3
	t.Logf("%s: %d subscribers completed after %v; the tenant saw %d %s calls (bound %d, job duration %v)",
		sc.name, len(survivors), elapsed.Round(time.Millisecond), calls, sc.op, bound, d)
	if calls > bound {
		t.Errorf("%d %s calls, over the bound of %d", calls, sc.op, bound)
	}
}

// TestSubscriptionsAcrossReplicas: 300 subscribers (WebSocket and SSE) to
// one running job, spread over three replicas; every one gets the job's
// final state, from one poller, whose calls stay within the bound.
func TestSubscriptionsAcrossReplicas(t *testing.T) {
	t.Parallel() // the jobs' durations are waits, not work
	for _, sc := range []scenario{reportScenario(4 * time.Second), taskScenario(), exportScenario(1500 * time.Millisecond)} {
		t.Run(sc.name, func(t *testing.T) { t.Parallel(); sc.run(t, false) })
	}
}

// TestSubscriptionsSurviveTheirPoller kills the polling replica mid-job:
// another replica takes the lease within seconds and every subscriber on
// the other replicas still completes.
func TestSubscriptionsSurviveTheirPoller(t *testing.T) {
	t.Parallel()
	for _, sc := range []scenario{reportScenario(6 * time.Second), taskScenario(), exportScenario(3 * time.Second)} {
		t.Run(sc.name, func(t *testing.T) { t.Parallel(); sc.run(t, true) })
	}
}

package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/sailgraph/sailgraph/access"
	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
	"github.com/sailgraph/sailgraph/graph"
	"github.com/sailgraph/sailgraph/internal/gqlstream"
	"github.com/sailgraph/sailgraph/internal/waittest"
	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/simtenant"
)

const pendingQuery = `subscription { pendingTaskCount }`

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// firstEvent opens a subscription on a WebSocket and returns its first
// event.
func firstEvent(t *testing.T, ws *gqlstream.WS, query string, vars map[string]any) gqlstream.Event {
	t.Helper()
	ctx := testCtx(t)
	sub, err := ws.Subscribe(ctx, query, vars)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := sub.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// code is the first error code of an event, "" when it has none.
func code(ev gqlstream.Event) string {
	errs := ev.Errors
	if ev.Result != nil {
		errs = append(errs, ev.Result.Errors...)
	}
	if len(errs) == 0 {
		return ""
	}
	return errs[0].Code()
}

// dialWS opens a WebSocket to u without a key, closed when the test ends.
func dialWS(t *testing.T, ctx context.Context, u string) *gqlstream.WS {
	t.Helper()
	ws, err := gqlstream.DialWS(ctx, u, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ws.Close)
	return ws
}

func closeCode(t *testing.T, err error) websocket.StatusCode {
	t.Helper()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		t.Fatalf("%v, want a close frame", err)
	}
	return ce.Code
}

// TestSubscriptionAuthentication: with API keys, a WebSocket brings its key
// with the upgrade or in connection_init; without a valid one it is closed
// with 4403; scopes guard subscriptions as they guard the query fields;
// SSE takes the key in a header. Nothing else is let through without a
// key.
func TestSubscriptionAuthentication(t *testing.T) {
	tasksKey, reportsKey := access.GenerateKey(), access.GenerateKey()
	var keys string
	for _, k := range []struct{ name, key, scope string }{{"tasks", tasksKey, "idn:task-management:read"}, {"reports", reportsKey, "sp:report:read"}} {
		line, err := access.EntryFor(k.name, k.key, k.scope)
		if err != nil {
			t.Fatal(err)
		}
		keys += string(line) + "\n"
	}
	g := gatewaytest.New(t, gatewaytest.Options{Keys: keys})
	u := g.URL + "/graphql"
	ctx := testCtx(t)
	count := func(t *testing.T, ev gqlstream.Event) {
		t.Helper()
		if ev.Result == nil || len(ev.Result.Errors) > 0 || !strings.Contains(string(ev.Result.Data), `"pendingTaskCount":`) {
			t.Fatalf("%+v, want the count", ev)
		}
	}
	t.Run("websocket key in the upgrade", func(t *testing.T) {
		ws, err := gqlstream.DialWS(ctx, u, http.Header{"Authorization": {"Bearer " + tasksKey}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		count(t, firstEvent(t, ws, pendingQuery, nil))
	})
	for name, payload := range map[string]map[string]any{
		"authorization": {"Authorization": "Bearer " + tasksKey},
		"x-api-key":     {"x-api-key": tasksKey},
	} {
		t.Run("websocket key in connection_init "+name, func(t *testing.T) {
			ws, err := gqlstream.DialWS(ctx, u, nil, payload)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			count(t, firstEvent(t, ws, pendingQuery, nil))
			if ev := firstEvent(t, ws, reportQuery, map[string]any{"id": "x"}); code(ev) != "FORBIDDEN" {
				t.Fatalf("a report without its scope: %+v", ev)
			}
		})
	}
	for name, payload := range map[string]map[string]any{
		"no key":    nil,
		"wrong key": {"Authorization": "Bearer " + access.GenerateKey()},
	} {
		t.Run("websocket refused: "+name, func(t *testing.T) {
			_, err := gqlstream.DialWS(ctx, u, nil, payload)
			if c := closeCode(t, err); c != 4403 {
				t.Fatalf("closed with %d, want 4403", c)
			}
		})
	}
	t.Run("websocket with a wrong key in the upgrade", func(t *testing.T) {
		_, err := gqlstream.DialWS(ctx, u, http.Header{"X-API-Key": {access.GenerateKey()}}, map[string]any{"X-API-Key": tasksKey})
		if err == nil || !strings.Contains(err.Error(), "401") {
			t.Fatalf("%v, want the upgrade refused with 401", err)
		}
	})
	t.Run("sse", func(t *testing.T) {
		client := &http.Client{}
		if _, err := gqlstream.DialSSE(ctx, client, u, nil, pendingQuery, nil); err == nil || !strings.Contains(err.Error(), "401") {
			t.Fatalf("no key: %v, want 401", err)
		}
		s, err := gqlstream.DialSSE(ctx, client, u, http.Header{"X-API-Key": {reportsKey}}, pendingQuery, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if ev, err := s.Next(); err != nil || code(ev) != "FORBIDDEN" {
			t.Fatalf("pending count with a reports key: %+v %v", ev, err)
		}
		s2, err := gqlstream.DialSSE(ctx, client, u, http.Header{"X-API-Key": {tasksKey}}, pendingQuery, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		ev, err := s2.Next()
		if err != nil {
			t.Fatal(err)
		}
		count(t, ev)
	})
	t.Run("nothing else without a key", func(t *testing.T) {
		upgrade := http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}, "Sec-Websocket-Version": {"13"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}}
		for _, path := range []string{"/beta/task-status/pending-tasks", "/download/reports/x?format=csv"} {
			req, _ := http.NewRequest(http.MethodGet, g.URL+path, nil)
			req.Header = upgrade.Clone()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("%s with upgrade headers and no key: %d, want 401", path, resp.StatusCode)
			}
		}
		resp, err := http.Get(g.URL + "/graphql?query=" + url.QueryEscape("{ pendingTaskCount }"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("GET /graphql without a key: %d", resp.StatusCode)
		}
	})
}

// TestSubscriptionLimit: each caller may have MaxSubscriptionsPerKey open,
// counted across replicas; one that ends (stopped, or its connection
// closed) no longer counts.
func TestSubscriptionLimit(t *testing.T) {
	gws := replicas(t, 2, gatewaytest.Options{Config: func(c *config.Config) { c.MaxSubscriptionsPerKey = 2 }})
	a, b := gws[0].URL+"/graphql", gws[1].URL+"/graphql"
	ctx := testCtx(t)
	wsA := dialWS(t, ctx, a)
	var subs []*gqlstream.Sub
	for range 2 {
		sub, err := wsA.Subscribe(ctx, pendingQuery, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ev, err := sub.Next(ctx); err != nil || code(ev) != "" {
			t.Fatalf("%+v %v", ev, err)
		}
		subs = append(subs, sub)
	}
	client := &http.Client{}
	third, err := gqlstream.DialSSE(ctx, client, b, nil, pendingQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := third.Next()
	third.Close()
	if err != nil || code(ev) != access.CodeSubscriptionLimit {
		t.Fatalf("a third subscription on another replica: %+v %v, want %s", ev, err, access.CodeSubscriptionLimit)
	}
	// The client stops one: a subscription is free again.
	if err := subs[0].Stop(ctx); err != nil {
		t.Fatal(err)
	}
	waittest.Until(t, "a stopped subscription to be released", func() bool {
		s, err := gqlstream.DialSSE(ctx, client, b, nil, pendingQuery, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		ev, err := s.Next()
		return err == nil && code(ev) == ""
	})
	// A closed connection releases its subscriptions too.
	wsA.Close()
	wsB := dialWS(t, ctx, b)
	waittest.Until(t, "a closed connection's subscription to be released", func() bool {
		sub, err := wsB.Subscribe(ctx, pendingQuery, nil)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := sub.Next(ctx)
		return err == nil && code(ev) == ""
	})
}

// TestSubscriptionFairShare: opening a subscription is admitted by the
// caller's allowance like a query; its events cost nothing.
func TestSubscriptionFairShare(t *testing.T) {
	g := gatewaytest.New(t, gatewaytest.Options{Config: func(c *config.Config) { c.KeyCost = ratelimit.Rate{N: 2, Per: time.Hour} }})
	ctx := testCtx(t)
	ws := dialWS(t, ctx, g.URL+"/graphql")
	if ev := firstEvent(t, ws, pendingQuery, nil); code(ev) != "" {
		t.Fatalf("first subscription: %+v", ev)
	}
	// Spend the allowance with queries that reach the tenant (each asks
	// for another page size, so no cache answers it).
	spent := false
	for n := 1; n <= 5 && !spent; n++ {
		spent = g.Query(`query($n: Int) { tasks(first: $n) { nodes { id } } }`, map[string]any{"n": n}).Status == http.StatusTooManyRequests
	}
	if !spent {
		t.Fatal("the allowance is not spent")
	}
	if ev := firstEvent(t, ws, pendingQuery, nil); code(ev) != "RATE_LIMITED" {
		t.Fatalf("a subscription with the allowance spent: %+v, want RATE_LIMITED", ev)
	}
	s, err := gqlstream.DialSSE(ctx, &http.Client{}, g.URL+"/graphql", nil, pendingQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if ev, err := s.Next(); err != nil || code(ev) != "RATE_LIMITED" {
		t.Fatalf("SSE with the allowance spent: %+v %v", ev, err)
	}
}

// TestSubscriptionsNeedAStream: a subscription over plain GET or POST is a
// 400 with STREAMING_TRANSPORT_REQUIRED, not an execution.
func TestSubscriptionsNeedAStream(t *testing.T) {
	g := gatewaytest.New(t, gatewaytest.Options{})
	for _, media := range []string{"application/json", "application/graphql-response+json"} {
		body, _ := json.Marshal(map[string]string{"query": pendingQuery})
		req, _ := http.NewRequest(http.MethodPost, g.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", media)
		r := g.Do(req)
		if r.Status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Code() != graph.CodeStreamRequired {
			t.Fatalf("POST (%s): %d %+v", media, r.Status, r.Errors)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, g.URL+"/graphql?query="+url.QueryEscape(pendingQuery), nil)
	if r := g.Do(req); r.Status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Code() != graph.CodeStreamRequired {
		t.Fatalf("GET: %d %+v", r.Status, r.Errors)
	}
	if n := g.Calls.Total(); n != 0 {
		t.Fatalf("%d upstream calls for refused subscriptions", n)
	}
}

// TestKeepAlives: an idle stream gets pings on both transports.
func TestKeepAlives(t *testing.T) {
	g := gatewaytest.New(t, gatewaytest.Options{Graph: func(o *graph.Options) { o.Streams.KeepAlive = 50 * time.Millisecond }})
	ctx := testCtx(t)
	ws := dialWS(t, ctx, g.URL+"/graphql")
	firstEvent(t, ws, pendingQuery, nil)
	waittest.Until(t, "WebSocket pings", func() bool { return ws.Pings() >= 3 })
	s, err := gqlstream.DialSSE(ctx, &http.Client{}, g.URL+"/graphql", nil, pendingQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	// The stream stays idle (the count does not change); reading for the
	// next event counts the comments meanwhile.
	go func() { _, _ = s.Next() }()
	waittest.Until(t, "SSE keep-alive comments", func() bool { return s.Comments() >= 3 })
	// A pinged connection that answers stays open.
	if _, err := ws.Subscribe(ctx, pendingQuery, nil); err != nil {
		t.Fatalf("the WebSocket was dropped: %v", err)
	}
}

// TestPendingTaskCount: the count follows the tenant's tasks, and the
// subscription stays open.
func TestPendingTaskCount(t *testing.T) {
	g := gatewaytest.New(t, gatewaytest.Options{})
	ctx := testCtx(t)
	ws := dialWS(t, ctx, g.URL+"/graphql")
	sub, err := ws.Subscribe(ctx, pendingQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	countOf := func() int {
		ev, err := sub.Next(ctx)
		if err != nil || ev.Result == nil || ev.Complete {
			t.Fatalf("%+v %v", ev, err)
		}
		return decodeField[struct{ PendingTaskCount int }](t, ev.Result.Data).PendingTaskCount
	}
	n := countOf()
	r := g.Query(`{ pendingTasks(first: 1) { nodes { id } } }`, nil)
	id := decodeField[struct {
		PendingTasks struct{ Nodes []struct{ ID string } }
	}](t, r.Data).PendingTasks.Nodes[0].ID
	if r := g.Query(`mutation($id: ID!) { updateTaskStatus(id: $id, operations: [{op: REPLACE, path: "/completionStatus", value: "Error"}]) { id } }`, map[string]any{"id": id}); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	if m := countOf(); m != n-1 {
		t.Fatalf("count %d after one task ended, want %d", m, n-1)
	}
	if st := g.GW.Jobs(); st.Polling != 1 {
		t.Fatalf("%+v; the count never ends, its poller must not stop", st)
	}
}

// TestUnknownIDs: an unknown id ends the subscription with NOT_FOUND, on
// both transports, for every kind of job.
func TestUnknownIDs(t *testing.T) {
	g := gatewaytest.New(t, gatewaytest.Options{})
	ctx := testCtx(t)
	ws := dialWS(t, ctx, g.URL+"/graphql")
	cases := []struct {
		query string
		vars  map[string]any
	}{
		{reportQuery, map[string]any{"id": "0000000000000000000000000000beef"}},
		{taskQuery, map[string]any{"id": "0000000000000000000000000000beef"}},
		{exportQuery, map[string]any{"s": "8c190e67-87aa-4ed9-a90b-d9d5344523fb", "r": "e0cc5d7d-bf7f-4f81-b2af-8885b09d9923", "e": "00000000-0000-4000-8000-000000000000"}},
	}
	for _, c := range cases {
		sub, err := ws.Subscribe(ctx, c.query, c.vars)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := sub.Next(ctx)
		if err != nil || code(ev) != "NOT_FOUND" {
			t.Fatalf("%s over a WebSocket: %+v %v", c.query, ev, err)
		}
		if ev, err := sub.Next(ctx); err != nil || !ev.Complete {
			t.Fatalf("after NOT_FOUND: %+v %v, want complete", ev, err)
		}
		s, err := gqlstream.DialSSE(ctx, &http.Client{}, g.URL+"/graphql", nil, c.query, c.vars)
		if err != nil {
			t.Fatal(err)
		}
		ev, err = s.Next()
		end, err2 := s.Next()
		s.Close()
		if err != nil || code(ev) != "NOT_FOUND" || err2 != nil || !end.Complete {
			t.Fatalf("%s over SSE: %+v %v then %+v %v", c.query, ev, err, end, err2)
		}
	}
}

// TestDrainEndsSubscriptions: at shutdown WebSockets are closed with 1001
// and SSE streams end with a complete event, promptly.
func TestDrainEndsSubscriptions(t *testing.T) {
	g := gatewaytest.New(t, gatewaytest.Options{})
	ctx := testCtx(t)
	ws := dialWS(t, ctx, g.URL+"/graphql")
	sub, err := ws.Subscribe(ctx, pendingQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Next(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := gqlstream.DialSSE(ctx, &http.Client{}, g.URL+"/graphql", nil, pendingQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := g.GW.Drain(dctx); err != nil {
		t.Fatal(err)
	}
	if c := closeCode(t, ws.Closed(ctx)); c != websocket.StatusGoingAway {
		t.Fatalf("WebSocket closed with %d, want 1001", c)
	}
	if ev, err := s.Next(); err != nil || !ev.Complete {
		t.Fatalf("SSE: %+v %v, want complete", ev, err)
	}
	if _, err := s.Next(); err != io.EOF {
		t.Fatalf("after complete: %v, want the end of the stream", err)
	}
	if _, err := gqlstream.DialWS(ctx, g.URL+"/graphql", nil, nil); err == nil {
		t.Fatal("a WebSocket accepted after the drain")
	}
}

// TestWebSocketOperationsCountAgainstTheRate: each operation sent over a
// WebSocket counts against the caller's request rate, as an HTTP request
// does (the upgrade counted once).
func TestWebSocketOperationsCountAgainstTheRate(t *testing.T) {
	g := gatewaytest.New(t, gatewaytest.Options{Config: func(c *config.Config) { c.KeyRate = ratelimit.Rate{N: 3, Per: time.Hour} }})
	ctx := testCtx(t)
	ws := dialWS(t, ctx, g.URL+"/graphql") // 1
	for i := range 2 {                     // 2, 3
		if ev := firstEvent(t, ws, pendingQuery, nil); code(ev) != "" {
			t.Fatalf("operation %d: %+v", i+2, ev)
		}
	}
	if ev := firstEvent(t, ws, pendingQuery, nil); code(ev) != "RATE_LIMITED" {
		t.Fatalf("a fourth request in the hour: %+v, want RATE_LIMITED", ev)
	}
}

// TestPassThroughSubscriptions: in pass-through mode a WebSocket brings
// the caller's own ISC token in connection_init; two callers' tokens make
// two jobs, each polled with its own token, never sharing a state.
func TestPassThroughSubscriptions(t *testing.T) {
	g := gatewaytest.New(t, gatewaytest.Options{
		Tenant: simtenant.Options{Clients: callers},
		Config: func(c *config.Config) { c.PassThrough = true },
	})
	ctx := testCtx(t)
	u := g.URL + "/graphql"
	if _, err := gqlstream.DialWS(ctx, u, nil, nil); closeCode(t, err) != 4403 {
		t.Fatalf("no token: %v, want 4403", err)
	}
	for id, secret := range callers {
		ws, err := gqlstream.DialWS(ctx, u, nil, map[string]any{"X-ISC-Token": g.Token(id, secret)})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		if ev := firstEvent(t, ws, pendingQuery, nil); code(ev) != "" || ev.Result == nil {
			t.Fatalf("%s: %+v", id, ev)
		}
	}
	if st := g.GW.Jobs(); st.Watching != 2 || st.Polling != 2 {
		t.Fatalf("%+v; want one job per caller's token", st)
	}
	// Each job was polled (with its own token: the count is not shared).
	st := g.Tenant.Stats()
	if n := st.Requests["getPendingTaskHeaders"][http.StatusOK]; n < 2 {
		t.Fatalf("%d pending counts answered, want one per token", n)
	}
}

// TestSSEEndsCleanlyUnderPings: SSE streams that end while keep-alives
// tick (every millisecond here) end cleanly, again and again: no ping is
// written to a response after its handler returned.
func TestSSEEndsCleanlyUnderPings(t *testing.T) {
	g := gatewaytest.New(t, gatewaytest.Options{Graph: func(o *graph.Options) { o.Streams.KeepAlive = time.Millisecond }})
	ctx := testCtx(t)
	client := &http.Client{}
	for i := range 300 {
		s, err := gqlstream.DialSSE(ctx, client, g.URL+"/graphql", nil, reportQuery, map[string]any{"id": "unknown"})
		if err != nil {
			t.Fatal(err)
		}
		ev, err := s.Next()
		if err != nil || code(ev) != "NOT_FOUND" {
			t.Fatalf("stream %d: %+v %v", i, ev, err)
		}
		if ev, err := s.Next(); err != nil || !ev.Complete {
			t.Fatalf("stream %d: %+v %v, want complete", i, ev, err)
		}
		s.Close()
	}
}

package graph_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/graph"
	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// dataOf decodes a partial answer's data.
func dataOf[T any](t *testing.T, r response) T {
	t.Helper()
	var out T
	if err := json.Unmarshal(r.Data, &out); err != nil {
		t.Fatalf("decode data: %v\n%s", err, r.Data)
	}
	return out
}

type identityAndGateway struct {
	Identity *struct {
		ID          string
		DisplayName string
		Snapshot    *struct{ Date string }
		Summary     []struct{ Name string }
	}
	Gateway *struct{ Tenant string }
}

// Each failure kind is a field error with its stable code, on the field
// that failed, and the rest of the data is still returned.
func TestFieldErrors(t *testing.T) { inEachGeneration(t, testFieldErrors) }

func testFieldErrors(t *testing.T, gen string) {
	e := newEnvIn(t, gen, simtenant.Options{}, graph.Options{})
	id := e.firstIdentity()

	t.Run("unknown id is null and NOT_FOUND", func(t *testing.T) {
		r := e.query(`{ identity(id: "no-such-identity") { id } gateway { tenant } }`, nil)
		d := dataOf[identityAndGateway](t, r)
		if err := r.errorAt(t, "identity"); err.code() != "NOT_FOUND" || r.status != 200 {
			t.Errorf("%d %+v", r.status, err)
		}
		if d.Identity != nil || d.Gateway == nil || d.Gateway.Tenant != e.gw.TenantURL {
			t.Errorf("data %s", r.Data)
		}
	})

	t.Run("unknown id with children: one error, on the identity", func(t *testing.T) {
		r := e.query(`{ identity(id: "no-such-identity") { id accessItems(first: 2) { nodes { id } } events(first: 2) { totalCount } startDate } }`, nil)
		if err := r.errorAt(t, "identity"); err.code() != "NOT_FOUND" || len(r.Errors) != 1 {
			t.Errorf("errors %+v", r.Errors)
		}
		// The children's calls may start with the identity's (look-ahead)
		// and meet the tenant's 404 too, but only the identity's is
		// reported, and the identity is asked for once.
		if n := e.calls.Count("getHistoricalIdentity"); n != 1 {
			t.Errorf("%d identity calls", n)
		}
	})

	t.Run("bad date is BAD_USER_INPUT before any call", func(t *testing.T) {
		r := e.query(`query Q($id: ID!) { identity(id: $id) { id displayName snapshot: snapshot(date: "last tuesday") { date } } }`, map[string]any{"id": id})
		err := r.errorAt(t, "identity.snapshot.date") // the field and its argument
		if err.code() != "BAD_USER_INPUT" || !strings.Contains(err.Message, "RFC 3339") {
			t.Errorf("%+v", err)
		}
		d := dataOf[identityAndGateway](t, r)
		if d.Identity == nil || d.Identity.ID != id || d.Identity.DisplayName == "" || d.Identity.Snapshot != nil {
			t.Errorf("partial data %s", r.Data)
		}
		if n := e.calls.Count("getIdentitySnapshot"); n != 0 {
			t.Errorf("%d snapshot calls for a bad date", n)
		}
	})

	t.Run("bad date in a variable", func(t *testing.T) {
		r := e.query(`query Q($id: ID!, $d: DateTime!) { identity(id: $id) { snapshot(date: $d) { date } } }`, map[string]any{"id": id, "d": "2024-02-30T00:00:00Z"})
		if err := r.errorAt(t, "identity.snapshot.date"); err.code() != "BAD_USER_INPUT" {
			t.Errorf("%+v", err)
		}
	})

	t.Run("bad filter is BAD_USER_INPUT before any call", func(t *testing.T) {
		r := e.query(`{ tasks(filter: {id: []}) { nodes { id } } gateway { tenant } }`, nil)
		err := r.errorAt(t, "tasks")
		if err.code() != "BAD_USER_INPUT" || !strings.Contains(err.Message, "filters") {
			t.Errorf("%+v", err)
		}
		if n := e.calls.Total(); n != 0 {
			t.Errorf("%d upstream calls for a bad filter", n)
		}
	})

	t.Run("input the tenant refuses is BAD_USER_INPUT with its reason", func(t *testing.T) {
		r := e.query(`query Q($id: ID!) { identity(id: $id) { id summary: snapshotSummary(timeZone: "Mars/Olympus_Mons") { name } } gateway { tenant } }`, map[string]any{"id": id})
		err := r.errorAt(t, "identity.summary")
		if err.code() != "BAD_USER_INPUT" || !strings.Contains(err.Message, "time-zone") {
			t.Errorf("%+v", err)
		}
		// The error costs only the field that failed: the identity and
		// the sibling root field stand.
		if d := dataOf[identityAndGateway](t, r); d.Identity == nil || d.Identity.ID != id || d.Gateway == nil || !strings.Contains(string(r.Data), `"summary":null`) {
			t.Errorf("partial data %s", r.Data)
		}
	})

	t.Run("a failed field in a list costs only itself", func(t *testing.T) {
		r := e.query(`{ identities(first: 2) { nodes { id displayName events(from: "last tuesday") { totalCount } } } }`, nil)
		if err := r.errorAt(t, "identities.nodes.0.events.from"); err.code() != "BAD_USER_INPUT" {
			t.Errorf("%+v", err)
		}
		d := dataOf[struct {
			Identities *struct {
				Nodes []struct {
					ID, DisplayName string
					Events          *struct{ TotalCount *int }
				}
			}
		}](t, r)
		if d.Identities == nil || len(d.Identities.Nodes) != 2 || d.Identities.Nodes[0].DisplayName == "" || d.Identities.Nodes[0].Events != nil {
			t.Errorf("partial data %s", r.Data)
		}
	})

	t.Run("first out of range", func(t *testing.T) {
		r := e.query(`{ identities(first: 1001) { nodes { id } } }`, nil)
		if err := r.errorAt(t, "identities"); err.code() != "BAD_USER_INPUT" || !strings.Contains(err.Message, "first") {
			t.Errorf("%+v", err)
		}
		if n := e.calls.Total(); n != 0 {
			t.Errorf("%d upstream calls", n)
		}
	})

	t.Run("bad cursor", func(t *testing.T) {
		r := e.query(`{ identities(after: "not-a-cursor") { nodes { id } } }`, nil)
		if err := r.errorAt(t, "identities"); err.code() != "BAD_USER_INPUT" || !strings.Contains(err.Message, "after") {
			t.Errorf("%+v", err)
		}
	})

	t.Run("too costly is refused before any call, with the estimate", func(t *testing.T) {
		r := e.query(`{ identities(first: 500) { nodes { startDate events(first: 10) { totalCount } } } }`, nil)
		if r.status != 400 || len(r.Errors) != 1 || r.Errors[0].code() != graph.CodeCostLimit || r.Errors[0].Extensions["estimatedUpstreamCalls"] != 1002.0 {
			t.Errorf("%d %+v", r.status, r.Errors)
		}
		if n := e.calls.Total(); n != 0 {
			t.Errorf("%d upstream calls for a refused query", n)
		}
	})
}

// Upstream failures: a 500 is UPSTREAM_UNAVAILABLE, a 429 is RATE_LIMITED
// with the wait, and an API version that fails does not take the other's
// fields with it.
func TestUpstreamFailures(t *testing.T) { inEachGeneration(t, testUpstreamFailures) }

func testUpstreamFailures(t *testing.T, gen string) {
	t.Run("500", func(t *testing.T) {
		e := newEnvIn(t, gen, simtenant.Options{}, graph.Options{})
		id := e.firstIdentity()
		e.tn.SetFailureRate(1)
		r := e.query(`query Q($id: ID!) { identity(id: $id) { id } gateway { tenant } }`, map[string]any{"id": id})
		err := r.errorAt(t, "identity")
		if err.code() != "UPSTREAM_UNAVAILABLE" || strings.Contains(err.Message, "500") || strings.Contains(err.Message, "Fault") {
			t.Errorf("%+v", err)
		}
		if d := dataOf[identityAndGateway](t, r); d.Identity != nil || d.Gateway == nil {
			t.Errorf("data %s", r.Data)
		}
	})

	// A 429 whose Retry-After outlasts the request's deadline is
	// RATE_LIMITED at once, with the tenant's wait.
	shortDeadline := func(c *config.Config) { c.UpstreamTimeout = 2 * time.Second }
	t.Run("429", func(t *testing.T) {
		e := newEnvIn(t, gen, simtenant.Options{}, graph.Options{}, shortDeadline)
		id := e.firstIdentity()
		e.tn.ForceRateLimit(e.rateWindow(op.History), 3*time.Second)
		r := e.query(`query Q($id: ID!) { identity(id: $id) { id } }`, map[string]any{"id": id})
		err := r.errorAt(t, "identity")
		if err.code() != "RATE_LIMITED" || err.Extensions["retryAfterSeconds"] != 3.0 {
			t.Errorf("%+v", err)
		}
	})

	t.Run("one API version limited, the other served", func(t *testing.T) {
		e := newEnvIn(t, gen, simtenant.Options{}, graph.Options{}, shortDeadline)
		id := e.firstIdentity()
		e.tn.ForceRateLimit(e.rateWindow(op.Reports), 5*time.Second)
		r := e.query(`query Q($id: ID!) { identity(id: $id) { id displayName } report(taskResultId: "0123456789abcdef0123456789abcdef") { status } }`, map[string]any{"id": id})
		if err := r.errorAt(t, "report"); err.code() != "RATE_LIMITED" {
			t.Errorf("%+v", err)
		}
		d := dataOf[struct {
			Identity *struct{ ID, DisplayName string }
			Report   *struct{ Status string }
		}](t, r)
		if d.Identity == nil || d.Identity.ID != id || d.Report != nil || len(r.Errors) != 1 {
			t.Errorf("partial data %s, errors %+v", r.Data, r.Errors)
		}
	})

	t.Run("401 for an expired token: refreshed once, answered", func(t *testing.T) {
		e := newEnvIn(t, gen, simtenant.Options{}, graph.Options{})
		id := e.firstIdentity()
		e.query(`query Q($id: ID!) { identity(id: $id) { id } }`, map[string]any{"id": id}) // the gateway now holds a token
		e.tn.ExpireTokens()
		r := e.query(`query Q($id: ID!) { identity(id: $id) { displayName } }`, map[string]any{"id": id})
		if len(r.Errors) > 0 || r.status != 200 {
			t.Fatalf("%d %+v", r.status, r.Errors)
		}
		if n := e.calls.Count("getHistoricalIdentity"); n != 2 {
			t.Errorf("%d calls, want the refused one and its retry with a new token", n)
		}
	})

	t.Run("401 from the token endpoint is UNAUTHENTICATED", func(t *testing.T) {
		e := newEnvIn(t, gen, simtenant.Options{}, graph.Options{}, func(c *config.Config) { c.ClientSecret = "not-the-secret" })
		id := e.firstIdentity()
		r := e.query(`query Q($id: ID!) { identity(id: $id) { id } gateway { tenant } }`, map[string]any{"id": id})
		if err := r.errorAt(t, "identity"); err.code() != "UNAUTHENTICATED" {
			t.Errorf("%+v", err)
		}
		if e.calls.Total() != 0 {
			t.Errorf("%d API calls without a token", e.calls.Total())
		}
	})
}

package gateway_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/access"
	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
	"github.com/sailgraph/sailgraph/internal/clocktest"
	"github.com/sailgraph/sailgraph/internal/redistest"
	"github.com/sailgraph/sailgraph/simtenant"
)

// replicas starts n gateways on one real Redis in front of one tenant.
func replicas(t *testing.T, n int, o gatewaytest.Options) []*gatewaytest.Gateway {
	t.Helper()
	o.Server = redistest.Start(t)
	first := gatewaytest.New(t, o)
	out := []*gatewaytest.Gateway{first}
	for range n - 1 {
		out = append(out, gatewaytest.NewFor(t, first.Tenant, first.TenantURL, o))
	}
	return out
}

func cacheStatus(r gatewaytest.Response) string { return r.Header.Get("Sailgraph-Cache") }

// A whole answer is kept and served again, on every replica, without
// reaching the tenant; any other document, variables or operation misses.
func TestResultCacheServesEqualQueries(t *testing.T) {
	gws := replicas(t, 2, gatewaytest.Options{})
	a, b := gws[0], gws[1]
	id := a.IdentityIDs(1)[0]
	page := `query Page($id: ID!) { identity(id: $id) { displayName accessItems(first: 5) { nodes { id } } } }`
	vars := map[string]any{"id": id}
	first := a.Query(page, vars)
	if len(first.Errors) > 0 || cacheStatus(first) != "MISS" {
		t.Fatalf("first: %s %+v", cacheStatus(first), first.Errors)
	}
	calls := a.Calls.Total() + b.Calls.Total()
	// The same document, spelled differently (whitespace, a comment).
	respelled := "# the identity page\nquery Page($id: ID!) {\n  identity(id: $id) { displayName, accessItems(first: 5) { nodes { id } } }\n}"
	for name, g := range map[string]*gatewaytest.Gateway{"same replica": a, "other replica": b} {
		r := g.Query(respelled, vars)
		if cacheStatus(r) != "HIT" || string(r.Data) != string(first.Data) {
			t.Fatalf("%s: %s %s", name, cacheStatus(r), r.Data)
		}
	}
	if n := a.Calls.Total() + b.Calls.Total() - calls; n != 0 {
		t.Fatalf("%d upstream calls for cached answers", n)
	}
	if r := a.Query(page, map[string]any{"id": a.IdentityIDs(2)[1]}); cacheStatus(r) != "MISS" {
		t.Fatalf("other variables: %s", cacheStatus(r))
	}
}

// A task PATCH through any replica is seen by the next read on every
// replica: the answers built from task reads are dropped with them.
func TestResultCacheDropsWhatAMutationChanged(t *testing.T) {
	gws := replicas(t, 3, gatewaytest.Options{})
	var list struct {
		Tasks struct{ Nodes []struct{ ID string } }
	}
	r := gws[0].Query(`{ tasks(filter: {completionStatus: [SUCCESS]}, first: 1) { nodes { id } } }`, nil)
	if err := json.Unmarshal(r.Data, &list); err != nil || len(list.Tasks.Nodes) == 0 {
		t.Fatalf("tasks: %s %+v", r.Data, r.Errors)
	}
	id := list.Tasks.Nodes[0].ID
	read := fmt.Sprintf(`{ task(id: %q) { id completionStatus } }`, id)
	status := func(g *gatewaytest.Gateway) (string, string) {
		t.Helper()
		r := g.Query(read, nil)
		var d struct {
			Task struct{ CompletionStatus string }
		}
		if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 {
			t.Fatalf("read: %s %+v", r.Data, r.Errors)
		}
		return d.Task.CompletionStatus, cacheStatus(r)
	}
	for i, g := range gws {
		status(g)
		if s, c := status(g); s != "SUCCESS" || c != "HIT" {
			t.Fatalf("replica %d before the PATCH: %s %s; want SUCCESS from the cache", i, s, c)
		}
	}
	m := gws[1].Query(fmt.Sprintf(`mutation { updateTaskStatus(id: %q, operations: [{op: REPLACE, path: "/completionStatus", value: "ERROR"}]) { completionStatus } }`, id), nil)
	if len(m.Errors) > 0 {
		t.Fatalf("PATCH: %+v", m.Errors)
	}
	for i, g := range gws {
		s, c := status(g)
		if s != "ERROR" || (i == 0 && c != "MISS") {
			t.Fatalf("replica %d after the PATCH: %s %s; want the new status", i, s, c)
		}
	}
}

// Two pass-through principals never share a cached answer, nor do two
// keys with different scopes; two keys with the same scopes do.
func TestResultCacheNeverCrossesPrincipalsOrScopes(t *testing.T) {
	t.Run("pass-through tokens", func(t *testing.T) {
		gws := replicas(t, 1, gatewaytest.Options{
			Tenant: simtenant.Options{Clients: callers},
			Config: passThrough,
		})
		g := gws[0]
		q := fmt.Sprintf(`{ identity(id: %q) { displayName } }`, g.IdentityIDs(1)[0])
		tokA := g.Token("alpha", callers["alpha"])
		tokB := g.Token(simtenant.DefaultClientID, callers[simtenant.DefaultClientID])
		g.Query(q, nil, "X-ISC-Token", tokA)
		if r := g.Query(q, nil, "X-ISC-Token", tokA); cacheStatus(r) != "HIT" {
			t.Fatalf("A again: %s", cacheStatus(r))
		}
		before := g.Calls.Total()
		if r := g.Query(q, nil, "X-ISC-Token", tokB); cacheStatus(r) != "MISS" || len(r.Errors) > 0 || g.Calls.Total() == before {
			t.Fatalf("B after A: %s %+v; want its own answer from the tenant", cacheStatus(r), r.Errors)
		}
	})
	t.Run("scopes", func(t *testing.T) {
		keys := ""
		for _, k := range []struct{ name, key string }{{"one", keyOne}, {"same", keySame}, {"other", keyOther}} {
			scopes := []string{"idn:identity-history:read"}
			if k.name == "other" {
				scopes = append(scopes, "idn:task-management:read")
			}
			line, err := access.EntryFor(k.name, k.key, scopes...)
			if err != nil {
				t.Fatal(err)
			}
			keys += string(line) + "\n"
		}
		gws := replicas(t, 1, gatewaytest.Options{Keys: keys})
		g := gws[0]
		q := `{ identities(first: 2) { nodes { id } } }`
		g.Query(q, nil, "X-API-Key", keyOne)
		if r := g.Query(q, nil, "X-API-Key", keySame); cacheStatus(r) != "HIT" {
			t.Fatalf("a key with the same scopes: %s", cacheStatus(r))
		}
		if r := g.Query(q, nil, "X-API-Key", keyOther); cacheStatus(r) != "MISS" {
			t.Fatalf("a key with other scopes: %s", cacheStatus(r))
		}
	})
}

const (
	keyOne   = "sgk_one_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH"
	keySame  = "sgk_same_0123456789abcdefghijklmnopqrstuvwxyzABCDEF"
	keyOther = "sgk_other_0123456789abcdefghijklmnopqrstuvwxyzABCDE"
)

// An answer with an error is not kept, nor one with a part served stale,
// nor a mutation's; an answer built only from what never reaches the
// tenant is.
func TestResultCacheKeepsOnlyCleanAnswers(t *testing.T) {
	clk := clocktest.New(time.Now())
	g := replicas(t, 1, gatewaytest.Options{Clock: clk.Now})[0]
	bad := `{ identity(id: "no-such-identity") { displayName } gateway { tenant } }`
	for i := range 2 {
		r := g.Query(bad, nil)
		if len(r.Errors) != 1 || cacheStatus(r) != "MISS" {
			t.Fatalf("answer with an error, try %d: %s %+v", i, cacheStatus(r), r.Errors)
		}
	}
	// A mutation is neither looked up nor kept: its answer carries no
	// cache header, every time.
	mutation := fmt.Sprintf(`mutation { updateTaskStatus(id: %q, operations: [{op: REPLACE, path: "/progress", value: "kept?"}]) { progress } }`, pendingTaskID(t, g))
	for i := range 2 {
		if r := g.Query(mutation, nil); len(r.Errors) > 0 || cacheStatus(r) != "" {
			t.Fatalf("a mutation, try %d: %s %+v", i, cacheStatus(r), r.Errors)
		}
	}
	free := `{ gateway { tenant } }`
	g.Query(free, nil)
	if r := g.Query(free, nil); cacheStatus(r) != "HIT" {
		t.Fatalf("an answer without upstream calls: %s", cacheStatus(r))
	}
	// Past the page's freshness (and its whole answer's), inside its
	// grace, with the tenant failing: the page is served stale, and that
	// answer is not kept either.
	page := fmt.Sprintf(`{ identity(id: %q) { displayName } }`, g.IdentityIDs(1)[0])
	if r := g.Query(page, nil); len(r.Errors) > 0 || cacheStatus(r) != "MISS" {
		t.Fatalf("the page: %s %+v", cacheStatus(r), r.Errors)
	}
	clk.Advance(20 * time.Minute)
	g.Tenant.SetFailureRate(1)
	for i := range 2 {
		if r := g.Query(page, nil); len(r.Errors) > 0 || r.Extensions["stale"] == nil || cacheStatus(r) != "MISS" {
			t.Fatalf("the page served stale, try %d: %s %+v %v", i, cacheStatus(r), r.Errors, r.Extensions)
		}
	}
}

// The result cache can be turned off.
func TestResultCacheOff(t *testing.T) {
	g := gatewaytest.New(t, gatewaytest.Options{Config: func(c *config.Config) { c.ResultCacheBytes = 0 }})
	for range 2 {
		if r := g.Query(`{ gateway { tenant } }`, nil); cacheStatus(r) != "" || r.Status != http.StatusOK {
			t.Fatalf("result cache off: %q %d", cacheStatus(r), r.Status)
		}
	}
}

package gateway_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
	"github.com/sailgraph/sailgraph/internal/clocktest"
	"github.com/sailgraph/sailgraph/internal/redistest"
	"github.com/sailgraph/sailgraph/simtenant"
)

// callers are the simulated tenant's clients whose tokens pass through.
var callers = map[string]string{
	simtenant.DefaultClientID: simtenant.DefaultClientSecret,
	"alpha":                   "alpha-secret",
}

func passThrough(c *config.Config) { c.PassThrough = true }

// A pass-through token whose exp has passed is refused before the cache,
// with no upstream call, over GraphQL and over the REST side.
func TestExpiredTokenRefusedBeforeTheCache(t *testing.T) {
	clk := clocktest.New(time.Now())
	gw := gatewaytest.New(t, gatewaytest.Options{
		Tenant: simtenant.Options{Clients: callers, TokenTTL: 8 * time.Second, Now: clk.Now},
		Config: passThrough,
		Clock:  clk.Now,
	})
	tok := gw.Token("alpha", callers["alpha"])
	id := gw.IdentityIDs(1)[0]
	q := fmt.Sprintf(`{ identity(id: %q) { displayName } }`, id)
	if r := gw.Query(q, nil, "X-ISC-Token", tok); r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("fresh token: %d %+v", r.Status, r.Errors)
	}
	clk.Advance(10 * time.Second) // past the token's exp, well inside the cache's 5 min
	before := gw.Calls.Total()
	r := gw.Query(q, nil, "X-ISC-Token", tok)
	if r.Status != http.StatusUnauthorized || len(r.Errors) != 1 || r.Errors[0].Code() != "UNAUTHENTICATED" ||
		!strings.Contains(r.Errors[0].Message, "expired") || r.Data != nil {
		t.Fatalf("expired token over GraphQL: %d %+v %s", r.Status, r.Errors, r.Data)
	}
	rest := restGet(t, gw, "/beta/historical-identities/"+id, tok)
	if rest.StatusCode != http.StatusUnauthorized {
		t.Fatalf("expired token over REST: %d", rest.StatusCode)
	}
	if n := gw.Calls.Total() - before; n != 0 {
		t.Fatalf("%d upstream calls for an expired token", n)
	}
}

// The cache answers a pass-through token only while the tenant has
// accepted it within the recheck period; when the tenant then refuses
// it, the refusal holds at once on every replica, with no upstream call.
func TestTokenRecheckedAndRevokedOnEveryReplica(t *testing.T) {
	clk := clocktest.New(time.Now())
	srv := redistest.Start(t)
	opts := gatewaytest.Options{
		Tenant: simtenant.Options{Clients: callers, TokenTTL: time.Hour, Now: clk.Now},
		Config: func(c *config.Config) { passThrough(c); c.TokenRecheck = time.Minute },
		Clock:  clk.Now,
		Server: srv,
	}
	a := gatewaytest.New(t, opts)
	b := gatewaytest.NewFor(t, a.Tenant, a.TenantURL, opts)
	tok := a.Token("alpha", callers["alpha"])
	id := a.IdentityIDs(1)[0]
	q := fmt.Sprintf(`{ identity(id: %q) { displayName } }`, id)
	ask := func(g *gatewaytest.Gateway) (gatewaytest.Response, int) {
		t.Helper()
		before := a.Calls.Total() + b.Calls.Total()
		r := g.Query(q, nil, "X-ISC-Token", tok)
		return r, a.Calls.Total() + b.Calls.Total() - before
	}
	if r, n := ask(a); len(r.Errors) > 0 || n != 1 {
		t.Fatalf("first read: %d calls %+v", n, r.Errors)
	}
	if r, n := ask(b); len(r.Errors) > 0 || n != 0 {
		t.Fatalf("the other replica, within the recheck: %d calls %+v", n, r.Errors)
	}
	// The tenant stops accepting the token; the cache may answer it until
	// the recheck is due (a minute), then asks the tenant.
	a.Tenant.ExpireTokens()
	if r, n := ask(b); len(r.Errors) > 0 || n != 0 {
		t.Fatalf("within the recheck: %d calls %+v", n, r.Errors)
	}
	clk.Advance(61 * time.Second)
	r, n := ask(b)
	if n != 1 || len(r.Errors) != 1 || r.Errors[0].Code() != "UNAUTHENTICATED" || !strings.Contains(r.Errors[0].Message, "your ISC token") {
		t.Fatalf("recheck due: %d calls, %+v; want the tenant asked and its refusal", n, r.Errors)
	}
	// Revoked on every replica: refused before the cache, no call.
	for name, g := range map[string]*gatewaytest.Gateway{"a": a, "b": b} {
		r, n := ask(g)
		if r.Status != http.StatusUnauthorized || n != 0 || len(r.Errors) != 1 || r.Errors[0].Code() != "UNAUTHENTICATED" {
			t.Fatalf("replica %s after the refusal: %d, %d calls, %+v", name, r.Status, n, r.Errors)
		}
	}
	// Another caller's token is not affected.
	other := a.Token(simtenant.DefaultClientID, callers[simtenant.DefaultClientID])
	if r := a.Query(q, nil, "X-ISC-Token", other); len(r.Errors) > 0 {
		t.Fatalf("another token: %+v", r.Errors)
	}
}

func restGet(t *testing.T, g *gatewaytest.Gateway, path, token string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, g.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-ISC-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

package access_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/ratelimit"
)

// Two callers' own tokens, the same query: each gets its own upstream
// call and spends its own budget; a third, bogus token gets the tenant's
// refusal, not a cached answer; no token is kept in Redis or logged.
func TestPassThroughIsolatesTokens(t *testing.T) {
	g := newGateway(t, setup{passThrough: true, redis: true, budget: ratelimit.Rate{N: 1, Per: time.Hour}})
	tokA, tokB := g.token("alpha"), g.token("beta")
	if tokA == tokB {
		t.Fatal("the tenant issued one token twice")
	}
	ids := g.identityIDs(2)
	q1 := fmt.Sprintf(`{ identity(id: %q) { id displayName } }`, ids[0])
	q2 := fmt.Sprintf(`{ identity(id: %q) { id displayName } }`, ids[1])

	step := func(name, query string, wantCalls int, hdr ...string) answer {
		t.Helper()
		before := g.calls()
		a := g.post(query, hdr...)
		if n := g.calls() - before; n != wantCalls {
			t.Fatalf("%s: %d upstream calls, want %d (errors %+v)", name, n, wantCalls, a.Errors)
		}
		return a
	}
	if a := step("A first", q1, 1, "X-ISC-Token", tokA); a.code("identity") != "" || !strings.Contains(string(a.Data["identity"]), ids[0]) {
		t.Fatalf("A: %+v %s", a.Errors, a.Data)
	}
	if a := step("A again (its cache)", q1, 0, "X-ISC-Token", tokA); !strings.Contains(string(a.Data["identity"]), ids[0]) {
		t.Fatalf("A again: %+v", a.Errors)
	}
	// B asks the same: not A's cached answer, and not held back by A's
	// spent budget (one call an hour per principal).
	if a := step("B (SDK-style bearer)", q1, 1, "Authorization", "Bearer "+tokB); a.code("identity") != "" || !strings.Contains(string(a.Data["identity"]), ids[0]) {
		t.Fatalf("B: %+v %s", a.Errors, a.Data)
	}
	// A's budget is spent: its next uncached call is refused, B's is not
	// what refused it.
	if a := step("A over budget", q2, 0, "X-ISC-Token", tokA); a.code("identity") == "" {
		t.Fatalf("A's second call went through a one-call budget: %s", a.Data)
	}
	// A bogus token is refused by the tenant, whatever is cached.
	if a := step("bogus", q1, 0, "X-ISC-Token", "not-a-token"); string(a.Data["identity"]) != "null" || a.code("identity") != "UNAUTHENTICATED" {
		t.Fatalf("bogus token: code %q data %s", a.code("identity"), a.Data["identity"])
	}
	if a := g.post(q1); a.status != http.StatusUnauthorized {
		t.Fatalf("no token: status %d, want 401", a.status)
	}

	// Nothing in Redis or the log holds a token in clear.
	ctx := context.Background()
	keys, err := g.rdb.Keys(ctx, "*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("redis keys: %v %d", err, len(keys))
	}
	for _, k := range keys {
		v := redisValue(t, g, k)
		for _, tok := range []string{tokA, tokB} {
			if strings.Contains(k, tok) || strings.Contains(v, tok) {
				t.Fatalf("redis key %q holds a token", k)
			}
		}
	}
	for _, tok := range []string{tokA, tokB, "not-a-token"} {
		if strings.Contains(g.logs.String(), tok) {
			t.Fatal("a token was logged")
		}
	}
}

// redisValue reads key whatever its type.
func redisValue(t *testing.T, g *gateway, key string) string {
	t.Helper()
	ctx := context.Background()
	switch typ := g.rdb.Type(ctx, key).Val(); typ {
	case "string":
		return g.rdb.Get(ctx, key).Val()
	case "hash":
		return fmt.Sprint(g.rdb.HGetAll(ctx, key).Val())
	case "set":
		return fmt.Sprint(g.rdb.SMembers(ctx, key).Val())
	case "zset":
		return fmt.Sprint(g.rdb.ZRange(ctx, key, 0, -1).Val())
	case "list":
		return fmt.Sprint(g.rdb.LRange(ctx, key, 0, -1).Val())
	case "none": // expired meanwhile
		return ""
	default:
		t.Fatalf("redis key %q of type %s not checked", key, typ)
		return ""
	}
}

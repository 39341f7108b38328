package access_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/access"
	"github.com/sailgraph/sailgraph/internal/logtest"
	"github.com/sailgraph/sailgraph/internal/redistest"
	"github.com/sailgraph/sailgraph/ratelimit"
)

// With a request rate configured, each key has its own.
func TestFairShareRatePerKey(t *testing.T) {
	for _, withRedis := range []bool{false, true} {
		t.Run(fmt.Sprintf("redis=%v", withRedis), func(t *testing.T) {
			g := newGateway(t, setup{keys: keysFile(t), redis: withRedis, keyRate: ratelimit.Rate{N: 2, Per: time.Hour}})
			const q = `{ gateway { tenant } }`
			for i := range 2 {
				if a := g.post(q, "X-API-Key", historyKey); a.status != http.StatusOK {
					t.Fatalf("request %d: status %d %+v", i, a.status, a.Errors)
				}
			}
			a := g.post(q, "X-API-Key", historyKey)
			assert429(t, a)
			// Another key has its own rate.
			if b := g.post(q, "X-API-Key", allKey); b.status != http.StatusOK {
				t.Fatalf("other key: status %d", b.status)
			}
		})
	}
}

// By default no request rate is counted: a burst of requests that cost
// the tenant nothing is never refused.
func TestNoRequestRateByDefault(t *testing.T) {
	g := newGateway(t, setup{})
	for i := range 200 {
		if a := g.post(`{ __typename }`); a.status != http.StatusOK {
			t.Fatalf("request %d refused: %d %+v", i, a.status, a.Errors)
		}
	}
}

// The allowance is charged with the upstream calls actually made: cache
// hits cost nothing, and a spent allowance refuses what would cost
// something before it runs.
func TestFairShareChargesActualCalls(t *testing.T) {
	g := newGateway(t, setup{keys: keysFile(t), keyCost: ratelimit.Rate{N: 3, Per: time.Hour}})
	ids := g.identityIDs(4)
	pair := func(a, b string) string {
		return fmt.Sprintf(`{ a: identity(id: %q) { id } b: identity(id: %q) { id } }`, a, b)
	}
	ok := func(name, q string) {
		t.Helper()
		if a := g.post(q, "X-API-Key", historyKey); a.status != http.StatusOK || len(a.Errors) > 0 {
			t.Fatalf("%s: %d %+v", name, a.status, a.Errors)
		}
	}
	before := g.calls()
	ok("first pair", pair(ids[0], ids[1])) // 2 calls: 1 left
	ok("the same pair, cached", pair(ids[0], ids[1]))
	if n := g.calls() - before; n != 2 {
		t.Fatalf("%d upstream calls, want 2", n)
	}
	ok("a new pair, with 1 left", pair(ids[2], ids[3])) // 2 calls, 1 charged: spent
	before = g.calls()
	a := g.post(fmt.Sprintf(`{ identity(id: %q) { displayName startDate } }`, ids[0]), "X-API-Key", historyKey)
	assert429(t, a)
	if a.Data != nil || g.calls() != before {
		t.Fatalf("a refused operation ran: data %s, %d calls", a.Data, g.calls()-before)
	}
	// What costs nothing is still served, and another key's allowance is
	// its own.
	if a := g.post(`{ __typename gateway { tenant } }`, "X-API-Key", historyKey); a.status != http.StatusOK {
		t.Fatalf("free query refused: %d %+v", a.status, a.Errors)
	}
	if a := g.post(pair(ids[0], ids[1]), "X-API-Key", allKey); a.status != http.StatusOK || len(a.Errors) > 0 {
		t.Fatalf("other key: %d %+v", a.status, a.Errors)
	}
}

// An operation estimated above the caller's whole allowance could never
// fit: it is refused up front.
func TestFairShareRefusesWhatCannotFit(t *testing.T) {
	g := newGateway(t, setup{keys: keysFile(t), keyCost: ratelimit.Rate{N: 2, Per: time.Hour}})
	ids := g.identityIDs(3)
	q := fmt.Sprintf(`{ a: identity(id: %q) { id } b: identity(id: %q) { id } c: identity(id: %q) { id } }`, ids[0], ids[1], ids[2])
	before := g.calls()
	assert429(t, g.post(q, "X-API-Key", historyKey))
	if g.calls() != before {
		t.Fatal("the refused operation ran")
	}
}

func assert429(t *testing.T, a answer) {
	t.Helper()
	if a.status != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429 (%+v)", a.status, a.Errors)
	}
	secs, err := strconv.Atoi(a.header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 3600 {
		t.Fatalf("Retry-After %q, want 1..3600 seconds", a.header.Get("Retry-After"))
	}
	if len(a.Errors) != 1 || a.Errors[0].Extensions["code"] != "RATE_LIMITED" || a.Errors[0].Extensions["retryAfterSeconds"] != float64(secs) {
		t.Fatalf("errors %+v, want RATE_LIMITED with retryAfterSeconds %d", a.Errors, secs)
	}
}

// Two replicas on one Redis share each caller's allowance.
func TestFairShareSharedAcrossReplicas(t *testing.T) {
	rdb := redistest.Start(t).Client()
	opts := access.FairShareOptions{Cost: ratelimit.Rate{N: 5, Per: time.Hour}, Redis: rdb}
	r1, r2 := must(access.NewFairShare(opts)), must(access.NewFairShare(opts))
	t.Cleanup(func() { _ = r1.Close(); _ = r2.Close() })
	ctx := access.WithCaller(context.Background(), access.Caller{Name: "bot", Scopes: access.NewScopes()})
	other := access.WithCaller(context.Background(), access.Caller{Name: "other", Scopes: access.NewScopes()})
	if w := r1.Admission(ctx, 5); w != 0 {
		t.Fatalf("replica 1 refused a fresh allowance: %v", w)
	}
	r1.Charge(ctx, 4)
	if w := r2.Admission(ctx, 3); w != 0 {
		t.Fatalf("replica 2 refused with one unit left: %v", w)
	}
	r2.Charge(ctx, 3) // more than is left: takes the last one
	if w := r2.Admission(ctx, 1); w <= 0 || w > time.Hour {
		t.Fatalf("replica 2 admitted past the shared allowance (wait %v)", w)
	}
	if w := r1.Admission(ctx, 1); w <= 0 {
		t.Fatal("replica 1 admitted past the shared allowance")
	}
	if w := r1.Admission(ctx, 0); w != 0 {
		t.Fatalf("an operation that costs nothing was refused: %v", w)
	}
	if w := r1.Admission(other, 5); w != 0 {
		t.Fatalf("another caller's allowance was spent: %v", w)
	}
	// A caller whose key sets its own allowance gets that one.
	big := access.WithCaller(context.Background(), access.Caller{Name: "big", Cost: ratelimit.Rate{N: 50, Per: time.Hour}})
	if w := r1.Admission(big, 40); w != 0 {
		t.Fatalf("per-key allowance not used: %v", w)
	}
}

// While Redis does not answer, each caller is held to this replica's
// share of its allowance (not let through), and the outage is logged
// once, not per request.
func TestFairShareLocalShareWhileRedisIsDown(t *testing.T) {
	srv := redistest.Start(t)
	logs := &logtest.Buffer{}
	fs := must(access.NewFairShare(access.FairShareOptions{
		Cost:     ratelimit.Rate{N: 40, Per: time.Hour},
		Redis:    srv.Client(),
		Replicas: func() int { return 2 }, // the share: 0.95 × 40 ÷ 2 = 19
		Logger:   slog.New(slog.NewJSONHandler(logs, nil)),
	}))
	t.Cleanup(func() { _ = fs.Close() })
	srv.Stop()
	ctx, cancel := context.WithTimeout(access.WithCaller(context.Background(), access.Caller{Name: "bot"}), 30*time.Second)
	defer cancel()
	admitted := 0
	for range 50 {
		if fs.Admission(ctx, 1) != 0 {
			break
		}
		admitted++
		fs.Charge(ctx, 1)
	}
	if admitted != 19 {
		t.Fatalf("admitted %d calls while Redis was down, want this replica's share of 19", admitted)
	}
	if n := strings.Count(logs.String(), "Redis is not answering"); n != 1 {
		t.Fatalf("%d outage lines for %d requests, want 1:\n%s", n, admitted+1, logs.String())
	}
}

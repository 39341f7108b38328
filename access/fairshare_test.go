package access_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/access"
	"github.com/sailgraph/sailgraph/internal/redistest"
	"github.com/sailgraph/sailgraph/ratelimit"
)

func TestFairShareRatePerKey(t *testing.T) {
	for _, withRedis := range []bool{false, true} {
		t.Run(fmt.Sprintf("redis=%v", withRedis), func(t *testing.T) {
			g := newGateway(t, setup{keys: keysFile(t), redis: withRedis, fair: &access.FairShareOptions{
				Rate: ratelimit.Rate{N: 2, Per: time.Hour},
				Cost: ratelimit.Rate{N: 1000, Per: time.Hour},
			}})
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

func TestFairShareCostAllowance(t *testing.T) {
	g := newGateway(t, setup{keys: keysFile(t), fair: &access.FairShareOptions{
		Rate: ratelimit.Rate{N: 1000, Per: time.Hour},
		Cost: ratelimit.Rate{N: 3, Per: time.Hour},
	}})
	ids := g.identityIDs(2)
	two := fmt.Sprintf(`{ a: identity(id: %q) { id } b: identity(id: %q) { id } }`, ids[0], ids[1])
	one := fmt.Sprintf(`{ identity(id: %q) { id } }`, ids[0])
	if a := g.post(two, "X-API-Key", historyKey); a.status != http.StatusOK || len(a.Errors) > 0 {
		t.Fatalf("first: %d %+v", a.status, a.Errors)
	}
	before := g.calls()
	a := g.post(two, "X-API-Key", historyKey) // 2 estimated calls, 1 left
	assert429(t, a)
	if a.Data != nil || g.calls() != before {
		t.Fatalf("a refused operation ran: data %s, %d calls", a.Data, g.calls()-before)
	}
	// The refusal took nothing: the last call of the allowance is there.
	if b := g.post(one, "X-API-Key", historyKey); b.status != http.StatusOK || len(b.Errors) > 0 {
		t.Fatalf("last unit: %d %+v", b.status, b.Errors)
	}
	// Another key's allowance is its own.
	if b := g.post(two, "X-API-Key", allKey); b.status != http.StatusOK || len(b.Errors) > 0 {
		t.Fatalf("other key: %d %+v", b.status, b.Errors)
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
	opts := access.FairShareOptions{Rate: ratelimit.Rate{N: 10, Per: time.Hour}, Cost: ratelimit.Rate{N: 5, Per: time.Hour}, Redis: rdb}
	r1, r2 := must(access.NewFairShare(opts)), must(access.NewFairShare(opts))
	ctx := access.WithCaller(context.Background(), access.Caller{Name: "bot", Scopes: access.NewScopes()})
	other := access.WithCaller(context.Background(), access.Caller{Name: "other", Scopes: access.NewScopes()})
	if w := r1.Spend(ctx, 4); w != 0 {
		t.Fatalf("replica 1 refused a fresh allowance: %v", w)
	}
	if w := r2.Spend(ctx, 2); w <= 0 || w > time.Hour {
		t.Fatalf("replica 2 granted beyond the shared allowance (wait %v)", w)
	}
	if w := r2.Spend(ctx, 1); w != 0 {
		t.Fatalf("replica 2 refused the last unit: %v", w)
	}
	if w := r1.Spend(other, 5); w != 0 {
		t.Fatalf("another caller's allowance was spent: %v", w)
	}
	// A caller whose key sets its own allowance gets that one.
	big := access.WithCaller(context.Background(), access.Caller{Name: "big", Cost: ratelimit.Rate{N: 50, Per: time.Hour}})
	if w := r1.Spend(big, 40); w != 0 {
		t.Fatalf("per-key allowance not used: %v", w)
	}
}

// Without Redis answering, the fair share lets requests through.
func TestFairShareFailsOpen(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client()
	fs := must(access.NewFairShare(access.FairShareOptions{Rate: ratelimit.Rate{N: 1, Per: time.Hour}, Cost: ratelimit.Rate{N: 1, Per: time.Hour}, Redis: rdb}))
	srv.Stop()
	ctx, cancel := context.WithTimeout(access.WithCaller(context.Background(), access.Caller{Name: "bot"}), 30*time.Second)
	defer cancel()
	for range 3 {
		if w := fs.Spend(ctx, 1); w != 0 {
			t.Fatalf("refused while Redis is down: %v", w)
		}
	}
}

package gateway_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
	"github.com/sailgraph/sailgraph/internal/clocktest"
	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/simtenant"
)

// The probe's reproduction: a tenant limited to 20 requests per 10 s, a
// gateway configured for the documented 100 and a 5 s deadline, 27
// sequential distinct identity queries. The 21st meets a 429 whose
// Retry-After (10 s) outlasts the deadline: it and the ones after it are
// answered RATE_LIMITED with the wait at once, not after the deadline with
// UPSTREAM_UNAVAILABLE, and the tenant sees one 429 and no early retry.
func TestLong429AnsweredAtOnce(t *testing.T) {
	gw := gatewaytest.New(t, gatewaytest.Options{
		Tenant: simtenant.Options{Identities: 60, RateLimit: 20, RateWindow: 10 * time.Second},
		Budget: ratelimit.Rate{N: 100, Per: 10 * time.Second},
		Config: func(c *config.Config) { c.UpstreamTimeout = 5 * time.Second },
	})
	ids := gw.IdentityIDs(27) // straight from the tenant: spends one of its 20
	limited := 0
	for i, id := range ids {
		start := time.Now()
		r := gw.Query(fmt.Sprintf(`{ identity(id: %q) { displayName } }`, id), nil)
		took := time.Since(start)
		switch {
		case len(r.Errors) == 0 && r.Data != nil:
		case len(r.Errors) == 1 && r.Errors[0].Code() == "RATE_LIMITED" && r.Errors[0].Extensions["retryAfterSeconds"].(float64) >= 1:
			limited++
		default:
			t.Fatalf("query %d: %s %+v; want data or RATE_LIMITED", i+1, r.Data, r.Errors)
		}
		// Half the deadline: the bug waited it out (5.04 s).
		if took > 2500*time.Millisecond {
			t.Fatalf("query %d took %s: it waited for the deadline", i+1, took)
		}
	}
	st := gw.Tenant.Stats()
	if limited < 7 || st.Sent429 != 1 || st.EarlyRetries != 0 {
		t.Fatalf("%d answers RATE_LIMITED; the tenant sent %d 429s and saw %d early retries (want ≥7, 1, 0)", limited, st.Sent429, st.EarlyRetries)
	}
}

// With the tenant failing every call and stale answers in the cache, the
// circuit opens after the configured failures: from then on a query makes
// no upstream call at all and is answered from the cache, marked stale;
// what the cache does not hold fails fast with UPSTREAM_UNAVAILABLE and a
// retry hint.
func TestOpenCircuitServesStaleWithoutCalls(t *testing.T) {
	clk := clocktest.New(time.Now())
	gw := gatewaytest.New(t, gatewaytest.Options{
		Tenant: simtenant.Options{Identities: 40},
		Clock:  clk.Now,
		Config: func(c *config.Config) { c.BreakerFailures = 2; c.BreakerCoolOff = time.Minute },
	})
	ids := gw.IdentityIDs(6)
	page := func(id string) string {
		return fmt.Sprintf(`{ identity(id: %q) { displayName accessItems(first: 3) { nodes { id } } } }`, id)
	}
	want := map[string]json.RawMessage{}
	for _, id := range ids {
		r := gw.Query(page(id), nil)
		if len(r.Errors) > 0 {
			t.Fatalf("warm-up: %+v", r.Errors)
		}
		want[id] = r.Data
	}
	clk.Advance(20 * time.Minute) // past fresh and revalidate, inside the grace
	gw.Tenant.SetFailureRate(1)
	for i, id := range ids {
		before := gw.Calls.Total()
		r := gw.Query(page(id), nil)
		calls := gw.Calls.Total() - before
		if len(r.Errors) > 0 || string(r.Data) != string(want[id]) || r.Extensions["stale"] == nil {
			t.Fatalf("query %d: %+v %v; want the stale page", i, r.Errors, r.Extensions)
		}
		if i >= 2 && calls != 0 { // the circuit opened after two failed calls
			t.Fatalf("query %d with the circuit open made %d upstream calls", i, calls)
		}
	}
	before := gw.Calls.Total()
	r := gw.Query(`{ identity(id: "never-cached") { displayName } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].Code() != "UPSTREAM_UNAVAILABLE" || r.Errors[0].Extensions["retryAfterSeconds"] == nil || gw.Calls.Total() != before {
		t.Fatalf("uncached read with the circuit open: %+v, %d calls", r.Errors, gw.Calls.Total()-before)
	}
}

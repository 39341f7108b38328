package gateway

import (
	"context"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

// The job watchers read the headroom of the very budget their polls
// spend: the principal's key and the operation's API.
func TestHeadroomOfTheBudgetPollsSpend(t *testing.T) {
	// A bucket refilled every few minutes: spent, it stays spent.
	rate := ratelimit.Rate{N: 40, Per: time.Hour}
	burst := rate.Bucket().Burst
	lim := ratelimit.NewMemory(rate)
	headroom := headroomOf(lim, isc.FixedGeneration(op.Legacy))
	p := principal.ForClient("acme.api.identitynow.com", "client")
	ctx := context.Background()
	for range burst {
		_ = lim.Wait(ctx, ratelimit.Key{ClientID: p.Key(), API: "v2024"})
	}
	if h, ok := headroom(ctx, p, op.GetReportResult); !ok || h >= 0.2 {
		t.Fatalf("reports' budget (v2024) after a burst: %v %v, want busy", h, ok)
	}
	if h, ok := headroom(ctx, p, op.GetTaskStatusList); !ok || h != 1 {
		t.Fatalf("tasks' budget (beta), unused: %v %v, want 1", h, ok)
	}
	if h, _ := headroom(ctx, principal.ForClient("acme.api.identitynow.com", "other"), op.GetReportResult); h != 1 {
		t.Fatalf("another client's budget: %v, want 1", h)
	}
	if headroomOf(nil, isc.FixedGeneration(op.Legacy)) != nil {
		t.Fatal("a limiter without Headroom gives a reading")
	}
	// In v1 the same operation spends its own API's budget.
	if h, ok := headroomOf(lim, isc.FixedGeneration(op.V1))(ctx, p, op.GetReportResult); !ok || h != 1 {
		t.Fatalf("reports' v1 budget, unused: %v %v, want 1", h, ok)
	}
	// Look-ahead is off while identity history's budget is busy.
	la := lookAhead(headroom, p)
	if !la(ctx) {
		t.Fatal("look-ahead off with an unused budget")
	}
	for range burst {
		_ = lim.Wait(ctx, ratelimit.Key{ClientID: p.Key(), API: "beta"})
	}
	if la(ctx) {
		t.Fatal("look-ahead on with identity history's budget spent")
	}
}

package gateway_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
	"github.com/sailgraph/sailgraph/ratelimit"
)

// SAILGRAPH_RATE_LIMITS gives an API a budget of its own: when it is
// spent, that API's calls are refused RATE_LIMITED at once while the
// others keep their budget.
func TestBudgetPerAPI(t *testing.T) {
	for _, withRedis := range []bool{false, true} {
		t.Run(fmt.Sprintf("redis=%v", withRedis), func(t *testing.T) {
			g := gatewaytest.New(t, gatewaytest.Options{
				Redis: withRedis,
				Config: func(c *config.Config) {
					c.RateLimits = map[string]ratelimit.Rate{"beta": {N: 3, Per: time.Hour}}
					c.UpstreamTimeout = 2 * time.Second
				},
			})
			ids := g.IdentityIDs(6)
			limited := 0
			for _, id := range ids {
				r := g.Query(fmt.Sprintf(`{ identity(id: %q) { displayName } }`, id), nil)
				if len(r.Errors) == 1 && r.Errors[0].Code() == "RATE_LIMITED" {
					limited++
				}
			}
			if limited < 3 || g.Calls.Count("getHistoricalIdentity") > 3 {
				t.Fatalf("%d refused, %d sent: beta's own budget of 3 did not hold", limited, g.Calls.Count("getHistoricalIdentity"))
			}
			// v2024 (reports) keeps the default budget.
			r := g.Query(`mutation { startReport(input: {reportType: IDENTITIES, identities: {correlatedOnly: true}}) { id } }`, nil)
			if len(r.Errors) > 0 {
				t.Fatalf("v2024 with beta spent: %+v", r.Errors)
			}
		})
	}
}

package graph_test

import (
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/graph"
	"github.com/sailgraph/sailgraph/simtenant"
)

// BenchmarkIdentityPage is one identity page through the gateway: the
// GraphQL request over loopback, five upstream calls to the simulated
// tenant (spec-validated), the mapping and the answer. The tenant budget
// and the caller's fair share (SAILGRAPH_KEY_COST) are raised out of the
// way: the benchmark runs pages faster than 100 calls per 10 s would
// allow, and the gateway would (rightly) refuse them.
func BenchmarkIdentityPage(b *testing.B) {
	e := newEnv(b, simtenant.Options{}, graph.Options{}, func(c *config.Config) {
		c.RateLimit = config.Rate{N: 1 << 20, Per: time.Second}
		c.KeyCost = config.Rate{N: 1 << 20, Per: time.Second}
	})
	id := e.firstIdentity()
	vars := map[string]any{"id": id}
	b.ReportAllocs()
	for b.Loop() {
		var d pageData
		e.mustQuery(identityPage, vars, &d)
	}
}

package graph_test

import (
	"testing"

	"github.com/sailgraph/sailgraph/graph"
	"github.com/sailgraph/sailgraph/simtenant"
)

// BenchmarkIdentityPage is one identity page through the gateway: the
// GraphQL request over loopback, five upstream calls to the simulated
// tenant (spec-validated), the mapping and the answer.
func BenchmarkIdentityPage(b *testing.B) {
	e := newEnv(b, simtenant.Options{}, graph.Options{})
	id := e.firstIdentity()
	vars := map[string]any{"id": id}
	b.ReportAllocs()
	for b.Loop() {
		var d pageData
		e.mustQuery(identityPage, vars, &d)
	}
}

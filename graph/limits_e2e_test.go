package graph_test

import (
	"net/http"
	"testing"

	"github.com/sailgraph/sailgraph/graph"
	"github.com/sailgraph/sailgraph/simtenant"
)

// The README's example queries, and the examples GraphiQL offers, run
// under the default document limits against the simulated tenant the
// README describes (seed 1, 2000 identities) without an error.
func TestExamplesPassTheDefaultLimits(t *testing.T) {
	e := newEnv(t, simtenant.Options{Seed: 1, Identities: 2000}, graph.Options{})
	for _, ex := range exampleDocuments(t) {
		t.Run(ex.name, func(t *testing.T) {
			r := e.query(ex.query, ex.vars)
			if r.status != http.StatusOK || len(r.Errors) > 0 || len(r.Data) == 0 {
				t.Fatalf("%d %+v", r.status, r.Errors)
			}
		})
	}
}

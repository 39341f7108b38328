package resolvers

import (
	"slices"
	"testing"

	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
)

type byFamily map[op.Family]op.Generation

func (b byFamily) Generation(f op.Family) op.Generation { return b[f] }

func TestAPIVersionsFollowTheGenerations(t *testing.T) {
	for _, tc := range []struct {
		gens isc.Generations
		want []string
	}{
		{nil, []string{"beta", "v2024"}},
		{isc.FixedGeneration(op.Legacy), []string{"beta", "v2024"}},
		{isc.FixedGeneration(op.V1), []string{"history-v1", "tasks-v1", "reports-v1", "rolemining-v1"}},
		{byFamily{op.History: op.V1, op.Reports: op.V1}, []string{"beta", "history-v1", "reports-v1"}},
		{byFamily{op.Reports: op.V1}, []string{"beta", "reports-v1"}},
		{byFamily{op.History: op.V1, op.Tasks: op.V1, op.RoleMining: op.V1}, []string{"v2024", "history-v1", "tasks-v1", "rolemining-v1"}},
	} {
		r := &Resolver{Generations: tc.gens}
		if got := r.apiVersions(); !slices.Equal(got, tc.want) {
			t.Errorf("%v: %v, want %v", tc.gens, got, tc.want)
		}
	}
}

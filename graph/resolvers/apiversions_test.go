package resolvers

import (
	"context"
	"errors"
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
		if got, err := r.apiVersions(t.Context()); err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%v: %v, want %v", tc.gens, got, tc.want)
		}
	}
}

// waiting is a context-aware choice: v1 for history, once asked with a
// context; its error is the caller's.
type waiting struct{ err error }

func (w waiting) Generation(op.Family) op.Generation { return op.Legacy }

func (w waiting) GenerationFor(ctx context.Context, f op.Family) (op.Generation, error) {
	if f == op.History {
		return op.V1, w.err
	}
	return op.Legacy, w.err
}

func TestAPIVersionsAskWithTheContext(t *testing.T) {
	r := &Resolver{Generations: waiting{}}
	if got, err := r.apiVersions(t.Context()); err != nil || !slices.Equal(got, []string{"beta", "v2024", "history-v1"}) {
		t.Fatalf("%v %v", got, err)
	}
	r.Generations = waiting{err: context.Canceled}
	if _, err := r.apiVersions(t.Context()); !errors.Is(err, context.Canceled) {
		t.Fatalf("the choice's error was lost: %v", err)
	}
}

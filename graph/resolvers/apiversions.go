package resolvers

import (
	"context"
	"slices"

	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// apiVersions lists the upstream APIs in use now, each once, in op.APIs'
// order: the API each family's generation puts it in ("beta" and "v2024"
// for the legacy trees, "history-v1", "tasks-v1", "reports-v1" and
// "rolemining-v1" for the v1 ones). It follows an automatic choice as it
// changes; while a family's first detection runs, it waits for it (as
// that family's calls do).
func (r *Resolver) apiVersions(ctx context.Context) ([]string, error) {
	inUse := map[op.API]bool{}
	for _, f := range op.Families() {
		gen, err := isc.GenerationFor(ctx, r.Generations, f)
		if err != nil {
			return nil, err
		}
		for _, o := range op.All() {
			if p := o.Path(gen); o.Family == f && p.Served() {
				inUse[p.API] = true
			}
		}
	}
	out := make([]string, 0, len(inUse))
	for _, api := range op.APIs() {
		if inUse[api] {
			out = append(out, string(api))
		}
	}
	return slices.Clip(out), nil
}

package resolvers

import (
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/graph/model"
	"github.com/sailgraph/sailgraph/upstream/isc"
)

// Equal calls give equal keys; any argument that differs, including where
// one value ends and the next begins, gives another.
func TestCallKey(t *testing.T) {
	day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	role := model.AccessItemTypeRole
	yes := true
	keys := []*callKey{
		newKey("op"),
		newKey("op").str("a"),
		newKey("op").str("ab"),
		newKey("op").str("a").str("b"),
		newKey("op").optStr(nil),
		newKey("op").optTime(&day),
		newKey("op").time(day.Add(time.Nanosecond)),
		newKey("op").optBool(&yes),
		newKey("op").boolean(false),
		newKey("op").strs(nil),
		newKey("op").strs([]string{}),
		newKey("op").strs([]string{"a", "b"}),
		keyEnum(newKey("op"), &role),
		keyEnums(newKey("op"), []model.AccessItemType{role}),
		newKey("op").itemFilter(&model.AccessItemFilter{Privileged: &yes}),
		newKey("op").itemFilter(&model.AccessItemFilter{Standalone: &yes}),
		newKey("op").taskFilter(&model.TaskFilter{ID: []string{"t"}}),
		newKey("op").taskFilter(&model.TaskFilter{SourceID: []string{"t"}}),
		newKey("op").paging(isc.Paging{Limit: 250}),
		newKey("op").paging(isc.Paging{Limit: 250, Count: true}),
		newKey("other"),
	}
	seen := map[string]int{}
	for i, k := range keys {
		if j, dup := seen[k.String()]; dup {
			t.Errorf("keys %d and %d are equal: %q", j, i, k)
		}
		seen[k.String()] = i
	}
	if newKey("op").str("a").optTime(&day).String() != newKey("op").str("a").time(day.In(time.FixedZone("x", 3600))).String() {
		t.Error("the same instant in two zones gives two keys")
	}
	base := newKey("op").str("a")
	if p1, p2 := base.clone().paging(isc.Paging{Offset: 0}), base.clone().paging(isc.Paging{Offset: 250}); p1.String() == p2.String() || base.String() != newKey("op").str("a").String() {
		t.Error("pages share a key, or a clone changed its base")
	}
}

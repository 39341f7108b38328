package op_test

import (
	"net/http"
	"testing"

	"github.com/sailgraph/sailgraph/upstream/op"
)

// BenchmarkMatch is the REST side's per-request lookup: a literal-heavy
// legacy path and a v1 path with parameters, in turn.
func BenchmarkMatch(b *testing.B) {
	paths := []string{
		"/beta/historical-identities/2c9180835d2e5168015d32f890ca1581/snapshots/2024-01-01T00:00:00Z/access-items",
		"/task-status/v1/ef38f94347e94562b5bb8424a56397d8",
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := op.Match(http.MethodGet, paths[i%len(paths)]); !ok {
			b.Fatal("no match")
		}
		i++
	}
}

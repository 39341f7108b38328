package transport_test

import (
	"os"
	"testing"

	"github.com/sailgraph/sailgraph/internal/skipreport"
)

// helperEnv, when set, makes the test binary a budget-test replica (see
// budget_test.go) instead of running tests.
const helperEnv = "SAILGRAPH_TRANSPORT_BUDGET_REPLICA"

// TestMain also reports tests skipped for a missing redis-server without
// -v (skipreport).
func TestMain(m *testing.M) {
	if cfg := os.Getenv(helperEnv); cfg != "" {
		os.Exit(budgetReplicaMain(cfg))
	}
	skipreport.Main(m)
}

package transport_test

import (
	"os"
	"testing"
)

// helperEnv, when set, makes the test binary a budget-test replica (see
// budget_test.go) instead of running tests.
const helperEnv = "SAILGRAPH_TRANSPORT_BUDGET_REPLICA"

func TestMain(m *testing.M) {
	if cfg := os.Getenv(helperEnv); cfg != "" {
		os.Exit(budgetReplicaMain(cfg))
	}
	os.Exit(m.Run())
}

package jobs

import (
	"testing"

	"github.com/sailgraph/sailgraph/internal/skipreport"
)

// TestMain reports tests skipped for a missing redis-server without -v.
func TestMain(m *testing.M) { skipreport.Main(m) }

package upstreamspec_test

import (
	"testing"

	"github.com/sailgraph/sailgraph/internal/skipreport"
)

// TestMain reports tests skipped for want of a shared copy to compare with without -v.
func TestMain(m *testing.M) { skipreport.Main(m) }

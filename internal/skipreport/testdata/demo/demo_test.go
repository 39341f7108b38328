// Package demo is run by skipreport's tests through go test itself, to see
// what go test shows of its summary.
package demo

import (
	"testing"

	"github.com/sailgraph/sailgraph/internal/skipreport"
)

func TestMain(m *testing.M) { skipreport.Main(m) }

func TestNeedsTool(t *testing.T) {
	skipreport.Note(t, "demo-tool not found (apt-get install -y demo-tool)")
	t.Error("Note returned")
}

func TestTableNeedsTool(t *testing.T) {
	for _, name := range []string{"a", "b"} {
		t.Run(name, func(t *testing.T) {
			skipreport.Note(t, "demo-tool not found (apt-get install -y demo-tool)")
		})
	}
}

func TestRuns(t *testing.T) {
	if 1+1 != 2 {
		t.Fatal("arithmetic")
	}
}

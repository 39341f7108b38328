// Package skipreport makes a test that cannot run for want of a tool say so
// in go test's default output, not only under -v.
//
// A helper that finds a tool missing (redis-server, Chromium) calls
// Note(t, reason). Under CI (CI set) the test fails: CI installs every
// tool, so a missing one is a broken machine. Elsewhere the test is
// skipped. Either way it is counted, and Main, called from the package's
// TestMain, prints one line per reason after the tests have run:
//
//	sailgraph/cache: 12 tests skipped: redis-server not found (apt-get install -y redis-server)
//
// A package whose tests reach Note adds
//
//	func TestMain(m *testing.M) { skipreport.Main(m) }
//
// go test prints nothing of a passing package's output unless -v is given,
// so on Linux Main also hands the line to the go command's own stderr (see
// tellGo); elsewhere the line shows with -v, -json or when the package
// fails.
package skipreport

import (
	"fmt"
	"io"
	"os"
	"path"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// CI reports whether the tests run under CI, where a missing tool fails the
// test instead of skipping it.
func CI() bool { return os.Getenv("CI") != "" }

// Note ends t because a tool it needs is missing: reason says which and
// how to install it, e.g. "redis-server not found (apt-get install -y
// redis-server)". Under CI the test fails, elsewhere it is skipped; either
// way it counts towards the package's summary line.
func Note(t testing.TB, reason string) {
	t.Helper()
	ci := CI()
	binary.add(t.Name(), reason, ci)
	if ci {
		t.Fatalf("%s; CI must provide it", reason)
	} else {
		t.Skip(reason + hint())
	}
}

// Skip skips t for reason, also under CI, and counts it towards the
// package's summary line: for a skip that is right everywhere (a check
// with nothing to check against), which should still show without -v.
func Skip(t testing.TB, reason string) {
	t.Helper()
	binary.add(t.Name(), reason, false)
	t.Skip(reason + hint())
}

// hint asks for the TestMain without which the skip shows only under -v.
func hint() string {
	if binary.running.Load() {
		return ""
	}
	return " (this package has no TestMain calling skipreport.Main, so go test shows this only with -v)"
}

// Main runs the package's tests, prints the summary and exits with their
// status. Call it from TestMain.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run runs the package's tests and prints the summary; it returns the exit
// code for os.Exit, for a TestMain that has more to do.
func Run(m *testing.M) int {
	binary.running.Store(true)
	code := m.Run()
	binary.running.Store(false)
	lines := binary.summary(packageName())
	if len(lines) > 0 {
		s := strings.Join(lines, "\n") + "\n"
		_, _ = io.WriteString(os.Stderr, s)
		// A failing package's output is printed whole, this line with it.
		if code == 0 && !testing.Verbose() {
			tellGo(s)
		}
	}
	return code
}

// binary is the test binary's record of skips. It has to be package state:
// Note is called deep inside helpers that only have a testing.TB, and Run,
// in TestMain, reads it once every test is done; the process is one
// package's test binary, so the state lives exactly as long as it should.
var binary registry

type registry struct {
	running atomic.Bool

	mu      sync.Mutex
	reasons []*reasonTally // in the order first seen
}

type reasonTally struct {
	reason string
	failed bool // under CI: the tests failed rather than skipped
	tests  map[string]bool
}

func (r *registry) add(name, reason string, failed bool) {
	// Count top-level tests, as go test -v's SKIP lines for the tests a
	// package runs do: a table test skipped in every case is one test.
	top, _, _ := strings.Cut(name, "/")
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rt := range r.reasons {
		if rt.reason == reason && rt.failed == failed {
			rt.tests[top] = true
			return
		}
	}
	r.reasons = append(r.reasons, &reasonTally{reason: reason, failed: failed, tests: map[string]bool{top: true}})
}

// summary returns one line per reason and resets the record.
func (r *registry) summary(pkg string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, rt := range r.reasons {
		noun := "tests"
		if len(rt.tests) == 1 {
			noun = "test"
		}
		verb := "skipped"
		if rt.failed {
			verb = "failed"
		}
		out = append(out, fmt.Sprintf("%s: %d %s %s: %s", pkg, len(rt.tests), noun, verb, rt.reason))
	}
	r.reasons = nil
	return out
}

// packageName names the package under test the short way, module's last
// element first: github.com/sailgraph/sailgraph/cache is sailgraph/cache.
func packageName() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return strings.TrimSuffix(path.Base(os.Args[0]), ".test")
	}
	return shortName(bi.Path, bi.Main.Path)
}

func shortName(binPath, module string) string {
	p := strings.TrimSuffix(binPath, ".test")
	if module != "" && (p == module || strings.HasPrefix(p, module+"/")) {
		return path.Base(module) + strings.TrimPrefix(p, module)
	}
	return p
}

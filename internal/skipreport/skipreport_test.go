package skipreport

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestShortName(t *testing.T) {
	const mod = "github.com/sailgraph/sailgraph"
	for _, c := range []struct{ bin, want string }{
		{mod + "/cache.test", "sailgraph/cache"},
		{mod + "/upstream/transport.test", "sailgraph/upstream/transport"},
		{mod + ".test", "sailgraph"},
		{"example.com/other/pkg.test", "example.com/other/pkg"},
		{mod + "x/cache.test", mod + "x/cache"},
	} {
		if got := shortName(c.bin, mod); got != c.want {
			t.Errorf("shortName(%q) = %q, want %q", c.bin, got, c.want)
		}
	}
}

func TestSummary(t *testing.T) {
	var r registry
	const redis, chrome = "redis-server not found (apt-get install -y redis-server)", "chromium not found (apt-get install -y chromium)"
	r.add("TestA", redis, false)
	r.add("TestB/case1", redis, false)
	r.add("TestB/case2", redis, false) // same top-level test: counted once
	r.add("TestC", chrome, false)
	r.add("TestD", redis, true)
	got := r.summary("sailgraph/cache")
	want := []string{
		"sailgraph/cache: 2 tests skipped: " + redis,
		"sailgraph/cache: 1 test skipped: " + chrome,
		"sailgraph/cache: 1 test failed: " + redis,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("summary:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if again := r.summary("sailgraph/cache"); len(again) != 0 {
		t.Fatalf("summary did not reset: %v", again)
	}
}

// goTest runs the go command on testdata/demo, whose tests call Note, and
// returns what it printed and its exit code.
func goTest(t *testing.T, ci bool, args ...string) (string, int) {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on PATH: %v", err)
	}
	cmd := exec.Command(gobin, append(append([]string{"test", "-count=1"}, args...), "./testdata/demo")...)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CI=") {
			env = append(env, kv)
		}
	}
	if ci {
		env = append(env, "CI=true")
	}
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("go test: %v", err)
		}
		code = ee.ExitCode()
	}
	return string(out), code
}

// TestGoTestShowsSummary runs go test itself, as a developer would, and
// checks what it prints: the one summary line, with or without -v, and a
// failure under CI.
func TestGoTestShowsSummary(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command (-short)")
	}
	const line = "sailgraph/internal/skipreport/testdata/demo: 2 tests skipped: demo-tool not found (apt-get install -y demo-tool)"
	const ok = "ok  \tgithub.com/sailgraph/sailgraph/internal/skipreport/testdata/demo"

	out, code := goTest(t, false)
	if code != 0 || !strings.Contains(out, ok) {
		t.Fatalf("go test without CI: exit %d\n%s", code, out)
	}
	if runtime.GOOS == "linux" {
		// Package list mode drops a passing package's output; the line
		// must show anyway, once.
		if n := strings.Count(out, line); n != 1 {
			t.Errorf("go test (no -v) printed the summary %d times, want once:\n%s", n, out)
		}
	}

	out, code = goTest(t, false, "-v")
	if code != 0 || strings.Count(out, line) != 1 || strings.Count(out, "--- SKIP") != 3 {
		t.Errorf("go test -v: exit %d, want 0 with the summary once and 3 SKIP lines (a test and two subtests; the table test itself passes):\n%s", code, out)
	}

	out, code = goTest(t, true)
	failed := strings.Replace(line, "skipped", "failed", 1)
	if code == 0 || strings.Count(out, failed) != 1 || !strings.Contains(out, "CI must provide it") {
		t.Errorf("go test under CI: exit %d, want a failure naming the missing tool and the summary once:\n%s", code, out)
	}
}

// TestPackagesThatNeedToolsReport keeps the summary from going missing: a
// package whose tests import redistest or browsertest, or a helper package
// that imports them (or are their own tests), needs a TestMain that calls
// skipreport.Main or skipreport.Run.
func TestPackagesThatNeedToolsReport(t *testing.T) {
	const mod = "github.com/sailgraph/sailgraph/"
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not at %s: %v", root, err)
	}
	type pkg struct {
		imports     []string // module packages the non-test files import
		testImports []string // module packages the test files import
		hasTests    bool
		reports     bool
	}
	pkgs := map[string]*pkg{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		dir, _ := filepath.Rel(root, filepath.Dir(p))
		dir = filepath.ToSlash(dir)
		if pkgs[dir] == nil {
			pkgs[dir] = &pkg{}
		}
		pk := pkgs[dir]
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, p, src, parser.ImportsOnly)
		if err != nil {
			return err
		}
		isTest := strings.HasSuffix(p, "_test.go")
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			rel, ok := strings.CutPrefix(path, mod)
			switch {
			case !ok:
			case isTest:
				pk.testImports = append(pk.testImports, rel)
			default:
				pk.imports = append(pk.imports, rel)
			}
		}
		if isTest {
			pk.hasTests = true
			if strings.Contains(string(src), "skipreport.Main(m)") || strings.Contains(string(src), "skipreport.Run(m)") {
				pk.reports = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// needsTool: the package's own code reaches redistest or browsertest.
	memo := map[string]bool{}
	var needsTool func(dir string, seen map[string]bool) bool
	needsTool = func(dir string, seen map[string]bool) bool {
		if v, ok := memo[dir]; ok {
			return v
		}
		if dir == "internal/redistest" || dir == "internal/browsertest" {
			return true
		}
		if seen[dir] || pkgs[dir] == nil {
			return false
		}
		seen[dir] = true
		v := slices.ContainsFunc(pkgs[dir].imports, func(d string) bool { return needsTool(d, seen) })
		memo[dir] = v
		return v
	}
	var needing, missing []string
	for dir, p := range pkgs {
		if !p.hasTests {
			continue
		}
		if needsTool(dir, map[string]bool{}) || slices.ContainsFunc(p.testImports, func(d string) bool { return needsTool(d, map[string]bool{}) }) {
			needing = append(needing, dir)
			if !p.reports {
				missing = append(missing, dir)
			}
		}
	}
	slices.Sort(missing)
	if len(needing) < 10 {
		t.Fatalf("found only %d packages using redistest or browsertest (%v): the scan is broken", len(needing), needing)
	}
	if len(missing) > 0 {
		t.Errorf("these packages' tests need redis-server or Chromium but no TestMain calls skipreport.Main or skipreport.Run, so their skips show only with -v: %v", missing)
	}
}

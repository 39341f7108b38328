package upstreamspec_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sailgraph/sailgraph/internal/skipreport"
	"github.com/sailgraph/sailgraph/internal/upstreamspec"
)

func TestNames(t *testing.T) {
	want := []string{"beta.yaml", "v1/iai-role-mining.yaml", "v1/identity-history.yaml", "v1/reports-data-extraction.yaml", "v1/task-management.yaml", "v2024.yaml"}
	if got := upstreamspec.Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	for _, n := range want {
		f, err := upstreamspec.Open(n)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.Stat()
		_ = f.Close()
		if err != nil || st.Size() < 10_000 {
			t.Errorf("%s: %v, %d bytes", n, err, st.Size())
		}
		b, err := upstreamspec.ReadFile(n)
		if err != nil || !bytes.Contains(b, []byte("\nopenapi: 3.")) {
			t.Errorf("%s does not read as an OpenAPI document: %v %.40q", n, err, b)
		}
	}
	if _, err := upstreamspec.Open("SOURCE.md"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("only the YAML files are embedded; Open(SOURCE.md) = %v", err)
	}
}

// reference finds the team's shared copy the vendored files must equal: a
// shared/upstream-spec beside the checkout (or beside any folder above
// it, for worktrees). SAILGRAPH_SPEC_DIR is not it: that names a spec to
// test the clients against instead of this copy (a newer one, say), which
// is expected to differ.
func reference(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		cand := filepath.Join(d, "shared", "upstream-spec")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

func TestIdenticalToSharedCopy(t *testing.T) {
	ref := reference(t)
	if ref == "" {
		// Right in a clone with nothing beside it, CI included; counted so
		// that it shows without -v.
		skipreport.Skip(t, "no shared/upstream-spec above the checkout: nothing to compare the vendored copy with")
	}
	var refNames []string
	err := filepath.WalkDir(ref, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		rel, err := filepath.Rel(ref, p)
		refNames = append(refNames, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	if got := upstreamspec.Names(); !slices.Equal(got, refNames) {
		t.Errorf("vendored files %v, %s has %v", got, ref, refNames)
	}
	for _, n := range refNames {
		want, err := os.ReadFile(filepath.Join(ref, filepath.FromSlash(n)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := upstreamspec.ReadFile(n)
		if err != nil {
			t.Errorf("%s is in %s but not vendored", n, ref)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("internal/upstreamspec/%s differs from %s/%s: copy the shared file over it (and update SOURCE.md)", n, ref, n)
		}
	}
	// SOURCE.md is the shared one plus a section about this copy.
	src, err := os.ReadFile("SOURCE.md")
	if err != nil {
		t.Fatal(err)
	}
	refSrc, err := os.ReadFile(filepath.Join(ref, "SOURCE.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(src, refSrc) {
		t.Errorf("internal/upstreamspec/SOURCE.md does not begin with %s/SOURCE.md", ref)
	}
}

// Package upstreamspec is sailgraph's copy of SailPoint's OpenAPI text: the
// contract the upstream clients are written against and the simulated
// tenant serves. SOURCE.md says where each file came from and how it was
// cut; LICENSE is upstream's licence.
//
// The files are embedded so that the contract tests run in a clone with
// nothing beside it. The copy is kept byte-identical to the team's
// shared/upstream-spec; the package's test and .ci/run check that when the
// shared folder is there.
package upstreamspec

import (
	"embed"
	"io/fs"
)

//go:embed beta.yaml v2024.yaml v1/*.yaml
var files embed.FS

// FS returns the spec files, laid out as in shared/upstream-spec:
// beta.yaml, v2024.yaml and v1/<api>.yaml.
func FS() fs.FS { return files }

// Open opens one spec file by its slash-separated name, e.g. "beta.yaml" or
// "v1/task-management.yaml".
func Open(name string) (fs.File, error) { return files.Open(name) }

// ReadFile returns the contents of one spec file.
func ReadFile(name string) ([]byte, error) { return files.ReadFile(name) }

// Names lists the spec files, sorted.
func Names() []string {
	var out []string
	// WalkDir visits in lexical order and cannot fail on an embed.FS that
	// compiled.
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return err
	})
	return out
}

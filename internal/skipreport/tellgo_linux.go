package skipreport

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// tellGo writes s to the go command's stderr when go test would otherwise
// drop it. go test in package list mode (go test ./...) buffers a test
// binary's stdout and stderr and throws them away when the package passes
// and -v is not given, so a summary printed by TestMain never shows. The
// parent's stderr is reached through /proc; this is done only when
//   - the parent is the go command (not a shell or a -exec wrapper),
//   - our stdout is not the go command's own stdout (when it is, go test
//     streams our output and the line already shows), and
//   - writing cannot clobber anything: the go command's stderr is a pipe or
//     a terminal, or a file it appends to (a new descriptor on a file the
//     parent writes at its own offset would overwrite, or be overwritten).
func tellGo(s string) {
	parent := "/proc/" + strconv.Itoa(os.Getppid())
	exe, err := os.Readlink(parent + "/exe")
	if err != nil || filepath.Base(exe) != "go" {
		return
	}
	ours, err := os.Stdout.Stat()
	if err != nil {
		return
	}
	if theirs, err := os.Stat(parent + "/fd/1"); err != nil || os.SameFile(ours, theirs) {
		return
	}
	stderr := parent + "/fd/2"
	st, err := os.Stat(stderr)
	if err != nil {
		return
	}
	if st.Mode().IsRegular() && !appends(parent+"/fdinfo/2") {
		return
	}
	f, err := os.OpenFile(stderr, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return
	}
	_, _ = f.WriteString(s)
	_ = f.Close()
}

// appends reads a /proc fdinfo file and reports whether the descriptor was
// opened with O_APPEND.
func appends(fdinfo string) bool {
	f, err := os.Open(fdinfo)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "flags:"); ok {
			flags, err := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
			return err == nil && flags&syscall.O_APPEND != 0
		}
	}
	return false
}

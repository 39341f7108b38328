// Package logtest collects log output in tests that write logs from
// several goroutines.
package logtest

import (
	"bytes"
	"strings"
	"sync"
)

// Buffer is an io.Writer safe for concurrent use; give it to
// slog.NewJSONHandler and read what was logged.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Count counts the non-overlapping occurrences of substr written so far.
func (b *Buffer) Count(substr string) int { return strings.Count(b.String(), substr) }

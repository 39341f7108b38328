package simtenant

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
)

// SetReportFileBytes makes every CSV report file served from now on
// exactly n bytes long; n <= 0 restores files of their natural size. Such
// a file is the report's own CSV followed by its rows over and over, cut at
// n bytes (possibly mid-row), and it is generated as it is written, so a
// file of any size costs the tenant a few kilobytes of memory. It sends a
// Content-Length. Tests use it to stream large downloads; PDF files keep
// their natural size.
func (t *Tenant) SetReportFileBytes(n int64) {
	t.reports.fileBytes.Store(max(n, 0))
}

// writeSizedCSV writes the table's CSV padded with its repeated rows to
// exactly size bytes.
func writeSizedCSV(w http.ResponseWriter, table reportTable, size int64) {
	var head, rows bytes.Buffer // writes to a bytes.Buffer cannot fail
	_ = writeCSV(&head, reportTable{columns: table.columns})
	_ = writeCSVRows(&rows, table.rows)
	if rows.Len() == 0 {
		rows.WriteString("\n")
	}
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.WriteHeader(http.StatusOK)
	body := io.MultiReader(bytes.NewReader(head.Bytes()), bytes.NewReader(rows.Bytes()), &cycle{b: repeatTo(rows.Bytes(), 64<<10)})
	_, _ = io.CopyBuffer(w, io.LimitReader(body, size), make([]byte, 64<<10))
}

// repeatTo repeats b until it is at least n bytes long, so that a cycle
// over it fills a buffer in a few copies.
func repeatTo(b []byte, n int) []byte {
	if len(b) >= n {
		return b
	}
	return bytes.Repeat(b, n/len(b)+1)
}

// cycle reads b over and over, forever.
type cycle struct {
	b   []byte
	off int
}

func (c *cycle) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], c.b[c.off:])
		n += k
		c.off = (c.off + k) % len(c.b)
	}
	return n, nil
}

package simtenant

import (
	"encoding/csv"
	"io"
	"net/http"
	"strings"
)

// writeReportFile streams a report's table as a CSV or PDF attachment.
// The headers are flushed before the body so that the client sees the
// download start at once; an error after that can only cut the stream
// short, which the client notices as a truncated body.
//
// size > 0 makes a CSV file exactly that long (see SetReportFileBytes).
func writeReportFile(w http.ResponseWriter, run *reportRun, format, name string, size int64) {
	ext, ctype := "csv", "application/csv"
	if format == "PDF" {
		ext, ctype = "pdf", "application/pdf"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment;filename="`+safeFilename(name)+"."+ext+`"`)
	if ext == "csv" && size > 0 {
		writeSizedCSV(w, run.table, size)
		return
	}
	w.WriteHeader(http.StatusOK)
	_ = http.NewResponseController(w).Flush()
	if ext == "pdf" {
		_ = writePDF(w, run.typ.taskDefName, run.table)
		return
	}
	_ = writeCSV(w, run.table)
}

func writeCSV(w io.Writer, t reportTable) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.columns); err != nil {
		return err
	}
	return cw.WriteAll(t.rows) // flushes
}

// writeCSVRows writes rows as CSV without a header line.
func writeCSVRows(w io.Writer, rows [][]string) error {
	return csv.NewWriter(w).WriteAll(rows)
}

// safeFilename keeps a file name printable ASCII without quotes or
// backslashes, so it can sit inside a quoted Content-Disposition value.
func safeFilename(name string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
}

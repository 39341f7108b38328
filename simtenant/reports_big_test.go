package simtenant

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestSetReportFileBytes(t *testing.T) {
	h, clock := newTaskHarness(t)
	id := startReportOK(t, h, `{"reportType":"IDENTITIES","arguments":{}}`)["id"].(string)
	clock.Advance(3 * time.Second)
	_, _, natural := h.do(http.MethodGet, "/v2024/reports/"+id+"?fileFormat=csv", "", "")
	if len(natural) == 0 {
		t.Fatal("empty natural file")
	}
	for _, size := range []int64{1, int64(len(natural)) - 1, 3*int64(len(natural)) + 17, 5 << 20} {
		h.tn.SetReportFileBytes(size)
		status, hdr, b := h.do(http.MethodGet, "/v2024/reports/"+id+"?fileFormat=csv", "", "")
		if status != http.StatusOK || int64(len(b)) != size || hdr.Get("Content-Length") != strconv.FormatInt(size, 10) {
			t.Fatalf("size %d: status %d, %d bytes, Content-Length %q", size, status, len(b), hdr.Get("Content-Length"))
		}
		if n := min(len(b), len(natural)); !bytes.Equal(b[:n], natural[:n]) {
			t.Fatalf("size %d: the file does not start with the report's own CSV", size)
		}
		if size > int64(len(natural)) {
			// After the report come its rows again, header excluded.
			header := natural[:bytes.IndexByte(natural, '\n')+1]
			rows := natural[len(header):]
			if rest := b[len(natural):]; !bytes.HasPrefix(rest, rows[:min(len(rows), len(rest))]) {
				t.Fatalf("size %d: padding is not the report's rows", size)
			}
		}
	}
	if _, _, b := h.do(http.MethodGet, "/v2024/reports/"+id+"?fileFormat=pdf", "", ""); !bytes.HasPrefix(b, []byte("%PDF")) || int64(len(b)) == 5<<20 {
		t.Fatalf("a PDF was resized or broken: %d bytes", len(b))
	}
	h.tn.SetReportFileBytes(0)
	if _, _, b := h.do(http.MethodGet, "/v2024/reports/"+id+"?fileFormat=csv", "", ""); !bytes.Equal(b, natural) {
		t.Fatalf("SetReportFileBytes(0) did not restore the natural file: %d bytes, want %d", len(b), len(natural))
	}
}

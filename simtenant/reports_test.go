package simtenant

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// reportIdentities is a small hand-made roster for the row rules.
func reportIdentities() []*identity {
	gone := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	return []*identity{
		{ID: "id-ada", DisplayName: "Ada Lovelace", FirstName: "Ada", LastName: "Lovelace", Active: true},
		{ID: "id-alan", DisplayName: "Alan Turing", FirstName: "Alan", LastName: "Turing", Active: false},
		{ID: "id-grace", DisplayName: "Grace Hopper", FirstName: "Grace", LastName: "Hopper", Active: false, DeletedDate: &gone},
		{ID: "id-svc", DisplayName: "svc-backup (prod)", Active: true},
	}
}

func newTestRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

func runTable(t *testing.T, typ string, args reportArgs) reportTable {
	t.Helper()
	rt := newReportStore(1, time.Second).reportType(typ)
	if rt == nil {
		t.Fatalf("no report type %s", typ)
	}
	return rt.table(reportInput{identities: reportIdentities(), args: args, rng: newTestRand(), now: time.Now()})
}

func column(tb reportTable, name string) []string {
	i := slices.Index(tb.columns, name)
	out := make([]string, len(tb.rows))
	for r, row := range tb.rows {
		out[r] = row[i]
	}
	return out
}

func TestReportTables(t *testing.T) {
	all := []string{"id-ada", "id-alan", "id-grace", "id-svc"}
	cases := []struct {
		typ    string
		args   reportArgs
		col    string
		want   []string
		wantFn func(reportTable) error
	}{
		{typ: "IDENTITIES", col: "Identity ID", want: all},
		{typ: "IDENTITIES", args: reportArgs{CorrelatedOnly: true}, col: "Identity ID", want: []string{"id-ada", "id-alan", "id-svc"}},
		{typ: "IDENTITIES_DETAILS", args: reportArgs{CorrelatedOnly: false}, col: "Email",
			want: []string{"ada.lovelace@example.com", "alan.turing@example.com", "grace.hopper@example.com", "idsvc@example.com"}},
		{typ: "IDENTITIES_DETAILS", col: "Lifecycle State", want: []string{"active", "inactive", "deleted", "active"}},
		{typ: "ORPHAN_IDENTITIES", col: "Identity ID", want: []string{"id-alan", "id-grace"}},
		{typ: "ACCOUNTS", args: reportArgs{Application: "src1", SourceName: "Active Directory"}, col: "Account Name",
			want: []string{"ada.lovelace", "alan.turing", "idsvc"}},
		{typ: "ACCOUNTS", args: reportArgs{Application: "src1", SourceName: "Active Directory"}, col: "Disabled",
			want: []string{"false", "true", "false"}},
		{typ: "SEARCH_EXPORT", args: reportArgs{Query: "*"}, col: "id", want: all},
		{typ: "SEARCH_EXPORT", args: reportArgs{Query: "firstName:A*", Sort: []string{"-displayName"}}, col: "id", want: []string{"id-alan", "id-ada"}},
		{typ: "SEARCH_EXPORT", args: reportArgs{Query: "lastname:hopper"}, col: "id", want: []string{"id-grace"}},
		{typ: "SEARCH_EXPORT", args: reportArgs{Query: "turing"}, col: "id", want: []string{"id-alan"}},
		{typ: "SEARCH_EXPORT", args: reportArgs{Query: "*", Indices: []string{"roles"}}, col: "id", want: []string{}},
		{typ: "SEARCH_EXPORT", args: reportArgs{Query: "*", Columns: "displayName, nope", Sort: []string{"+displayName"}}, col: "displayName",
			want: []string{"Ada Lovelace", "Alan Turing", "Grace Hopper", "svc-backup (prod)"}},
		{typ: "UNCORRELATED_ACCOUNTS", wantFn: func(tb reportTable) error {
			if len(tb.rows) < 3 || len(tb.rows) > 20 {
				return fmt.Errorf("%d uncorrelated accounts, want 3 to 20", len(tb.rows))
			}
			return nil
		}},
		{typ: "IDENTITY_PROFILE_IDENTITY_ERROR", args: reportArgs{AuthoritativeSource: "hr"}, wantFn: func(tb reportTable) error {
			for _, row := range tb.rows {
				if row[0] != "hr" || !slices.Contains(all, row[1]) || row[3] == "" {
					return fmt.Errorf("row %v", row)
				}
			}
			return nil
		}},
	}
	for _, c := range cases {
		tb := runTable(t, c.typ, c.args)
		for _, row := range tb.rows {
			if len(row) != len(tb.columns) {
				t.Fatalf("%s: row %v has %d cells for %d columns", c.typ, row, len(row), len(tb.columns))
			}
		}
		if c.wantFn != nil {
			if err := c.wantFn(tb); err != nil {
				t.Errorf("%s %+v: %v", c.typ, c.args, err)
			}
			continue
		}
		if got := column(tb, c.col); !slices.Equal(got, c.want) {
			t.Errorf("%s %+v: %s = %q, want %q", c.typ, c.args, c.col, got, c.want)
		}
	}
	tb := runTable(t, "SEARCH_EXPORT", reportArgs{Query: "*", Columns: "displayName, nope"})
	if !slices.Equal(tb.columns, []string{"displayName", "nope"}) || tb.rows[0][1] != "" {
		t.Errorf("columns: %q, first row %q", tb.columns, tb.rows[0])
	}
}

func TestParseReportArgs(t *testing.T) {
	s := newReportStore(1, time.Second)
	good := map[string]string{
		"ACCOUNTS":                        `{"application":"2c91","sourceName":"AD"}`,
		"IDENTITIES_DETAILS":              `{"correlatedOnly":false}`,
		"IDENTITIES":                      ``,
		"IDENTITY_PROFILE_IDENTITY_ERROR": `{"authoritativeSource":"2c92"}`,
		"ORPHAN_IDENTITIES":               `{"selectedFormats":["PDF"]}`,
		"SEARCH_EXPORT":                   `{"indices":["identities"],"query":"name:a*","columns":"id","sort":["+displayName"]}`,
		"UNCORRELATED_ACCOUNTS":           `null`,
	}
	for typ, raw := range good {
		if _, err := parseReportArgs(s.reportType(typ), json.RawMessage(raw)); err != nil {
			t.Errorf("%s %s: %v", typ, raw, err.text)
		}
	}
	bad := []struct{ typ, raw, mention string }{
		{"ACCOUNTS", `{"application":"2c91"}`, "sourceName"},
		{"ACCOUNTS", `{"application":"2c91","sourceName":""}`, "sourceName"},
		{"ACCOUNTS", `{"application":"2c91","sourceName":"AD","query":"x"}`, "query"},
		{"ACCOUNTS", `{"application":1,"sourceName":"AD"}`, "application"},
		{"IDENTITIES_DETAILS", `{}`, "correlatedOnly"},
		{"IDENTITIES_DETAILS", `{"correlatedOnly":null}`, "correlatedOnly"},
		{"IDENTITIES_DETAILS", `{"correlatedOnly":"yes"}`, "correlatedOnly"},
		{"IDENTITY_PROFILE_IDENTITY_ERROR", ``, "authoritativeSource"},
		{"ORPHAN_IDENTITIES", `{"selectedFormats":["XLS"]}`, "XLS"},
		{"SEARCH_EXPORT", `{"indices":["identities"]}`, "query"},
		{"SEARCH_EXPORT", `{"query":"*","indices":["people"]}`, "people"},
		{"SEARCH_EXPORT", `{"query":"*","sort":["salary"]}`, "salary"},
		{"UNCORRELATED_ACCOUNTS", `["CSV"]`, "object"},
	}
	for _, c := range bad {
		_, err := parseReportArgs(s.reportType(c.typ), json.RawMessage(c.raw))
		if err == nil || err.status != http.StatusBadRequest || !strings.Contains(err.text, c.mention) {
			t.Errorf("%s %s: %v, want a 400 mentioning %q", c.typ, c.raw, err, c.mention)
		}
	}
}

func TestWritePDF(t *testing.T) {
	tb := reportTable{columns: []string{"Name", "Note"}}
	for i := range 130 {
		tb.rows = append(tb.rows, []string{fmt.Sprintf("row %03d", i), `paren (x) back\slash café`})
	}
	var buf bytes.Buffer
	if err := writePDF(&buf, "Test Report", tb); err != nil {
		t.Fatal(err)
	}
	pages := checkPDF(t, buf.Bytes())
	if want := (130 + pdfLinesPerPage - 1) / pdfLinesPerPage; pages != want {
		t.Errorf("%d pages, want %d", pages, want)
	}
	for _, s := range []string{"(Test Report - page 1 of 3)", "(row 000", "(row 129", `paren \(x\) back\\slash caf?`} {
		if !bytes.Contains(buf.Bytes(), []byte(s)) {
			t.Errorf("PDF lacks %q", s)
		}
	}
	buf.Reset()
	if err := writePDF(&buf, "Empty", reportTable{columns: []string{"A"}}); err != nil {
		t.Fatal(err)
	}
	if pages := checkPDF(t, buf.Bytes()); pages != 1 {
		t.Errorf("empty report: %d pages", pages)
	}
}

// checkPDF checks the structure a PDF reader relies on: the header, every
// cross-reference offset landing on its object, every stream's /Length,
// startxref pointing at the table. It returns the page count.
func checkPDF(t *testing.T, b []byte) int {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(b, []byte("%%EOF\n")) {
		t.Fatalf("not a PDF 1.4 file: %q ... %q", b[:min(len(b), 16)], b[max(0, len(b)-16):])
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(b[xref:], []byte("xref\n0 ")) {
		t.Fatalf("startxref %d does not point at the xref table", xref)
	}
	var n int
	fmt.Sscanf(string(b[xref:]), "xref\n0 %d", &n)
	entries := regexp.MustCompile(`(\d{10}) 00000 n \n`).FindAllSubmatch(b[xref:], -1)
	if len(entries) != n-1 {
		t.Fatalf("xref has %d entries, header says %d", len(entries), n-1)
	}
	for i, e := range entries {
		off, _ := strconv.Atoi(string(e[1]))
		if want := fmt.Sprintf("%d 0 obj\n", i+1); !bytes.HasPrefix(b[off:], []byte(want)) {
			t.Fatalf("xref entry %d points at %q", i+1, b[off:off+12])
		}
	}
	for _, s := range regexp.MustCompile(`(?s)<< /Length (\d+) >>\nstream\n(.*?)\nendstream`).FindAllSubmatch(b, -1) {
		if l, _ := strconv.Atoi(string(s[1])); l != len(s[2]) {
			t.Fatalf("stream /Length %d, actual %d", l, len(s[2]))
		}
	}
	c := regexp.MustCompile(`/Type /Pages /Kids \[[^\]]*\] /Count (\d+)`).FindSubmatch(b)
	if c == nil {
		t.Fatal("no page tree")
	}
	pages, _ := strconv.Atoi(string(c[1]))
	if got := bytes.Count(b, []byte("/Type /Page /Parent")); got != pages {
		t.Fatalf("/Count %d but %d page objects", pages, got)
	}
	return pages
}

// reportDoc is a ReportResults as a client decodes it.
type reportDoc struct {
	ReportType       string   `json:"reportType"`
	ID               string   `json:"id"`
	Status           *string  `json:"status"`
	Duration         int64    `json:"duration"`
	Rows             *int64   `json:"rows"`
	AvailableFormats []string `json:"availableFormats"`
}

func startReportOK(t *testing.T, h *harness, body string) map[string]any {
	t.Helper()
	status, _, b := h.do(http.MethodPost, "/v2024/reports/run", body, "application/json")
	if status != http.StatusOK {
		t.Fatalf("startReport %s = %d: %s", body, status, b)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestStartReportRequests(t *testing.T) {
	h, clock := newTaskHarness(t)
	for _, body := range []string{
		`{"reportType":"ACCOUNTS","arguments":{"application":"2c9180897e7742b2017e781782f705b9","sourceName":"Active Directory"}}`,
		`{"reportType":"IDENTITIES_DETAILS","arguments":{"correlatedOnly":true}}`,
		`{"reportType":"IDENTITIES"}`,
		`{"reportType":"IDENTITY_PROFILE_IDENTITY_ERROR","arguments":{"authoritativeSource":"2c9180847de347aa017de8ef09167792"}}`,
		`{"reportType":"ORPHAN_IDENTITIES","arguments":{"selectedFormats":["CSV","PDF"]}}`,
		`{"reportType":"SEARCH_EXPORT","arguments":{"indices":["identities"],"query":"attributes.city:London","columns":"displayName,email","sort":["+displayName"]}}`,
		`{"reportType":"UNCORRELATED_ACCOUNTS","arguments":{"selectedFormats":["CSV"]}}`,
	} {
		var want struct{ ReportType string }
		_ = json.Unmarshal([]byte(body), &want)
		got := startReportOK(t, h, body)
		if got["reportType"] != want.ReportType || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(fmt.Sprint(got["id"])) ||
			got["completionStatus"] != nil || got["completed"] != nil || got["created"] != formatTime(clock.Now()) ||
			got["launcher"] != DefaultClientID {
			t.Errorf("%s: %v", body, got)
		}
	}
	for _, c := range []struct{ body, mention string }{
		{`{}`, "reportType"},
		{`{"reportType":"ACCOUNTS","arguments":{"application":"x"}}`, "sourceName"},
		{`{"reportType":"ACCOUNTS","arguments":{"application":"x","sourceName":"AD","query":"*"}}`, `"query" does not apply`},
		{`{"reportType":"SEARCH_EXPORT","arguments":{"columns":"id"}}`, "query"},
		{`{"reportType":"IDENTITIES_DETAILS"}`, "correlatedOnly"},
		{`{"reportType":"ORPHAN_IDENTITIES","arguments":{"selectedFormats":["DOCX"]}}`, "DOCX"},
	} {
		status, _, b := h.do(http.MethodPost, "/v2024/reports/run", c.body, "application/json")
		if status != http.StatusBadRequest || !bytes.Contains(b, []byte(strings.ReplaceAll(c.mention, `"`, `\"`))) {
			t.Errorf("%s: %d %s", c.body, status, b)
		}
	}
	// Outside the contract: the validating client would refuse to send these.
	for _, c := range []struct{ body, ctype string }{
		{`{"reportType":"PAYROLL"}`, "application/json"},
		{`{"reportType":"IDENTITIES"`, "application/json"},
		{`{"reportType":"IDENTITIES"}`, "text/plain"},
	} {
		if status, _, b := h.send(h.raw, http.MethodPost, "/v2024/reports/run", c.body, c.ctype); status != http.StatusBadRequest {
			t.Errorf("%s (%s): %d %s", c.body, c.ctype, status, b)
		}
	}
}

func TestReportResultLifecycle(t *testing.T) {
	h, clock := newTaskHarness(t)
	run := startReportOK(t, h, `{"reportType":"IDENTITIES"}`)
	id := run["id"].(string)

	var raw map[string]any
	h.get("/v2024/reports/"+id+"/result", http.StatusOK, &raw)
	if _, has := raw["status"]; has {
		t.Fatalf("a running report has a status: %v", raw)
	}
	if _, has := raw["rows"]; has {
		t.Fatalf("a running report has rows: %v", raw)
	}
	// A concurrent twin is the same run, as ISC's non-concurrent tasks are.
	if again := startReportOK(t, h, `{"reportType":"IDENTITIES","arguments":{"correlatedOnly":false}}`); again["id"] != id {
		t.Fatalf("a second identical run while the first runs got id %v, want %s", again["id"], id)
	}
	if other := startReportOK(t, h, `{"reportType":"IDENTITIES","arguments":{"correlatedOnly":true}}`); other["id"] == id {
		t.Fatal("a run with other arguments reused the running one")
	}
	status, _, _ := h.do(http.MethodGet, "/v2024/reports/"+id+"?fileFormat=csv", "", "")
	if status != http.StatusNotFound {
		t.Fatalf("file of a running report: %d", status)
	}

	clock.Advance(2999 * time.Millisecond)
	var doc reportDoc
	h.get("/v2024/reports/"+id+"/result?completed=true", http.StatusOK, &doc)
	if doc.Status != nil || doc.Duration != 2999 {
		t.Fatalf("just before the report duration: %+v", doc)
	}
	clock.Advance(time.Millisecond)
	h.get("/v2024/reports/"+id+"/result", http.StatusOK, &doc)
	want := len(h.tn.history.listIdentities())
	if doc.Status == nil || *doc.Status != reportSuccess || doc.Rows == nil || *doc.Rows != int64(want) ||
		doc.Duration != 3000 || !slices.Equal(doc.AvailableFormats, []string{"CSV", "PDF"}) || doc.ReportType != "IDENTITIES" {
		t.Fatalf("after the report duration: %+v (want %d rows)", doc, want)
	}
	if again := startReportOK(t, h, `{"reportType":"IDENTITIES"}`); again["id"] == id {
		t.Fatal("a run after the first finished reused it")
	}

	status, _, b := h.do(http.MethodPost, "/v2024/reports/"+id+"/cancel", "", "")
	if status != http.StatusBadRequest {
		t.Fatalf("cancel of a finished report: %d %s", status, b)
	}
}

func TestReportCancelAndUnknownIDs(t *testing.T) {
	h, clock := newTaskHarness(t)
	id := startReportOK(t, h, `{"reportType":"ORPHAN_IDENTITIES"}`)["id"].(string)
	clock.Advance(time.Second)
	if status, _, b := h.do(http.MethodPost, "/v2024/reports/"+id+"/cancel", "", ""); status != http.StatusNoContent || len(b) != 0 {
		t.Fatalf("cancel: %d %s", status, b)
	}
	clock.Advance(10 * time.Minute) // long past the report duration: it stays terminated
	var doc reportDoc
	h.get("/v2024/reports/"+id+"/result", http.StatusOK, &doc)
	if doc.Status == nil || *doc.Status != reportTerminated || doc.Duration != 1000 || doc.Rows != nil {
		t.Fatalf("after cancel: %+v", doc)
	}
	if status, _, b := h.do(http.MethodPost, "/v2024/reports/"+id+"/cancel", "", ""); status != http.StatusBadRequest || !bytes.Contains(b, []byte("TERMINATED")) {
		t.Fatalf("second cancel: %d %s", status, b)
	}
	if status, _, _ := h.do(http.MethodGet, "/v2024/reports/"+id+"?fileFormat=csv", "", ""); status != http.StatusNotFound {
		t.Fatalf("file of a terminated report: %d", status)
	}

	const unknown = "0123456789abcdef0123456789abcdef"
	h.get("/v2024/reports/"+unknown+"/result", http.StatusNotFound, nil)
	h.get("/v2024/reports/"+unknown+"?fileFormat=pdf", http.StatusNotFound, nil)
	if status, _, _ := h.do(http.MethodPost, "/v2024/reports/"+unknown+"/cancel", "", ""); status != http.StatusNotFound {
		t.Fatalf("cancel of an unknown report: %d", status)
	}
	for _, q := range []string{"", "?fileFormat=xls", "?fileFormat=csv&auditable=maybe"} {
		if status, _, _ := h.send(h.raw, http.MethodGet, "/v2024/reports/"+id+q, "", ""); status != http.StatusBadRequest {
			t.Errorf("getReport%s: %d", q, status)
		}
	}
	if status, _, _ := h.send(h.raw, http.MethodGet, "/v2024/reports/"+id+"/result?completed=maybe", "", ""); status != http.StatusBadRequest {
		t.Errorf("getReportResult completed=maybe: %d", status)
	}
}

func TestReportFormats(t *testing.T) {
	h, clock := newTaskHarness(t)
	id := startReportOK(t, h, `{"reportType":"UNCORRELATED_ACCOUNTS","arguments":{"selectedFormats":["CSV"]}}`)["id"].(string)
	clock.Advance(3 * time.Second)
	var doc reportDoc
	h.get("/v2024/reports/"+id+"/result", http.StatusOK, &doc)
	if !slices.Equal(doc.AvailableFormats, []string{"CSV"}) || doc.Rows == nil || *doc.Rows < 3 {
		t.Fatalf("result: %+v", doc)
	}
	if status, _, b := h.do(http.MethodGet, "/v2024/reports/"+id+"?fileFormat=pdf", "", ""); status != http.StatusBadRequest {
		t.Fatalf("pdf of a CSV-only report: %d %s", status, b)
	}
	status, hdr, b := h.do(http.MethodGet, "/v2024/reports/"+id+"?fileFormat=csv&auditable=true", "", "")
	if status != http.StatusOK || hdr.Get("Content-Disposition") != `attachment;filename="Uncorrelated Accounts.csv"` {
		t.Fatalf("csv: %d %v", status, hdr)
	}
	records, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || int64(len(records)-1) != *doc.Rows || records[0][0] != "Source Name" {
		t.Fatalf("csv: %d records for %d rows, %v", len(records), *doc.Rows, err)
	}
}

func BenchmarkReportFiles(b *testing.B) {
	var ids []*identity
	for i := range 2000 {
		ids = append(ids, &identity{ID: fmt.Sprintf("%032x", i), DisplayName: fmt.Sprintf("Person %d", i), FirstName: "Person", LastName: strconv.Itoa(i), Active: i%7 != 0})
	}
	rt := newReportStore(1, time.Second).reportType("IDENTITIES_DETAILS")
	tb := rt.table(reportInput{identities: ids, rng: newTestRand(), now: time.Now()})
	b.Run("csv", func(b *testing.B) {
		for b.Loop() {
			if err := writeCSV(io.Discard, tb); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pdf", func(b *testing.B) {
		for b.Loop() {
			if err := writePDF(io.Discard, rt.taskDefName, tb); err != nil {
				b.Fatal(err)
			}
		}
	})
}

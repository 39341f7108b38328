package simtenant

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestAsyncLifecyclesEndToEnd drives a report run, a report cancel and a
// potential-role export from start to file over HTTP, every exchange
// validated against the spec, with the tenant's clock set by the test.
func TestAsyncLifecyclesEndToEnd(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, Options{Now: clock.Now, ReportDuration: 5 * time.Second, ExportStep: 2 * time.Second})

	// Report: run -> running -> SUCCESS -> CSV and PDF files.
	id := startReportOK(t, h, `{"reportType":"IDENTITIES_DETAILS","arguments":{"correlatedOnly":false}}`)["id"].(string)
	var doc reportDoc
	h.get("/v2024/reports/"+id+"/result", http.StatusOK, &doc)
	if doc.Status != nil {
		t.Fatalf("fresh report has status %s", *doc.Status)
	}
	h.get("/v2024/reports/"+id+"?fileFormat=csv", http.StatusNotFound, nil)
	clock.Advance(5 * time.Second)
	h.get("/v2024/reports/"+id+"/result", http.StatusOK, &doc)
	if doc.Status == nil || *doc.Status != reportSuccess {
		t.Fatalf("report after its duration: %+v", doc)
	}

	status, hdr, body := h.do(http.MethodGet, "/v2024/reports/"+id+"?fileFormat=csv", "", "")
	if status != http.StatusOK || hdr.Get("Content-Type") != "application/csv" ||
		hdr.Get("Content-Disposition") != `attachment;filename="Identities Details Report.csv"` {
		t.Fatalf("csv: %d %q %q", status, hdr.Get("Content-Type"), hdr.Get("Content-Disposition"))
	}
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("the report is not CSV: %v", err)
	}
	identities := h.tn.history.listIdentities()
	if len(identities) == 0 {
		t.Fatal("the tenant has no identities to report on")
	}
	if int64(len(records)-1) != *doc.Rows || len(records)-1 != len(identities) {
		t.Fatalf("%d CSV rows, result says %d, roster has %d", len(records)-1, *doc.Rows, len(identities))
	}
	if !slices.Equal(records[0], []string{"Identity ID", "Display Name", "First Name", "Last Name", "Email", "Lifecycle State", "Deleted"}) {
		t.Fatalf("header %q", records[0])
	}
	for i, p := range identities {
		rec := records[i+1]
		if rec[0] != p.ID || rec[1] != p.DisplayName || rec[2] != p.FirstName || rec[3] != p.LastName || rec[5] != lifecycleState(p) {
			t.Fatalf("row %d = %q for identity %+v", i, rec, p)
		}
	}

	status, hdr, body = h.do(http.MethodGet, "/v2024/reports/"+id+"?fileFormat=pdf&name=Quarterly%20identities", "", "")
	if status != http.StatusOK || hdr.Get("Content-Type") != "application/pdf" ||
		hdr.Get("Content-Disposition") != `attachment;filename="Quarterly identities.pdf"` {
		t.Fatalf("pdf: %d %q %q", status, hdr.Get("Content-Type"), hdr.Get("Content-Disposition"))
	}
	checkPDF(t, body)
	if !bytes.Contains(body, []byte(identities[0].ID)) {
		t.Error("the PDF does not show the first identity")
	}

	// Report: run -> cancel -> TERMINATED.
	id = startReportOK(t, h, `{"reportType":"SEARCH_EXPORT","arguments":{"query":"*"}}`)["id"].(string)
	clock.Advance(time.Second)
	if status, _, _ := h.do(http.MethodPost, "/v2024/reports/"+id+"/cancel", "", ""); status != http.StatusNoContent {
		t.Fatalf("cancel: %d", status)
	}
	clock.Advance(5 * time.Second)
	h.get("/v2024/reports/"+id+"/result", http.StatusOK, &doc)
	if doc.Status == nil || *doc.Status != reportTerminated {
		t.Fatalf("cancelled report: %+v", doc)
	}
	h.get("/v2024/reports/"+id+"?fileFormat=csv", http.StatusNotFound, nil)

	// Export: QUEUED -> IN_PROGRESS -> SUCCESS -> zip of CSVs.
	e := startExport(t, h, testSession, testRole, `{"minEntitlementPopularity":20,"includeCommonAccess":true}`)
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if !uuid.MatchString(e.ExportID) || e.Status != exportQueued {
		t.Fatalf("export started as %+v", e)
	}
	statusPath := exportPath(testSession, testRole) + "/" + e.ExportID
	for _, step := range []struct {
		advance time.Duration
		want    string
	}{{0, exportQueued}, {1999 * time.Millisecond, exportQueued}, {time.Millisecond, exportInProgress}, {2 * time.Second, exportSuccess}} {
		clock.Advance(step.advance)
		var got exportDoc
		h.get(statusPath, http.StatusOK, &got)
		if got.Status != step.want || got.ExportID != e.ExportID || got.MinEntitlementPopularity != 20 {
			t.Fatalf("export state %+v, want %s", got, step.want)
		}
		if step.want != exportSuccess {
			h.get(statusPath+"/download", http.StatusBadRequest, nil)
		}
	}
	files := readExportZip(t, h, testSession, testRole, e.ExportID)
	if len(files) != 2 || files["identities.csv"] == nil || files["entitlements.csv"] == nil {
		t.Fatalf("zip holds %d files", len(files))
	}
	known := map[string]bool{}
	for _, p := range identities {
		known[p.ID] = true
	}
	members := files["identities.csv"][1:]
	if len(members) < 5 || len(members) > 40 {
		t.Fatalf("%d members from a roster of %d", len(members), len(identities))
	}
	for _, m := range members {
		if !known[m[0]] {
			t.Fatalf("member %q is not an identity of the tenant", m[0])
		}
	}
	ents := files["entitlements.csv"]
	pop := slices.Index(ents[0], "popularity")
	for _, en := range ents[1:] {
		if p, err := strconv.Atoi(en[pop]); err != nil || p < 20 {
			t.Fatalf("entitlement %q is below the minimum popularity", en)
		}
	}

	covered := h.spec.Covered()
	for _, op := range []string{"startReport", "getReportResult", "cancelReport", "getReport",
		"exportRoleMiningPotentialRoleAsync", "exportRoleMiningPotentialRoleStatus", "downloadRoleMiningPotentialRoleZip"} {
		if covered[op] == 0 {
			t.Errorf("%s was not validated against the spec", op)
		}
	}
}

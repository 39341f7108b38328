package graph_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/cache"
	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
	"github.com/sailgraph/sailgraph/graph"
	"github.com/sailgraph/sailgraph/internal/waittest"
	"github.com/sailgraph/sailgraph/simtenant"
)

type reportData struct {
	ID               string
	ReportType       *string
	TaskDefName      *string
	Created          *time.Time
	State            string
	Status           *string
	DurationMs       *float64
	Rows             *float64
	AvailableFormats []string
	CSV              *string `json:"csv"`
	PDF              *string `json:"pdf"`
}

const reportFields = `id reportType taskDefName created state status durationMs rows availableFormats csv: downloadUrl(format: CSV) pdf: downloadUrl(format: PDF)`

// A report runs from startReport to a downloadable result; a wrong
// combination of type and arguments never reaches the tenant.
func TestReports(t *testing.T) { inEachGeneration(t, testReports) }

func testReports(t *testing.T, gen string) {
	e := newEnvIn(t, gen, simtenant.Options{ReportDuration: 150 * time.Millisecond}, graph.Options{})

	for name, input := range map[string]string{
		"arguments of another type": `{reportType: ACCOUNTS, identities: {correlatedOnly: true}}`,
		"two kinds of arguments":    `{reportType: IDENTITIES, identities: {}, searchExport: {query: "x"}}`,
		"required arguments absent": `{reportType: SEARCH_EXPORT}`,
	} {
		r := e.query(`mutation { startReport(input: `+input+`) { id } }`, nil)
		if err := r.errorAt(t, "startReport"); err.code() != "BAD_USER_INPUT" || !strings.Contains(err.Message, "input.") {
			t.Errorf("%s: %+v", name, err)
		}
		if n := e.calls.Total(); n != 0 {
			t.Errorf("%s: %d upstream calls", name, n)
		}
	}

	var started struct {
		StartReport struct {
			ID               string
			ReportType       string
			Type             *string
			Created          *time.Time
			CompletionStatus *string
			Messages         []struct{ Error bool }
			Report           reportData
		}
	}
	e.mustQuery(`mutation { startReport(input: {reportType: ACCOUNTS, accounts: {application: "2c9180897e7742b2017e781782f705b9", sourceName: "Active Directory"}}) {
		id reportType type created completionStatus messages { error } report { `+reportFields+` } } }`, nil, &started)
	task := started.StartReport
	if task.ID == "" || task.ReportType != "ACCOUNTS" || task.Created == nil || task.CompletionStatus != nil || task.Report.ID != task.ID {
		t.Fatalf("started %+v", task)
	}
	if task.Report.Status != nil || task.Report.CSV != nil || task.Report.State != "RUNNING" {
		t.Errorf("a running report has state %s, status %v and file %v", task.Report.State, task.Report.Status, task.Report.CSV)
	}
	if n := e.calls.Count("startReport"); n != 1 {
		t.Errorf("%d startReport calls", n)
	}

	var done struct{ Report reportData }
	waittest.Until(t, "the report finishing", func() bool {
		e.mustQuery(`query Q($id: ID!) { report(taskResultId: $id) { `+reportFields+` } }`, map[string]any{"id": task.ID}, &done)
		return done.Report.Status != nil
	})
	rep := done.Report
	if str(rep.Status) != "SUCCESS" || rep.State != "SUCCESS" || str(rep.ReportType) != "ACCOUNTS" || rep.Rows == nil || *rep.Rows <= 0 || rep.DurationMs == nil || len(rep.AvailableFormats) == 0 {
		t.Fatalf("finished report %+v", rep)
	}
	wantCSV := "/download/reports/" + task.ID + "?format=csv"
	if rep.CSV == nil || *rep.CSV != wantCSV {
		t.Errorf("CSV download %v, want %s", rep.CSV, wantCSV)
	}
	hasPDF := strings.Contains(strings.Join(rep.AvailableFormats, ","), "PDF")
	if (rep.PDF != nil) != hasPDF {
		t.Errorf("PDF download %v with formats %v", rep.PDF, rep.AvailableFormats)
	}

	r := e.query(`{ report(taskResultId: "0123456789abcdef0123456789abcdef") { id } }`, nil)
	if err := r.errorAt(t, "report"); err.code() != "NOT_FOUND" {
		t.Errorf("unknown report: %+v", err)
	}
}

func TestCancelReport(t *testing.T) { inEachGeneration(t, testCancelReport) }

func testCancelReport(t *testing.T, gen string) {
	e := newEnvIn(t, gen, simtenant.Options{ReportDuration: time.Hour}, graph.Options{})
	var started struct{ StartReport struct{ ID string } }
	e.mustQuery(`mutation { startReport(input: {reportType: IDENTITIES_DETAILS}) { id } }`, nil, &started)
	var cancelled struct{ CancelReport bool }
	e.mustQuery(`mutation M($id: ID!) { cancelReport(taskResultId: $id) }`, map[string]any{"id": started.StartReport.ID}, &cancelled)
	if !cancelled.CancelReport {
		t.Fatal("cancelReport answered false")
	}
	var after struct{ Report reportData }
	e.mustQuery(`query Q($id: ID!) { report(taskResultId: $id) { `+reportFields+` } }`, map[string]any{"id": started.StartReport.ID}, &after)
	if str(after.Report.Status) != "TERMINATED" || after.Report.State != "TERMINATED" || after.Report.CSV != nil {
		t.Errorf("cancelled report %+v", after.Report)
	}
}

// A report the tenant has accepted but not started (its result has no
// start date yet, as the spec allows) is QUEUED, with no status.
func TestQueuedReport(t *testing.T) {
	gw := gatewaytest.New(t, gatewaytest.Options{
		Tenant: simtenant.Options{ReportDuration: time.Hour},
		Config: func(c *config.Config) { c.CachePolicy = must(cache.ParsePolicy(noCache, nil)) },
		// The simulated tenant starts every report at once; this one
		// answers its results as a tenant with a queue would.
		TenantHandler: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/result") {
					next.ServeHTTP(w, r)
					return
				}
				rec := httptest.NewRecorder()
				next.ServeHTTP(rec, r)
				var body map[string]any
				if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil {
					t.Errorf("report result: %d %s", rec.Code, rec.Body)
					return
				}
				delete(body, "created")
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(body)
			})
		},
	})
	r := gw.Query(`mutation { startReport(input: {reportType: IDENTITIES_DETAILS}) { id report { state status } } }`, nil)
	var d struct {
		StartReport struct {
			ID     string
			Report struct {
				State  string
				Status *string
			}
		}
	}
	if len(r.Errors) > 0 || json.Unmarshal(r.Data, &d) != nil {
		t.Fatalf("startReport: %s %+v", r.Data, r.Errors)
	}
	if rep := d.StartReport.Report; rep.State != "QUEUED" || rep.Status != nil {
		t.Errorf("a queued report: state %s, status %v", rep.State, rep.Status)
	}
}

// A potential role export runs from exportPotentialRole to a downloadable
// zip.
func TestRoleMiningExport(t *testing.T) { inEachGeneration(t, testRoleMiningExport) }

func testRoleMiningExport(t *testing.T, gen string) {
	e := newEnvIn(t, gen, simtenant.Options{ExportStep: 50 * time.Millisecond}, graph.Options{})
	const session, role = "8c190e67-87aa-4ed9-a90b-d9d5344523fb", "278359a6-04b7-4669-9468-924cf580964a"
	type export struct {
		ExportID, SessionID, PotentialRoleID, Status string
		MinEntitlementPopularity                     *int
		IncludeCommonAccess                          *bool
		DownloadURL                                  *string
	}
	const fields = `exportId sessionId potentialRoleId status minEntitlementPopularity includeCommonAccess downloadUrl`
	var started struct{ ExportPotentialRole export }
	e.mustQuery(`mutation M($s: ID!, $r: ID!) { exportPotentialRole(sessionId: $s, potentialRoleId: $r, minEntitlementPopularity: 20, includeCommonAccess: false) { `+fields+` } }`,
		map[string]any{"s": session, "r": role}, &started)
	ex := started.ExportPotentialRole
	if ex.ExportID == "" || ex.SessionID != session || ex.PotentialRoleID != role || ex.Status == "SUCCESS" || ex.DownloadURL != nil ||
		ex.MinEntitlementPopularity == nil || *ex.MinEntitlementPopularity != 20 || ex.IncludeCommonAccess == nil || *ex.IncludeCommonAccess {
		t.Fatalf("started %+v", ex)
	}

	var got struct{ RoleMiningExport export }
	vars := map[string]any{"s": session, "r": role, "x": ex.ExportID}
	waittest.Until(t, "the export finishing", func() bool {
		e.mustQuery(`query Q($s: ID!, $r: ID!, $x: ID!) { roleMiningExport(sessionId: $s, potentialRoleId: $r, exportId: $x) { `+fields+` } }`, vars, &got)
		return got.RoleMiningExport.Status == "SUCCESS" || got.RoleMiningExport.Status == "ERROR"
	})
	want := "/download/role-mining/" + session + "/" + role + "/" + ex.ExportID
	if got.RoleMiningExport.Status != "SUCCESS" || got.RoleMiningExport.DownloadURL == nil || *got.RoleMiningExport.DownloadURL != want {
		t.Errorf("finished export %+v, want download at %s", got.RoleMiningExport, want)
	}

	r := e.query(`query Q($s: ID!, $r: ID!) { roleMiningExport(sessionId: $s, potentialRoleId: $r, exportId: "4940ffd4-836f-48a3-b2b0-6d498c3fdf40") { status } }`,
		map[string]any{"s": session, "r": role})
	if err := r.errorAt(t, "roleMiningExport"); err.code() != "NOT_FOUND" {
		t.Errorf("unknown export: %+v", err)
	}
	r = e.query(`query Q($s: ID!, $r: ID!) { roleMiningExport(sessionId: $s, potentialRoleId: $r, exportId: "not-a-uuid") { status } }`,
		map[string]any{"s": session, "r": role})
	if err := r.errorAt(t, "roleMiningExport"); err.code() != "BAD_USER_INPUT" || e.calls.Total() != 0 {
		t.Errorf("malformed export id: %+v, %d calls", err, e.calls.Total())
	}
}

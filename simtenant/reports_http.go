package simtenant

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"slices"
	"strings"
)

// routesReports registers the report operations in both generations:
// /v2024/reports/... and /reports/v1/..., whose specs agree on everything
// but the paths and operation ids. Both serve the one report store.
func (t *Tenant) routesReports(g *registrar) {
	for _, gen := range []struct {
		api          apiSpec
		base, suffix string
	}{{apiV2024, "/v2024/reports", ""}, {apiReportsV1, "/reports/v1", "V1"}} {
		g.handle(gen.api, "POST "+gen.base+"/run", "startReport"+gen.suffix, t.startReport)
		g.handle(gen.api, "GET "+gen.base+"/{taskResultId}/result", "getReportResult"+gen.suffix, t.getReportResult)
		g.handle(gen.api, "POST "+gen.base+"/{id}/cancel", "cancelReport"+gen.suffix, t.cancelReport)
		g.handle(gen.api, "GET "+gen.base+"/{taskResultId}", "getReport"+gen.suffix, t.getReport)
	}
}

// maxReportBody bounds a ReportDetails document.
const maxReportBody = 1 << 20

// startReport runs the report a ReportDetails describes and answers its
// TaskResultDetails.
func (t *Tenant) startReport(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		badRequest("the request body must be JSON with Content-Type application/json, got %q", r.Header.Get("Content-Type")).write(w)
		return
	}
	var details struct {
		ReportType string          `json:"reportType"`
		Arguments  json.RawMessage `json:"arguments"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxReportBody))
	if err := dec.Decode(&details); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			badRequest("the request body is larger than %d bytes", tooBig.Limit).write(w)
			return
		}
		badRequest("the request body is not a ReportDetails object: %v", err).write(w)
		return
	}
	rt := t.reports.reportType(details.ReportType)
	if rt == nil {
		badRequest("reportType must be one of %s, got %q", strings.Join(reportTypeNames(t.reports.types), ", "), details.ReportType).write(w)
		return
	}
	args, err := parseReportArgs(rt, details.Arguments)
	if err != nil {
		err.write(w)
		return
	}
	v := t.reports.start(t.now(), rt, args, clientOf(r), t.history.listIdentities())
	writeJSON(w, http.StatusOK, v.taskResult())
}

func (t *Tenant) getReportResult(w http.ResponseWriter, r *http.Request) {
	// completed only orders ISC's database lookup; it is checked, not used.
	if _, err := parseBool(r.URL.Query(), "completed"); err != nil {
		err.write(w)
		return
	}
	now := t.now()
	v, err := t.reports.view(r.PathValue("taskResultId"), now)
	if err != nil {
		err.write(w)
		return
	}
	writeJSON(w, http.StatusOK, v.results(now))
}

func (t *Tenant) cancelReport(w http.ResponseWriter, r *http.Request) {
	if err := t.reports.cancel(r.PathValue("id"), t.now()); err != nil {
		err.write(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// getReport streams a finished report's file in the format asked for.
func (t *Tenant) getReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	format := strings.ToUpper(q.Get("fileFormat"))
	if !slices.Contains(reportFormats, format) {
		badRequest("fileFormat must be csv or pdf, got %q", q.Get("fileFormat")).write(w)
		return
	}
	// auditable only asks ISC for an audit event; it is checked, not used.
	if _, err := parseBool(q, "auditable"); err != nil {
		err.write(w)
		return
	}
	id := r.PathValue("taskResultId")
	v, err := t.reports.view(id, t.now())
	if err != nil {
		err.write(w)
		return
	}
	switch {
	case v.status == reportRunning:
		noReportFile(id, "is still running: its file is not available yet").write(w)
		return
	case v.status != reportSuccess:
		noReportFile(id, "was "+strings.ToLower(v.status)+" and has no file").write(w)
		return
	case !slices.Contains(v.formats, format):
		badRequest("report %s is available as %s only", id, strings.Join(v.formats, ", ")).write(w)
		return
	}
	name := q.Get("name")
	if name == "" {
		name = v.typ.taskDefName
	}
	writeReportFile(w, v.reportRun, format, name, t.reports.fileBytes.Load())
}

// noReportFile is the 404 for a report that exists but has no file.
func noReportFile(id, why string) *apiError {
	return &apiError{status: http.StatusNotFound, detailCode: "404 Not found", text: "report " + id + " " + why}
}

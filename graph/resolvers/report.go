package resolvers

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/sailgraph/sailgraph/graph/model"
	"github.com/sailgraph/sailgraph/upstream/reports"
	"github.com/sailgraph/sailgraph/upstream/rolemining"
)

// reportArguments checks that input's arguments fit its report type and
// builds the client's typed arguments. A wrong combination is an
// *model.InputError, before any upstream call.
func reportArguments(in model.StartReportInput) (reports.Arguments, error) {
	given := map[string]bool{
		"accounts":                     in.Accounts != nil,
		"identitiesDetails":            in.IdentitiesDetails != nil,
		"identities":                   in.Identities != nil,
		"identityProfileIdentityError": in.IdentityProfileIdentityError != nil,
		"orphanIdentities":             in.OrphanIdentities != nil,
		"searchExport":                 in.SearchExport != nil,
		"uncorrelatedAccounts":         in.UncorrelatedAccounts != nil,
	}
	field, required := argumentsField(in.ReportType)
	for name, set := range given {
		if set && name != field {
			return nil, model.BadInput("input."+name, "does not go with reportType %s; set input.%s instead", in.ReportType, field)
		}
	}
	if required && !given[field] {
		return nil, model.BadInput("input."+field, "a %s report needs its arguments in input.%s", in.ReportType, field)
	}
	switch in.ReportType {
	case model.ReportTypeAccounts:
		return reports.AccountsArgs{Application: in.Accounts.Application, SourceName: in.Accounts.SourceName}, nil
	case model.ReportTypeIdentitiesDetails:
		var a reports.IdentitiesDetailsArgs
		if in.IdentitiesDetails != nil {
			a.CorrelatedOnly = in.IdentitiesDetails.CorrelatedOnly
		}
		return a, nil
	case model.ReportTypeIdentities:
		var a reports.IdentitiesArgs
		if in.Identities != nil && in.Identities.CorrelatedOnly != nil {
			a.CorrelatedOnly = *in.Identities.CorrelatedOnly
		}
		return a, nil
	case model.ReportTypeIdentityProfileIdentityError:
		return reports.IdentityProfileIdentityErrorArgs{AuthoritativeSource: in.IdentityProfileIdentityError.AuthoritativeSource}, nil
	case model.ReportTypeOrphanIdentities:
		var a reports.OrphanIdentitiesArgs
		if in.OrphanIdentities != nil {
			a.SelectedFormats = upstreamFormats(in.OrphanIdentities.SelectedFormats)
		}
		return a, nil
	case model.ReportTypeSearchExport:
		s := in.SearchExport
		a := reports.SearchExportArgs{Query: s.Query, Columns: deref(s.Columns), Sort: s.Sort}
		for _, ix := range s.Indices {
			a.Indices = append(a.Indices, searchIndex(ix))
		}
		return a, nil
	case model.ReportTypeUncorrelatedAccounts:
		var a reports.UncorrelatedAccountsArgs
		if in.UncorrelatedAccounts != nil {
			a.SelectedFormats = upstreamFormats(in.UncorrelatedAccounts.SelectedFormats)
		}
		return a, nil
	}
	return nil, model.BadInput("input.reportType", "unknown report type %s", in.ReportType)
}

// argumentsField names the input field holding t's arguments and whether
// t needs them.
func argumentsField(t model.ReportType) (field string, required bool) {
	switch t {
	case model.ReportTypeAccounts:
		return "accounts", true
	case model.ReportTypeIdentitiesDetails:
		return "identitiesDetails", false
	case model.ReportTypeIdentities:
		return "identities", false
	case model.ReportTypeIdentityProfileIdentityError:
		return "identityProfileIdentityError", true
	case model.ReportTypeOrphanIdentities:
		return "orphanIdentities", false
	case model.ReportTypeSearchExport:
		return "searchExport", true
	case model.ReportTypeUncorrelatedAccounts:
		return "uncorrelatedAccounts", false
	}
	return "", false
}

func searchIndex(ix model.SearchIndex) reports.Index {
	if ix == model.SearchIndexAll {
		return reports.IndexAll
	}
	return reports.Index(strings.ToLower(string(ix)))
}

func upstreamFormats(fs []model.ReportFormat) []reports.Format {
	var out []reports.Format
	for _, f := range fs {
		out = append(out, upstreamFormat(f))
	}
	return out
}

func upstreamFormat(f model.ReportFormat) reports.Format {
	if f == model.ReportFormatPDF {
		return reports.PDF
	}
	return reports.CSV
}

func reportTaskOf(t *reports.TaskResult) *model.ReportTask {
	out := &model.ReportTask{
		ID: t.ID, Type: optional(t.Type), Description: optional(t.Description), ParentName: optional(t.ParentName),
		Launcher: optional(t.Launcher), Launched: t.Launched, Completed: t.Completed,
		CompletionStatus: optional(t.CompletionStatus), Progress: optional(t.Progress),
		Messages: make([]*model.ReportTaskMessage, len(t.Messages)),
	}
	if rt := model.ReportType(t.ReportType); rt.IsValid() {
		out.ReportType = &rt
	}
	if !t.Created.IsZero() {
		created := t.Created
		out.Created = &created
	}
	if t.Attributes != nil {
		out.Attributes = t.Attributes
	}
	for i, m := range t.Messages {
		msg := &model.ReportTaskMessage{Key: optional(m.Key), Text: optional(m.LocalizedText), Error: m.Error, Warning: m.Warning}
		if mt := model.TaskMessageType(m.Type); mt.IsValid() {
			msg.Type = &mt
		}
		out.Messages[i] = msg
	}
	return out
}

// reportOf maps the result of the report run as taskResultID.
func reportOf(taskResultID string, res *reports.Result) *model.Report {
	duration, rows := float64(res.Duration.Milliseconds()), float64(res.Rows)
	out := &model.Report{ID: taskResultID, TaskDefName: optional(res.TaskDefName), DurationMs: &duration, Rows: &rows}
	if rt := model.ReportType(res.ReportType); rt.IsValid() {
		out.ReportType = &rt
	}
	if !res.Created.IsZero() {
		created := res.Created
		out.Created = &created
	}
	out.State = reportState(res)
	if st := model.ReportStatus(res.Status); st.IsValid() {
		out.Status = &st
	}
	for _, f := range res.AvailableFormats {
		switch f {
		case reports.CSV:
			out.AvailableFormats = append(out.AvailableFormats, model.ReportFormatCSV)
		case reports.PDF:
			out.AvailableFormats = append(out.AvailableFormats, model.ReportFormatPDF)
		}
	}
	if out.AvailableFormats == nil {
		out.AvailableFormats = []model.ReportFormat{}
	}
	return out
}

// reportState is where a run stands. ReportResults has a status only once
// the run has ended; before that, its created date ("report processing
// start date" in the spec) tells a run the tenant is processing from one
// it has accepted but not started.
func reportState(res *reports.Result) model.ReportState {
	if st := model.ReportState(res.Status); res.Status != "" && st.IsValid() {
		return st
	}
	if res.Created.IsZero() {
		return model.ReportStateQueued
	}
	return model.ReportStateRunning
}

// reportDownloadURL is where the gateway streams r's file in format, or
// nil when there is none: the report has not finished well, or it lists
// its formats and format is not among them.
func (r *Resolver) reportDownloadURL(rep *model.Report, format model.ReportFormat) *string {
	if rep.Status == nil || (*rep.Status != model.ReportStatusSuccess && *rep.Status != model.ReportStatusWarning) {
		return nil
	}
	if len(rep.AvailableFormats) > 0 && !slices.Contains(rep.AvailableFormats, format) {
		return nil
	}
	u := r.DownloadBase + "/download/reports/" + url.PathEscape(rep.ID) + "?format=" + strings.ToLower(string(format))
	return &u
}

// exportOf maps a role-mining export of role.
func (r *Resolver) exportOf(role rolemining.PotentialRole, e *rolemining.Export) *model.RoleMiningExport {
	minPop, common := e.MinEntitlementPopularity, e.IncludeCommonAccess
	out := &model.RoleMiningExport{
		ExportID: e.ExportID, SessionID: role.SessionID, PotentialRoleID: role.ID,
		Status: model.RoleMiningExportStatus(e.Status), MinEntitlementPopularity: &minPop, IncludeCommonAccess: &common,
	}
	if e.Status == rolemining.StateSuccess {
		u := r.DownloadBase + "/download/role-mining/" + url.PathEscape(role.SessionID) + "/" +
			url.PathEscape(role.ID) + "/" + url.PathEscape(e.ExportID)
		out.DownloadURL = &u
	}
	return out
}

// reportResult is the result of the report run as taskResultID, fetched
// once per request.
func (r *Resolver) reportResult(ctx context.Context, taskResultID string) (*model.Report, error) {
	res, err := once(ctx, newKey("getReportResult").str(taskResultID), func(ctx context.Context) (*reports.Result, error) {
		return r.Reports.GetReportResult(ctx, taskResultID, reports.ResultParams{})
	})
	if err != nil {
		return nil, err
	}
	return reportOf(taskResultID, res), nil
}

package resolvers

import (
	"errors"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/graph/model"
	"github.com/sailgraph/sailgraph/upstream/reports"
	"github.com/sailgraph/sailgraph/upstream/rolemining"
)

func TestReportArguments(t *testing.T) {
	yes := true
	ok := []struct {
		in   model.StartReportInput
		want reports.Arguments
	}{
		{model.StartReportInput{ReportType: model.ReportTypeAccounts, Accounts: &model.AccountsReportArgs{Application: "a", SourceName: "AD"}},
			reports.AccountsArgs{Application: "a", SourceName: "AD"}},
		{model.StartReportInput{ReportType: model.ReportTypeIdentities}, reports.IdentitiesArgs{}},
		{model.StartReportInput{ReportType: model.ReportTypeIdentities, Identities: &model.IdentitiesReportArgs{CorrelatedOnly: &yes}}, reports.IdentitiesArgs{CorrelatedOnly: true}},
		{model.StartReportInput{ReportType: model.ReportTypeIdentitiesDetails}, reports.IdentitiesDetailsArgs{}},
		{model.StartReportInput{ReportType: model.ReportTypeIdentityProfileIdentityError, IdentityProfileIdentityError: &model.IdentityProfileIdentityErrorReportArgs{AuthoritativeSource: "s"}},
			reports.IdentityProfileIdentityErrorArgs{AuthoritativeSource: "s"}},
	}
	for _, tt := range ok {
		got, err := reportArguments(tt.in)
		if err != nil || got.ReportType() != tt.want.ReportType() {
			t.Errorf("%s: %#v, %v", tt.in.ReportType, got, err)
		}
	}
	search, err := reportArguments(model.StartReportInput{ReportType: model.ReportTypeSearchExport, SearchExport: &model.SearchExportReportArgs{
		Query: "name:a*", Indices: []model.SearchIndex{model.SearchIndexIdentities, model.SearchIndexAll},
	}})
	if s, isSearch := search.(reports.SearchExportArgs); err != nil || !isSearch || s.Query != "name:a*" || len(s.Indices) != 2 || s.Indices[0] != reports.IndexIdentities || s.Indices[1] != reports.IndexAll {
		t.Errorf("search export: %#v, %v", search, err)
	}
	orphans, err := reportArguments(model.StartReportInput{ReportType: model.ReportTypeOrphanIdentities, OrphanIdentities: &model.FormatsReportArgs{SelectedFormats: []model.ReportFormat{model.ReportFormatPDF}}})
	if o, isOrphans := orphans.(reports.OrphanIdentitiesArgs); err != nil || !isOrphans || len(o.SelectedFormats) != 1 || o.SelectedFormats[0] != reports.PDF {
		t.Errorf("orphans: %#v, %v", orphans, err)
	}

	bad := map[string]model.StartReportInput{
		"input.identities":   {ReportType: model.ReportTypeAccounts, Accounts: &model.AccountsReportArgs{Application: "a", SourceName: "b"}, Identities: &model.IdentitiesReportArgs{}},
		"input.accounts":     {ReportType: model.ReportTypeAccounts},
		"input.searchExport": {ReportType: model.ReportTypeSearchExport},
	}
	for arg, in := range bad {
		_, err := reportArguments(in)
		var ie *model.InputError
		if !errors.As(err, &ie) || ie.Arg != arg {
			t.Errorf("%s: err %v, want an InputError on %s", in.ReportType, err, arg)
		}
	}
}

func TestDownloadURLs(t *testing.T) {
	r := &Resolver{DownloadBase: "https://gw.example"}
	success, running := model.ReportStatusSuccess, (*model.ReportStatus)(nil)
	rep := &model.Report{ID: "a/b", Status: &success, AvailableFormats: []model.ReportFormat{model.ReportFormatCSV}}
	if u := r.reportDownloadURL(rep, model.ReportFormatCSV); u == nil || *u != "https://gw.example/download/reports/a%2Fb?format=csv" {
		t.Errorf("CSV url %v", u)
	}
	if u := r.reportDownloadURL(rep, model.ReportFormatPDF); u != nil {
		t.Errorf("PDF url %q for a CSV-only report", *u)
	}
	rep.Status = running
	if u := r.reportDownloadURL(rep, model.ReportFormatCSV); u != nil {
		t.Errorf("url %q for a running report", *u)
	}
	role := rolemining.PotentialRole{SessionID: "s", ID: "p"}
	if e := r.exportOf(role, &rolemining.Export{ExportID: "x", Status: rolemining.StateSuccess}); e.DownloadURL == nil || *e.DownloadURL != "https://gw.example/download/role-mining/s/p/x" {
		t.Errorf("export url %v", e.DownloadURL)
	}
	if e := r.exportOf(role, &rolemining.Export{ExportID: "x", Status: rolemining.StateInProgress}); e.DownloadURL != nil {
		t.Errorf("url %q for an export in progress", *e.DownloadURL)
	}
}

// A report's state is always known: its final status once it has one,
// before that RUNNING when the tenant has started it (its result has a
// start date), QUEUED when it has not.
func TestReportState(t *testing.T) {
	started := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		res  reports.Result
		want model.ReportState
	}{
		{reports.Result{}, model.ReportStateQueued},
		{reports.Result{Created: started}, model.ReportStateRunning},
		{reports.Result{Created: started, Status: reports.StatusSuccess}, model.ReportStateSuccess},
		{reports.Result{Created: started, Status: reports.StatusFailure}, model.ReportStateFailure},
		{reports.Result{Created: started, Status: reports.StatusWarning}, model.ReportStateWarning},
		{reports.Result{Created: started, Status: reports.StatusTerminated}, model.ReportStateTerminated},
		{reports.Result{Status: reports.StatusTerminated}, model.ReportStateTerminated}, // cancelled while queued
	} {
		rep := reportOf("r1", &tt.res)
		if rep.State != tt.want {
			t.Errorf("%+v: state %s, want %s", tt.res, rep.State, tt.want)
		}
		if final := tt.res.Status != ""; final != (rep.Status != nil) || final && string(*rep.Status) != string(rep.State) {
			t.Errorf("%+v: status %v beside state %s", tt.res, rep.Status, rep.State)
		}
	}
}

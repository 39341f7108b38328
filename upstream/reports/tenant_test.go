package reports_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/isc/isctest"
	"github.com/sailgraph/sailgraph/upstream/reports"
)

func start(t *testing.T, run time.Duration) (*isctest.Tenant, *reports.Client, context.Context) {
	t.Helper()
	tn := isctest.Start(t, simtenant.Options{Seed: 1, RateLimit: -1, ReportDuration: run})
	c, err := reports.New(tn.URL, tn.HTTP)
	if err != nil {
		t.Fatal(err)
	}
	return tn, c, tn.Context(t)
}

// waitDone polls the report's result until it has a status.
func waitDone(t *testing.T, ctx context.Context, c *reports.Client, id string) *reports.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		res, err := c.GetReportResult(ctx, id, reports.ResultParams{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != "" {
			return res
		}
		select {
		case <-ctx.Done():
			t.Fatalf("report %s still running: %v", id, ctx.Err())
		case <-tick.C:
		}
	}
}

// chunks counts the reads a consumer makes, to show a download arrives in
// pieces rather than as one buffer.
type chunks struct {
	r io.Reader
	n int
}

func (c *chunks) Read(p []byte) (int, error) {
	c.n++
	return c.r.Read(p[:min(len(p), 512)])
}

func TestRunFollowAndDownload(t *testing.T) {
	tn, c, ctx := start(t, 200*time.Millisecond)

	task, err := c.StartReport(ctx, reports.IdentitiesDetailsArgs{CorrelatedOnly: false})
	if err != nil {
		t.Fatal(err)
	}
	if task.ID == "" || task.ReportType != reports.TypeIdentitiesDetails || task.Created.IsZero() {
		t.Fatalf("task %+v", task)
	}
	res := waitDone(t, ctx, c, task.ID)
	if res.Status != reports.StatusSuccess || res.ID != task.ID || res.Rows == 0 || res.ReportType != reports.TypeIdentitiesDetails || len(res.AvailableFormats) == 0 {
		t.Fatalf("result %+v", res)
	}
	if res2, err := c.GetReportResult(ctx, task.ID, reports.ResultParams{Completed: true}); err != nil || res2.Rows != res.Rows {
		t.Fatalf("completed=true: %+v, %v", res2, err)
	}

	f, err := c.GetReport(ctx, task.ID, reports.FileParams{Format: reports.CSV, Name: "identities", Auditable: true})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Body.Close()
	if f.ContentType != "application/csv" || f.FileName != "identities.csv" {
		t.Fatalf("file %+v", f)
	}
	rd := &chunks{r: f.Body}
	records, err := csv.NewReader(rd).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(records)) != res.Rows+1 || len(records[0]) < 2 {
		t.Fatalf("%d CSV records with %d columns, want a header and %d rows", len(records), len(records[0]), res.Rows)
	}
	if rd.n < 2 {
		t.Fatalf("the CSV was read in %d reads", rd.n)
	}

	pdf, err := c.GetReport(ctx, task.ID, reports.FileParams{Format: reports.PDF})
	if err != nil {
		t.Fatal(err)
	}
	defer pdf.Body.Close()
	head := make([]byte, 5)
	if _, err := io.ReadFull(pdf.Body, head); err != nil || !bytes.Equal(head, []byte("%PDF-")) || pdf.ContentType != "application/pdf" {
		t.Fatalf("PDF starts %q (%s), %v", head, pdf.ContentType, err)
	}
	if _, err := io.Copy(io.Discard, pdf.Body); err != nil {
		t.Fatal(err)
	}

	t.Run("unknown task result", func(t *testing.T) {
		_, err := c.GetReportResult(ctx, "ffffffffffffffffffffffffffffffff", reports.ResultParams{})
		if !errors.Is(err, isc.ErrNotFound) {
			t.Fatalf("result: %v", err)
		}
		_, err = c.GetReport(ctx, "ffffffffffffffffffffffffffffffff", reports.FileParams{Format: reports.CSV})
		if !errors.Is(err, isc.ErrNotFound) {
			t.Fatalf("file: %v", err)
		}
	})

	t.Run("every report type starts", func(t *testing.T) {
		for _, args := range []reports.Arguments{
			reports.AccountsArgs{Application: "2c9180897e7742b2017e781782f705b9", SourceName: "Active Directory"},
			reports.IdentitiesArgs{CorrelatedOnly: true},
			reports.IdentityProfileIdentityErrorArgs{AuthoritativeSource: "2c9180847de347aa017de8ef09167792"},
			reports.OrphanIdentitiesArgs{SelectedFormats: []reports.Format{reports.CSV}},
			reports.SearchExportArgs{Indices: []reports.Index{reports.IndexIdentities}, Query: "name:a*", Columns: "displayName,email", Sort: []string{"+displayName"}},
			reports.UncorrelatedAccountsArgs{SelectedFormats: []reports.Format{reports.CSV, reports.PDF}},
		} {
			task, err := c.StartReport(ctx, args)
			if err != nil {
				t.Fatalf("%s: %v", args.ReportType(), err)
			}
			if task.ReportType != args.ReportType() {
				t.Fatalf("started %s, want %s", task.ReportType, args.ReportType())
			}
		}
		res := waitDone(t, ctx, c, task.ID)
		if res.Status != reports.StatusSuccess {
			t.Fatalf("result %+v", res)
		}
	})

	tn.RequireCovered(t, "startReport", "getReportResult", "getReport")
}

func TestCancel(t *testing.T) {
	tn, c, ctx := start(t, time.Hour)
	task, err := c.StartReport(ctx, reports.OrphanIdentitiesArgs{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CancelReport(ctx, task.ID); err != nil {
		t.Fatal(err)
	}
	res, err := c.GetReportResult(ctx, task.ID, reports.ResultParams{})
	if err != nil || res.Status != reports.StatusTerminated {
		t.Fatalf("after cancel: %+v, %v", res, err)
	}
	// A finished report cannot be cancelled again: the tenant says why.
	err = c.CancelReport(ctx, task.ID)
	var ae *isc.APIError
	if !errors.Is(err, isc.ErrBadRequest) || !errors.As(err, &ae) || ae.DetailCode != "400.1 Bad Request Content" || len(ae.Messages) == 0 {
		t.Fatalf("second cancel: %v", err)
	}
	tn.RequireCovered(t, "cancelReport")
}

func TestReportArgumentsRefusedBeforeAnyCall(t *testing.T) {
	tn, c, ctx := start(t, time.Second)
	checks := map[string]func() error{
		"accounts without source": func() error { _, err := c.StartReport(ctx, reports.AccountsArgs{Application: "a"}); return err },
		"error report without source": func() error {
			_, err := c.StartReport(ctx, reports.IdentityProfileIdentityErrorArgs{})
			return err
		},
		"search without query": func() error { _, err := c.StartReport(ctx, reports.SearchExportArgs{}); return err },
		"search index": func() error {
			_, err := c.StartReport(ctx, reports.SearchExportArgs{Query: "x", Indices: []reports.Index{"users"}})
			return err
		},
		"format": func() error {
			_, err := c.StartReport(ctx, reports.OrphanIdentitiesArgs{SelectedFormats: []reports.Format{9}})
			return err
		},
		"nil arguments":   func() error { _, err := c.StartReport(ctx, nil); return err },
		"no file format":  func() error { _, err := c.GetReport(ctx, "id", reports.FileParams{}); return err },
		"empty result id": func() error { _, err := c.GetReportResult(ctx, "", reports.ResultParams{}); return err },
		"empty cancel id": func() error { return c.CancelReport(ctx, "") },
	}
	for name, f := range checks {
		var ae *isc.ArgumentError
		if err := f(); !errors.As(err, &ae) || !errors.Is(err, isc.ErrBadRequest) {
			t.Errorf("%s: err = %v, want an *isc.ArgumentError", name, err)
		}
	}
	if st := tn.Stats(); len(st.Requests) != 0 {
		t.Fatalf("refused calls reached the tenant: %v", st.Requests)
	}
}

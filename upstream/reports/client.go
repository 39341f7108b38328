// Package reports is the typed client of ISC's report operations (v2024):
// run a report, follow its result, cancel it, and stream its file.
package reports

import (
	"context"
	"net/http"
	"net/url"

	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// Client calls one tenant's report operations. It is safe for concurrent
// use.
type Client struct {
	c *isc.Client
}

// New returns a Client for the tenant at root (e.g.
// https://acme.api.identitynow.com), sending through hc.
func New(root string, hc *http.Client, opts ...isc.Option) (*Client, error) {
	c, err := isc.New(root, hc, opts...)
	if err != nil {
		return nil, err
	}
	return &Client{c: c}, nil
}

// StartReport runs the report args describe (startReport) and returns its
// task; the task's ID is the taskResultId of the other operations. Missing
// required arguments are an *isc.ArgumentError before any call.
func (c *Client) StartReport(ctx context.Context, args Arguments) (*TaskResult, error) {
	if args == nil {
		return nil, isc.Invalid("reportType", "report arguments are needed")
	}
	if err := args.validate(); err != nil {
		return nil, err
	}
	body := struct {
		ReportType ReportType `json:"reportType"`
		Arguments  Arguments  `json:"arguments"`
	}{args.ReportType(), args}
	var tr TaskResult
	call := isc.Call{Op: op.StartReport, Body: body}
	if _, err := c.c.JSON(ctx, call, &tr); err != nil {
		return nil, err
	}
	return &tr, nil
}

// ResultParams are getReportResult's parameters.
type ResultParams struct {
	// Completed orders the lookup by completed task results.
	Completed bool
}

// GetReportResult returns the state or result of the report run as
// taskResultID (getReportResult).
func (c *Client) GetReportResult(ctx context.Context, taskResultID string, p ResultParams) (*Result, error) {
	q := url.Values{}
	if p.Completed {
		q.Set("completed", "true")
	}
	var w wireResult
	call := isc.Call{Op: op.GetReportResult, Params: []string{taskResultID}, Query: q}
	if _, err := c.c.JSON(ctx, call, &w); err != nil {
		return nil, err
	}
	return w.result(), nil
}

// CancelReport cancels the report running as id (cancelReport).
func (c *Client) CancelReport(ctx context.Context, id string) error {
	_, err := c.c.Send(ctx, isc.Call{Op: op.CancelReport, Params: []string{id}})
	return err
}

// FileParams are getReport's parameters.
type FileParams struct {
	Format Format // required
	// Name is the file name to give the report; "" for the report's own.
	Name string
	// Auditable records an audit event for the download.
	Auditable bool
}

// GetReport streams the report file of taskResultID (getReport). The
// caller must close the file's Body.
func (c *Client) GetReport(ctx context.Context, taskResultID string, p FileParams) (*isc.File, error) {
	if p.Format != CSV && p.Format != PDF {
		return nil, isc.Invalid("fileFormat", "csv or pdf is needed")
	}
	q := url.Values{"fileFormat": {p.Format.String()}}
	isc.SetString(q, "name", p.Name)
	if p.Auditable {
		q.Set("auditable", "true")
	}
	return c.c.Stream(ctx, isc.Call{Op: op.GetReport, Params: []string{taskResultID}, Query: q})
}

// Package httpapi holds the gateway's plain HTTP endpoints beside
// /graphql: the streaming file downloads that the graph's downloadUrl
// fields point at.
package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/sailgraph/sailgraph/access"
	"github.com/sailgraph/sailgraph/apierr"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/reports"
	"github.com/sailgraph/sailgraph/upstream/rolemining"
)

// ReportFiles fetches a finished report's file; *reports.Client does.
type ReportFiles interface {
	GetReport(ctx context.Context, taskResultID string, p reports.FileParams) (*isc.File, error)
}

// ExportFiles fetches a finished role-mining export; *rolemining.Client does.
type ExportFiles interface {
	DownloadExport(ctx context.Context, role rolemining.PotentialRole, exportID string) (*isc.File, error)
}

var (
	_ ReportFiles = (*reports.Client)(nil)
	_ ExportFiles = (*rolemining.Client)(nil)
)

// Downloads streams files from the tenant to the caller without holding
// them in memory.
type Downloads struct {
	Reports ReportFiles
	Exports ExportFiles
	Log     *slog.Logger
}

// Register mounts
//
//	GET /download/reports/:taskResultId?format=csv|pdf[&name=...]
//	GET /download/role-mining/:sessionId/:potentialRoleId/:exportId
//
// behind mw (authentication, fair share), each also requiring the scope
// that reads its file upstream.
func (d *Downloads) Register(e *echo.Echo, mw ...echo.MiddlewareFunc) {
	e.GET("/download/reports/:taskResultId", d.report, append(slices.Clone(mw), access.RequireScope(access.ReportRead, access.ReportManage))...)
	e.GET("/download/role-mining/:sessionId/:potentialRoleId/:exportId", d.export, append(slices.Clone(mw), access.RequireScope(access.AccessModelingRead, access.AccessModelingManage))...)
}

func (d *Downloads) report(c echo.Context) error {
	var format reports.Format
	switch c.QueryParam("format") {
	case "", "csv", "CSV":
		format = reports.CSV
	case "pdf", "PDF":
		format = reports.PDF
	default:
		return d.fail(c, apierr.Classified{Code: apierr.BadUserInput, Message: "format must be csv or pdf"}, nil)
	}
	f, err := d.Reports.GetReport(c.Request().Context(), c.Param("taskResultId"), reports.FileParams{Format: format, Name: c.QueryParam("name")})
	if err != nil {
		return d.fail(c, apierr.Classify(err), err)
	}
	return d.stream(c, f)
}

func (d *Downloads) export(c echo.Context) error {
	role := rolemining.PotentialRole{SessionID: c.Param("sessionId"), ID: c.Param("potentialRoleId")}
	f, err := d.Exports.DownloadExport(c.Request().Context(), role, c.Param("exportId"))
	if err != nil {
		return d.fail(c, apierr.Classify(err), err)
	}
	return d.stream(c, f)
}

// stream copies the file to the caller as it arrives.
func (d *Downloads) stream(c echo.Context, f *isc.File) error {
	defer f.Body.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, f.ContentType)
	if f.FileName != "" {
		h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": f.FileName}))
	}
	if f.ContentLength >= 0 {
		h.Set(echo.HeaderContentLength, strconv.FormatInt(f.ContentLength, 10))
	}
	h.Set("X-Content-Type-Options", "nosniff")
	c.Response().WriteHeader(http.StatusOK)
	buf := make([]byte, 64<<10)
	if _, err := io.CopyBuffer(c.Response(), f.Body, buf); err != nil && !errors.Is(err, context.Canceled) {
		// The status is sent; all that is left is to cut the stream short
		// so the caller sees a truncated body rather than a whole one.
		d.Log.Warn("download interrupted", "path", c.Request().URL.Path, "error", err.Error())
		return err
	}
	return nil
}

// fail answers a download that could not start, with the code the
// GraphQL layer would have used.
func (d *Downloads) fail(c echo.Context, cl apierr.Classified, err error) error {
	if err != nil && cl.Code != apierr.BadUserInput && cl.Code != apierr.NotFound {
		d.Log.Warn("download failed", "path", c.Request().URL.Path, "code", string(cl.Code), "error", err.Error())
	}
	if cl.Code == apierr.RateLimited {
		c.Response().Header().Set("Retry-After", strconv.Itoa(cl.RetryAfterSeconds))
	}
	body := map[string]any{"code": cl.Code, "message": cl.Message}
	if cl.RetryAfterSeconds > 0 {
		body["retryAfterSeconds"] = cl.RetryAfterSeconds
	}
	return c.JSON(apierr.HTTPStatus(cl.Code), map[string]any{"error": body})
}

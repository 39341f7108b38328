// Package rolemining is the typed client of ISC's potential-role export
// operations (beta, IAI role mining): start an export, follow it, and
// stream its zip.
package rolemining

import (
	"context"
	"net/http"

	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// Client calls one tenant's potential-role export operations. It is safe
// for concurrent use.
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

// StartExport starts exporting role as a zip of identities and
// entitlements (exportRoleMiningPotentialRoleAsync).
func (c *Client) StartExport(ctx context.Context, role PotentialRole, opts ExportOptions) (*Export, error) {
	if err := role.validate(); err != nil {
		return nil, err
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	var e Export
	call := isc.Call{
		Op:     op.ExportRoleMiningPotentialRoleAsync,
		Params: []string{role.SessionID, role.ID}, Body: opts,
	}
	if _, err := c.c.JSON(ctx, call, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// GetExport returns the state of the export exportID of role
// (exportRoleMiningPotentialRoleStatus).
func (c *Client) GetExport(ctx context.Context, role PotentialRole, exportID string) (*Export, error) {
	if err := role.validate(); err != nil {
		return nil, err
	}
	if err := checkUUID("exportId", exportID); err != nil {
		return nil, err
	}
	var e Export
	call := isc.Call{Op: op.ExportRoleMiningPotentialRoleStatus, Params: []string{role.SessionID, role.ID, exportID}}
	if _, err := c.c.JSON(ctx, call, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// DownloadExport streams the zip of a completed export
// (downloadRoleMiningPotentialRoleZip). The caller must close the file's
// Body.
func (c *Client) DownloadExport(ctx context.Context, role PotentialRole, exportID string) (*isc.File, error) {
	if err := role.validate(); err != nil {
		return nil, err
	}
	if err := checkUUID("exportId", exportID); err != nil {
		return nil, err
	}
	return c.c.Stream(ctx, isc.Call{Op: op.DownloadRoleMiningPotentialRoleZip, Params: []string{role.SessionID, role.ID, exportID}})
}

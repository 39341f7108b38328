package rolemining_test

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/isc/isctest"
	"github.com/sailgraph/sailgraph/upstream/rolemining"
)

var role = rolemining.PotentialRole{SessionID: "8c190e67-87aa-4ed9-a90b-d9d5344523fb", ID: "278359a6-04b7-4669-9468-924cf580964a"}

func start(t *testing.T, step time.Duration) (*isctest.Tenant, *rolemining.Client, context.Context) {
	t.Helper()
	tn := isctest.Start(t, simtenant.Options{Seed: 1, RateLimit: -1, ExportStep: step})
	c, err := rolemining.New(tn.URL, tn.HTTP)
	if err != nil {
		t.Fatal(err)
	}
	return tn, c, tn.Context(t)
}

func TestExportFollowAndDownload(t *testing.T) {
	tn, c, ctx := start(t, 100*time.Millisecond)

	e, err := c.StartExport(ctx, role, rolemining.ExportOptions{MinEntitlementPopularity: new(10), IncludeCommonAccess: new(false)})
	if err != nil {
		t.Fatal(err)
	}
	if e.ExportID == "" || e.Status != rolemining.StateQueued || e.MinEntitlementPopularity != 10 || e.IncludeCommonAccess {
		t.Fatalf("export %+v", e)
	}

	// Until it has succeeded there is nothing to download.
	_, err = c.DownloadExport(ctx, role, e.ExportID)
	if !errors.Is(err, isc.ErrBadRequest) {
		t.Fatalf("early download: %v", err)
	}

	deadline, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	seen := map[rolemining.State]bool{}
	for !e.Status.Done() {
		select {
		case <-deadline.Done():
			t.Fatalf("export still %s: %v", e.Status, deadline.Err())
		case <-tick.C:
		}
		if e, err = c.GetExport(deadline, role, e.ExportID); err != nil {
			t.Fatal(err)
		}
		seen[e.Status] = true
	}
	if e.Status != rolemining.StateSuccess || e.MinEntitlementPopularity != 10 {
		t.Fatalf("export ended %+v (saw %v)", e, seen)
	}

	f, err := c.DownloadExport(ctx, role, e.ExportID)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Body.Close()
	if f.ContentType != "application/zip" || !strings.HasSuffix(f.FileName, ".zip") {
		t.Fatalf("file %+v", f)
	}
	// A zip needs random access: stream it to disk in small pieces, then
	// open it.
	path := filepath.Join(t.TempDir(), f.FileName)
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.CopyBuffer(out, struct{ io.Reader }{f.Body}, make([]byte, 1024))
	if cerr := out.Close(); err != nil || cerr != nil || n == 0 {
		t.Fatalf("copied %d bytes: %v, %v", n, err, cerr)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var csvs int
	for _, zf := range zr.File {
		if !strings.HasSuffix(zf.Name, ".csv") {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		records, err := csv.NewReader(rc).ReadAll()
		rc.Close()
		if err != nil || len(records) < 1 || len(records[0]) == 0 {
			t.Fatalf("%s: %d records, %v", zf.Name, len(records), err)
		}
		csvs++
	}
	if csvs < 2 {
		t.Fatalf("the zip holds %d CSV files, want identities and entitlements", csvs)
	}

	t.Run("unknown export", func(t *testing.T) {
		_, err := c.GetExport(ctx, role, "4940ffd4-836f-48a3-b2b0-6d498c3fdf40")
		if !errors.Is(err, isc.ErrNotFound) {
			t.Fatalf("err = %v", err)
		}
	})

	tn.RequireCovered(t, "exportRoleMiningPotentialRoleAsync", "exportRoleMiningPotentialRoleStatus", "downloadRoleMiningPotentialRoleZip")
}

func TestIDsRefusedBeforeAnyCall(t *testing.T) {
	tn, c, ctx := start(t, time.Second)
	bad := []func() error{
		func() error { _, err := c.GetExport(ctx, role, "not-a-uuid"); return err },
		func() error {
			_, err := c.GetExport(ctx, rolemining.PotentialRole{SessionID: "s", ID: role.ID}, "4940ffd4-836f-48a3-b2b0-6d498c3fdf40")
			return err
		},
		func() error { _, err := c.DownloadExport(ctx, role, ""); return err },
		// The spec types the ids as plain strings when an export starts,
		// as UUIDs everywhere else: the tenant wants UUIDs.
		func() error {
			_, err := c.StartExport(ctx, rolemining.PotentialRole{SessionID: "not-a-uuid", ID: role.ID}, rolemining.ExportOptions{})
			return err
		},
		func() error {
			_, err := c.StartExport(ctx, rolemining.PotentialRole{SessionID: role.SessionID, ID: "../x"}, rolemining.ExportOptions{})
			return err
		},
		func() error {
			_, err := c.StartExport(ctx, role, rolemining.ExportOptions{MinEntitlementPopularity: new(101)})
			return err
		},
		func() error {
			_, err := c.StartExport(ctx, role, rolemining.ExportOptions{MinEntitlementPopularity: new(-1)})
			return err
		},
		func() error {
			_, err := c.StartExport(ctx, rolemining.PotentialRole{}, rolemining.ExportOptions{})
			return err
		},
	}
	for i, f := range bad {
		var ae *isc.ArgumentError
		if err := f(); !errors.As(err, &ae) {
			t.Errorf("%d: err = %v, want an *isc.ArgumentError", i, err)
		}
	}
	if st := tn.Stats(); len(st.Requests) != 0 {
		t.Fatalf("refused calls reached the tenant: %v", st.Requests)
	}
}

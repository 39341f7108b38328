package isctest_test

import (
	"errors"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/history"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/isc/isctest"
	"github.com/sailgraph/sailgraph/upstream/reports"
	"github.com/sailgraph/sailgraph/upstream/tasks"
)

// clients builds a tasks (beta) and a reports (v2024) client for tn.
func clients(t *testing.T, tn *isctest.Tenant, opts ...isc.Option) (*tasks.Client, *reports.Client) {
	t.Helper()
	tc, err := tasks.New(tn.URL, tn.HTTP, opts...)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := reports.New(tn.URL, tn.HTTP, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tc, rc
}

func TestExpiredTokenIsUnauthorized(t *testing.T) {
	tn := isctest.Start(t, simtenant.Options{Seed: 1, RateLimit: -1})
	tc, rc := clients(t, tn)
	ctx := tn.Context(t)
	if _, err := tc.CountPendingTasks(ctx); err != nil {
		t.Fatal(err)
	}
	tn.ExpireTokens()
	_, err := tc.ListPendingTasks(ctx, isc.Paging{})
	var ae *isc.APIError
	if !errors.Is(err, isc.ErrUnauthorized) || !errors.As(err, &ae) || ae.Status != 401 || ae.Operation != "getPendingTasks" {
		t.Fatalf("beta: err = %v", err)
	}
	if _, err := rc.GetReportResult(ctx, "ffffffffffffffffffffffffffffffff", reports.ResultParams{}); !errors.Is(err, isc.ErrUnauthorized) {
		t.Fatalf("v2024: err = %v", err)
	}
}

func TestForcedRateLimit(t *testing.T) {
	tn := isctest.Start(t, simtenant.Options{Seed: 1})
	tc, rc := clients(t, tn)
	ctx := tn.Context(t)
	tn.ForceRateLimit("beta", 3*time.Second)
	_, err := tc.CountPendingTasks(ctx)
	var rl *isc.RateLimitedError
	if !errors.Is(err, isc.ErrRateLimited) || !errors.As(err, &rl) || rl.RetryAfter != 3*time.Second {
		t.Fatalf("err = %v, want a *isc.RateLimitedError of 3s", err)
	}
	if wait, ok := isc.RetryAfter(err); !ok || wait != 3*time.Second {
		t.Fatalf("RetryAfter = %v, %v", wait, ok)
	}
	// The other API version is counted apart and keeps flowing.
	if _, err := rc.GetReportResult(ctx, "ffffffffffffffffffffffffffffffff", reports.ResultParams{}); !errors.Is(err, isc.ErrNotFound) {
		t.Fatalf("v2024 during a beta 429: %v", err)
	}
	if st := tn.Stats(); st.Sent429 != 1 {
		t.Fatalf("tenant sent %d 429s, want 1", st.Sent429)
	}
}

func TestTenantFailuresAreUnavailable(t *testing.T) {
	tn := isctest.Start(t, simtenant.Options{Seed: 1, RateLimit: -1})
	tc, rc := clients(t, tn)
	ctx := tn.Context(t)
	tn.SetFailureRate(1)
	_, err := tc.ListTaskStatus(ctx, tasks.ListParams{})
	var ae *isc.APIError
	if !errors.Is(err, isc.ErrUnavailable) || !errors.As(err, &ae) || ae.Status != 500 || ae.DetailCode != "500.0 Internal Fault" || ae.TrackingID == "" {
		t.Fatalf("err = %v", err)
	}
	if _, err := rc.StartReport(ctx, reports.IdentitiesArgs{}); !errors.Is(err, isc.ErrUnavailable) {
		t.Fatalf("v2024: err = %v", err)
	}
	tn.SetFailureRate(0)
	if _, err := tc.ListTaskStatus(ctx, tasks.ListParams{}); err != nil {
		t.Fatalf("after the failures stop: %v", err)
	}
}

func TestBodyLargerThanTheCap(t *testing.T) {
	tn := isctest.Start(t, simtenant.Options{Seed: 1, RateLimit: -1})
	ctx := tn.Context(t)
	small, err := history.New(tn.URL, tn.HTTP, isc.WithMaxBody(4<<10))
	if err != nil {
		t.Fatal(err)
	}
	_, err = small.ListIdentities(ctx, history.ListIdentitiesParams{})
	var tl *isc.TooLargeError
	if !errors.Is(err, isc.ErrUnavailable) || !errors.As(err, &tl) || tl.Op != "listHistoricalIdentities" || tl.Limit != 4<<10 {
		t.Fatalf("err = %v", err)
	}
	// A page that fits passes.
	page, err := small.ListIdentities(ctx, history.ListIdentitiesParams{Paging: isc.Paging{Limit: 3}})
	if err != nil || len(page.Items) != 3 {
		t.Fatalf("small page: %d, %v", len(page.Items), err)
	}
}

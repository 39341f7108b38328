package transport_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/redistest"
	"github.com/sailgraph/sailgraph/internal/waittest"
	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/simtenant"
)

// Test429Cooldown: the tenant forces a 429 with Retry-After: 3 on beta.
// The replica that got it sets the cooldown in Redis; then three replicas
// send beta and v2024 traffic: nothing reaches beta for 3 s (the tenant
// counts no early retry and sends no other 429), v2024 keeps flowing,
// beta resumes afterwards, and every call, the refused one included,
// succeeds within its deadline.
func Test429Cooldown(t *testing.T) {
	srv := redistest.Start(t)
	tn, url, arr := startTenant(t, simtenant.Options{RateLimit: -1, TokenTTL: time.Hour})
	budget := ratelimit.Rate{N: 200, Per: 2 * time.Second}
	var replicas []*replica
	for range 3 {
		replicas = append(replicas, newReplica(t, url, []string{srv.Addr()}, budget, true))
	}
	betaURL := url + "/beta/task-status?limit=1"
	v2024URL := url + "/v2024/reports/no-such-report/result"
	for i, r := range replicas { // warm up: tokens, connections
		for _, u := range []string{betaURL, v2024URL} {
			if _, err := get(ctxFor(t, 10*time.Second), r.rt, u); err != nil {
				t.Fatalf("replica %d warm-up: %v", i, err)
			}
		}
	}

	tn.ForceRateLimit("beta", 3*time.Second)
	forced := time.Now()
	firstErr := make(chan error, 1)
	go func() {
		status, err := get(ctxFor(t, 20*time.Second), replicas[0].rt, betaURL)
		if err == nil && status != 200 {
			t.Errorf("the refused call ended with status %d", status)
		}
		firstErr <- err
	}()
	waittest.Until(t, "the 429's cooldown is set", func() bool { return len(replicas[0].obs.Snapshot().Cooldowns["beta"]) == 1 })
	if cd := replicas[0].obs.Snapshot().Cooldowns["beta"][0]; cd != 3*time.Second {
		t.Fatalf("cooldown %s, want Retry-After's 3s", cd)
	}

	// Every replica now sends both API versions until 1.5 s after the
	// cooldown.
	stop := forced.Add(4500 * time.Millisecond)
	var wg sync.WaitGroup
	for i, r := range replicas {
		for _, u := range []string{betaURL, v2024URL} {
			wg.Go(func() {
				for time.Now().Before(stop) {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					status, err := get(ctx, r.rt, u)
					cancel()
					if err != nil || status == 429 || status >= 500 {
						t.Errorf("replica %d %s: status %d, %v", i, u, status, err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	if err := <-firstErr; err != nil {
		t.Errorf("the call that got the 429 failed: %v", err)
	}

	st := tn.Stats()
	if st.Sent429 != 1 || st.EarlyRetries != 0 {
		t.Errorf("tenant sent %d 429s and saw %d early retries, want 1 and 0", st.Sent429, st.EarlyRetries)
	}
	// The forced 429 went to the first beta request after forced; from
	// then on, 3 s without beta.
	refused, ok := arr.first("beta", forced)
	if !ok {
		t.Fatal("no beta request arrived after the forced 429")
	}
	if n := arr.between("beta", refused, refused.Add(3*time.Second)); n != 1 {
		t.Errorf("%d beta requests reached the tenant in the 3 s after the 429, want only the refused one", n-1)
	}
	if n := arr.between("v2024", forced, forced.Add(3*time.Second)); n < 10 {
		t.Errorf("only %d v2024 requests during the beta cooldown", n)
	}
	if n := arr.between("beta", forced.Add(3*time.Second), stop.Add(time.Second)); n < 10 {
		t.Errorf("only %d beta requests after the cooldown", n)
	}
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

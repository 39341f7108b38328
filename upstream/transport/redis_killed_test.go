package transport_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/redistest"
	"github.com/sailgraph/sailgraph/internal/waittest"
	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/simtenant"
)

// TestRedisKilledMidRun: three replicas share a Redis and a tenant whose
// limit is the configured budget. Redis is killed under load and started
// again. No call fails, calls keep being served while Redis is down, the
// tenant never answers 429, and each replica reports the fallback and the
// recovery once.
func TestRedisKilledMidRun(t *testing.T) {
	srv := redistest.Start(t)
	budget := ratelimit.Rate{N: 60, Per: 2 * time.Second}
	tn, url, arr := startTenant(t, simtenant.Options{RateLimit: budget.N, RateWindow: budget.Per, TokenTTL: time.Hour})
	var replicas []*replica
	for range 3 {
		replicas = append(replicas, newReplica(t, url, []string{srv.Addr()}, budget, false))
	}
	waittest.Until(t, "every replica counts three", func() bool {
		for _, r := range replicas {
			if r.lim.Replicas() != 3 {
				return false
			}
		}
		return true
	})

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var (
		wg    sync.WaitGroup
		seq   atomic.Int64
		calls atomic.Int64
	)
	for i := range 12 {
		r := replicas[i%3]
		wg.Go(func() {
			for ctx.Err() == nil {
				cctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
				status, err := get(cctx, r.rt, url+"/beta/task-status?limit=1&offset="+strconv.FormatInt(seq.Add(1), 10))
				cancel()
				calls.Add(1)
				if err != nil || status != 200 {
					t.Errorf("call failed: status %d, %v", status, err)
					return
				}
			}
		})
	}
	pause := func(d time.Duration) {
		select {
		case <-time.After(d):
		case <-t.Context().Done():
		}
	}
	pause(time.Second)
	srv.Stop()
	killed := time.Now()
	waittest.Until(t, "every replica falls back", func() bool {
		for _, r := range replicas {
			if !r.lim.Fallback() {
				return false
			}
		}
		return true
	})
	pause(2500 * time.Millisecond)
	srv.Restart()
	restarted := time.Now()
	waittest.Until(t, "every replica is back on Redis", func() bool {
		for _, r := range replicas {
			if r.lim.Fallback() {
				return false
			}
		}
		return true
	})
	pause(2 * time.Second)
	stop()
	wg.Wait()

	st := tn.Stats()
	t.Logf("%d calls; tenant accepted %d, %d while Redis was down", calls.Load(), st.Accepted("beta"), arr.between("beta", killed, restarted))
	if st.Sent429 != 0 {
		t.Errorf("the tenant sent %d 429s, want none", st.Sent429)
	}
	if n := arr.between("beta", killed.Add(500*time.Millisecond), restarted); n == 0 {
		t.Error("no requests reached the tenant while Redis was down")
	}
	for i, r := range replicas {
		if c := r.obs.Snapshot(); c.Fallbacks != 1 || c.Recoveries != 1 || c.FallbackActive {
			t.Errorf("replica %d observed %d fallbacks and %d recoveries (active %v), want one each", i, c.Fallbacks, c.Recoveries, c.FallbackActive)
		}
	}
}

package access_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sailgraph/sailgraph/access"
	"github.com/sailgraph/sailgraph/internal/clocktest"
	"github.com/sailgraph/sailgraph/internal/redistest"
)

// roundTrips counts the round trips a client makes (a pipeline is one).
type roundTrips struct{ n atomic.Int64 }

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}

func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}

// Two replicas' token state on one Redis: a confirmation holds on both
// until its recheck is due; the Revoked check a request starts with reads
// it too, so the request's Confirmed calls ask Redis nothing; a
// revocation holds at once for Revoked on every replica, and stops
// Confirmed within a second.
func TestRedisTokensShared(t *testing.T) {
	srv := redistest.Start(t)
	clk := clocktest.New(time.Now())
	opts := access.TokenOptions{Recheck: time.Minute, Now: clk.Now}
	a := access.NewRedisTokens(srv.Client(), opts)
	bClient := srv.Client()
	trips := &roundTrips{}
	bClient.AddHook(trips)
	b := access.NewRedisTokens(bClient, opts)
	ctx := context.Background()
	const id = "tok:one"

	if b.Confirmed(ctx, id) || b.Revoked(ctx, id) {
		t.Fatal("a token nobody has seen is confirmed or revoked")
	}
	a.Confirm(ctx, id)
	before := trips.n.Load()
	if b.Revoked(ctx, id) {
		t.Fatal("a confirmed token reads as revoked")
	}
	for i := range 5 {
		if !b.Confirmed(ctx, id) {
			t.Fatalf("read %d: another replica's confirmation does not hold", i)
		}
	}
	if n := trips.n.Load() - before; n != 1 {
		t.Fatalf("%d round trips for a request's Revoked and five Confirmed, want 1", n)
	}
	clk.Advance(30 * time.Second)
	if !b.Confirmed(ctx, id) {
		t.Fatal("the confirmation lapsed before its recheck")
	}
	clk.Advance(31 * time.Second)
	if b.Revoked(ctx, id) || b.Confirmed(ctx, id) {
		t.Fatal("a confirmation past its recheck still holds")
	}

	a.Confirm(ctx, id)
	if b.Revoked(ctx, id) || !b.Confirmed(ctx, id) {
		t.Fatal("a fresh confirmation does not hold")
	}
	a.Revoke(ctx, id)
	if !b.Revoked(ctx, id) || !a.Revoked(ctx, id) {
		t.Fatal("a revocation does not hold at once on every replica")
	}
	if b.Confirmed(ctx, id) || a.Confirmed(ctx, id) {
		t.Fatal("a revoked token is still confirmed on a replica that read the revocation")
	}
	a.Confirm(ctx, id) // the tenant accepted it again (a call already under way)
	b.Confirmed(ctx, id)
	a.Revoke(ctx, id)
	clk.Advance(time.Second)
	if b.Confirmed(ctx, id) {
		t.Fatal("another replica's revocation not seen by Confirmed after a second")
	}
}

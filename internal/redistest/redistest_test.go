package redistest

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestSingleStopRestart(t *testing.T) {
	s := Start(t)
	c := s.Client()
	ctx := context.Background()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got := c.Get(ctx, "k").Val(); got != "v" {
		t.Fatalf("get = %q", got)
	}
	s.Stop()
	sctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := c.Ping(sctx).Err(); err == nil {
		t.Fatal("ping succeeded on a stopped server")
	}
	s.Restart()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("ping after restart: %v", err)
	}
}

func TestCluster(t *testing.T) {
	cl := StartCluster(t, 3)
	c := cl.Client(t)
	ctx := context.Background()
	for i := range 50 {
		k := fmt.Sprintf("key-%d", i)
		if err := c.Set(ctx, k, i, 0).Err(); err != nil {
			t.Fatalf("set %s: %v", k, err)
		}
	}
	// keys spread over the masters: every node holds some
	for _, n := range cl.Nodes {
		if sz := n.Client().DBSize(ctx).Val(); sz == 0 {
			t.Fatalf("node %s holds no key; slots not spread", n.Addr())
		}
	}
}

package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/gateway"
	"github.com/sailgraph/sailgraph/internal/logtest"
	"github.com/sailgraph/sailgraph/internal/redistest"
)

// A Redis URL that names the wrong kind of Redis stops the start with a
// message saying what is wrong, instead of a gateway that runs forever on
// its fallbacks while logging that Redis is not answering.
func TestRedisURLOfTheWrongKindStopsStart(t *testing.T) {
	single := redistest.Start(t)
	cluster := redistest.StartCluster(t, 3)
	for name, c := range map[string]struct {
		url, want string
	}{
		"cluster URL, single Redis":   {"redis://" + single.Addr() + "?cluster=true", "is not a cluster node"},
		"several hosts, single Redis": {"redis://" + single.Addr() + "," + freeAddr(t), "is not a cluster node"},
		"single URL, cluster node":    {"redis://" + cluster.Nodes[0].Addr() + "/0", "is a Redis Cluster node"},
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			err := run(ctx, nil, func(k string) string {
				return map[string]string{"SAILGRAPH_ADDR": "127.0.0.1:0", "SAILGRAPH_SIM_IDENTITIES": "10", "SAILGRAPH_REDIS_URL": c.url}[k]
			}, io.Discard)
			if !errors.Is(err, gateway.ErrRedisMode) || !strings.Contains(err.Error(), "SAILGRAPH_REDIS_URL") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("run: %v; want an error naming SAILGRAPH_REDIS_URL that says %q", err, c.want)
			}
		})
	}

	// The right kind starts, and so does a Redis that is down at start:
	// the gateway fails open and uses it when it answers.
	for name, url := range map[string]string{
		"cluster":    cluster.URL(),
		"single":     single.URL(),
		"Redis down": "redis://" + freeAddr(t) + "/0",
	} {
		t.Run(name, func(t *testing.T) {
			addr := freeAddr(t)
			var logs logtest.Buffer
			stop := startRun(t, nil, map[string]string{"SAILGRAPH_ADDR": addr, "SAILGRAPH_SIM_IDENTITIES": "10", "SAILGRAPH_REDIS_URL": url}, &logs)
			waitHTTP(t, "http://"+addr+"/healthz")
			if r := postGraphQL(t, "http://"+addr, `{ identities(first: 1) { nodes { id } } }`, nil); len(r.Errors) > 0 {
				t.Errorf("query: %+v", r.Errors)
			}
			if err := stop(); err != nil {
				t.Fatalf("run: %v\n%s", err, logs.String())
			}
		})
	}
}

package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/logtest"
	"github.com/sailgraph/sailgraph/internal/waittest"
	"github.com/sailgraph/sailgraph/simtenant"
)

// TestShutdownFinishesInFlightRequest cancels the run while a GraphQL
// request waits on the tenant: the gateway stops accepting at once, the
// request still completes with its data, and run then returns cleanly.
func TestShutdownFinishesInFlightRequest(t *testing.T) {
	tn := simtenant.New(simtenant.Options{Seed: 1, Identities: 20, RateLimit: -1})
	arrived := make(chan struct{}, 16)
	release := make(chan struct{})
	tenant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth/token" { // API calls wait for the test
			select {
			case arrived <- struct{}{}:
			default:
			}
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		tn.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(tenant.Close)
	id, secret := tn.ClientID()

	addr := freeAddr(t)
	var logs logtest.Buffer
	stop := startRun(t, nil, map[string]string{
		"SAILGRAPH_ADDR": addr, "SAILGRAPH_TENANT_URL": tenant.URL,
		"SAILGRAPH_CLIENT_ID": id, "SAILGRAPH_CLIENT_SECRET": secret,
		// No detection probes at start: the tenant's first API request
		// must be the test's GraphQL request.
		"SAILGRAPH_UPSTREAM_API": "legacy",
	}, &logs)
	base := "http://" + addr
	waitHTTP(t, base+"/healthz")

	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.Post(base+"/graphql", "application/json",
			strings.NewReader(`{"query":"{ identities(first: 2) { nodes { id } } }"}`))
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		done <- result{status: resp.StatusCode, body: string(b), err: err}
	}()
	select {
	case <-arrived:
	case <-time.After(30 * time.Second):
		t.Fatal("the request never reached the tenant")
	}

	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	// Shutdown has begun once the gateway refuses new connections.
	waittest.Until(t, "the gateway to refuse connections after cancel", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return true
		}
		_ = c.Close()
		return false
	})
	select {
	case err := <-stopped:
		t.Fatalf("run returned (%v) while a request was in flight", err)
	default:
	}

	close(release)
	select {
	case r := <-done:
		if r.err != nil || r.status != http.StatusOK || !strings.Contains(r.body, `"nodes":[{"id":`) || strings.Contains(r.body, `"errors"`) {
			t.Fatalf("in-flight request: %d %v %s", r.status, r.err, r.body)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the in-flight request never completed")
	}
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("run returned %v after a graceful shutdown", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after the last request")
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Fatalf("no shutdown line in the log:\n%s", logs.String())
	}
}

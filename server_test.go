package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/logtest"
	"github.com/sailgraph/sailgraph/internal/waittest"
	"github.com/sailgraph/sailgraph/simtenant"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startRun runs the program in the background and returns a stop function
// that cancels it and returns run's error.
func startRun(t *testing.T, args []string, env map[string]string, logs io.Writer) func() error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, func(k string) string { return env[k] }, logs) }()
	var once sync.Once
	var err error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Error("run did not return after cancel")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// waitHTTP polls u until it answers (with any status).
func waitHTTP(t *testing.T, u string) {
	t.Helper()
	waittest.Until(t, u+" to answer", func() bool {
		resp, err := http.Get(u)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return true
	})
}

func TestGatewayOnSimulatedTenant(t *testing.T) {
	addr := freeAddr(t)
	var logs logtest.Buffer
	stop := startRun(t, nil, map[string]string{"SAILGRAPH_ADDR": addr, "SAILGRAPH_SIM_IDENTITIES": "50"}, &logs)
	base := "http://" + addr
	waitHTTP(t, base+"/healthz")

	// GraphQL over GET and POST.
	resp, err := http.Get(base + "/graphql?query=" + url.QueryEscape("{ gateway { simulated tenant apiVersions } }"))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Data struct {
			Gateway struct {
				Simulated   bool
				Tenant      string
				APIVersions []string
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// The default, SAILGRAPH_UPSTREAM_API=auto, finds the v1 APIs the
	// embedded tenant serves.
	if !got.Data.Gateway.Simulated || got.Data.Gateway.Tenant != "simulated" || strings.Join(got.Data.Gateway.APIVersions, ",") != "history-v1,tasks-v1,reports-v1,rolemining-v1" {
		t.Fatalf("GET /graphql: %+v", got)
	}
	resp, err = http.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"{ gateway { simulated } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"simulated":true`) {
		t.Fatalf("POST /graphql: %d %s", resp.StatusCode, body)
	}

	// GraphiQL at /.
	resp, err = http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(strings.ToLower(string(body)), "graphiql") || !strings.Contains(string(body), "/graphiql/") {
		t.Fatalf("GraphiQL page: %d", resp.StatusCode)
	}

	// The operator's view: a request id comes back, readiness holds, and
	// the upstream calls of a query show in /metrics.
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(`{"query":"{ identities(first: 1) { nodes { id } } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "test-req-1")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Request-Id") != "test-req-1" {
		t.Fatalf("request id not returned: %q", resp.Header.Get("X-Request-Id"))
	}
	for path, want := range map[string]string{
		"/readyz": "",
		// Two: the query's, and the detection probe of identity history
		// at start (auto finds v1).
		"/metrics": `sailgraph_upstream_request_duration_seconds_count{api="history-v1",operation="listHistoricalIdentities",status="200"} 2`,
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Fatalf("%s: %d\n%s", path, resp.StatusCode, b)
		}
	}

	if err := stop(); err != nil {
		t.Fatalf("run returned %v after a clean shutdown", err)
	}
	out := logs.String()
	for _, want := range []string{"SIMULATED TENANT", `"msg":"request"`, `"path":"/graphql"`, `"request_id":"test-req-1"`, "shutting down"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestBadConfigurationStopsStart(t *testing.T) {
	err := run(context.Background(), nil, func(k string) string {
		return map[string]string{"SAILGRAPH_RATE_LIMIT": "fast"}[k]
	}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "SAILGRAPH_RATE_LIMIT") {
		t.Fatalf("bad rate accepted: %v", err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Fatal("unknown command accepted")
	}
}

func TestSimulateSubcommand(t *testing.T) {
	addr := freeAddr(t)
	stop := startRun(t, []string{"simulate", "-addr", addr, "-identities", "20"}, nil, io.Discard)
	waitHTTP(t, "http://"+addr+"/beta/")
	resp, err := http.PostForm("http://"+addr+"/oauth/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {simtenant.DefaultClientID}, "client_secret": {simtenant.DefaultClientSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("token from the simulated tenant: %d", resp.StatusCode)
	}
	noAuth, err := http.Get("http://" + addr + "/beta/historical-identities")
	if err != nil {
		t.Fatal(err)
	}
	noAuth.Body.Close()
	if noAuth.StatusCode != 401 {
		t.Fatalf("unauthenticated API call: %d", noAuth.StatusCode)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestSimulateGenerations serves only the v1 APIs with -generations v1:
// the legacy paths are not there (404), the v1 ones are (401 without a
// token); a bad list is refused.
func TestSimulateGenerations(t *testing.T) {
	addr := freeAddr(t)
	stop := startRun(t, []string{"simulate", "-addr", addr, "-identities", "20", "-generations", "v1"}, nil, io.Discard)
	waitHTTP(t, "http://"+addr+"/historical-identities/v1/historical-identities")
	for path, want := range map[string]int{
		"/beta/historical-identities":                     404,
		"/historical-identities/v1/historical-identities": 401,
	} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s with -generations v1: %d, want %d", path, resp.StatusCode, want)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"simulate", "-generations", "v3"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Fatal("-generations v3 accepted")
	}
}

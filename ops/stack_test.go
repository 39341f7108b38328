package ops_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
	"github.com/sailgraph/sailgraph/internal/logtest"

	"github.com/redis/go-redis/v9"

	"github.com/sailgraph/sailgraph/ops"
	"github.com/sailgraph/sailgraph/simtenant"
)

// The stack tests run whole gateways (gateway.New, through gatewaytest):
// a simulated tenant over loopback (every exchange validated against the
// spec), a real redis-server for the budget and the cache, and this
// package's middlewares, layers and endpoints as the gateway mounts them.

// stack is one gateway over one simulated tenant.
type stack struct {
	t       *testing.T
	tn      *simtenant.Tenant
	tenant  string // the tenant's root URL
	gateway string // the gateway's root URL
	logs    *logtest.Buffer
	seen    *headerRecorder
	rdb     redis.UniversalClient
}

type stackOptions struct {
	tracing *ops.Tracing // default: off
	// clientSecret, when set, is the gateway's (wrong) client secret.
	clientSecret string
}

// headerRecorder keeps the request ids, trace parents and bearers the
// tenant's API was sent (token fetches aside).
type headerRecorder struct {
	mu      sync.Mutex
	ids     []string
	parents []string
	auth    []string
}

func (h *headerRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			next.ServeHTTP(w, r)
			return
		}
		h.mu.Lock()
		h.ids = append(h.ids, r.Header.Get(ops.HeaderRequestID))
		h.parents = append(h.parents, r.Header.Get("Traceparent"))
		h.auth = append(h.auth, r.Header.Get("Authorization"))
		h.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (h *headerRecorder) snapshot() (ids, parents, auth []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.ids...), append([]string(nil), h.parents...), append([]string(nil), h.auth...)
}

func newStack(t *testing.T, so stackOptions) *stack {
	t.Helper()
	seen := &headerRecorder{}
	gw := gatewaytest.New(t, gatewaytest.Options{
		Tenant:        simtenant.Options{Seed: 3, Identities: 40},
		TenantHandler: seen.wrap,
		Redis:         true,
		Tracing:       so.tracing,
		Config: func(c *config.Config) {
			if so.clientSecret != "" {
				c.ClientSecret = so.clientSecret
			}
		},
	})
	return &stack{t: t, tn: gw.Tenant, tenant: gw.TenantURL, gateway: gw.URL, logs: gw.Logs, seen: seen, rdb: gw.Client}
}

// answer is one HTTP answer from the gateway.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request to the gateway with the given headers.
func (s *stack) do(method, path, body string, header map[string]string) answer {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.gateway+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// graphql posts a document, optionally with an operation name.
func (s *stack) graphql(doc, operationName string, header map[string]string) answer {
	s.t.Helper()
	b, err := json.Marshal(map[string]any{"query": doc, "operationName": operationName})
	if err != nil {
		s.t.Fatal(err)
	}
	return s.do(http.MethodPost, "/graphql", string(b), header)
}

// firstIdentityID asks the tenant directly (not through the gateway) for an identity id.
func (s *stack) firstIdentityID() string {
	s.t.Helper()
	a := s.graphql(`query Ids { identities(first: 1) { nodes { id } } }`, "Ids", nil)
	var out struct {
		Data struct {
			Identities struct {
				Nodes []struct{ ID string }
			}
		}
	}
	if err := json.Unmarshal(a.body, &out); err != nil || len(out.Data.Identities.Nodes) == 0 {
		s.t.Fatalf("no identity: %d %s", a.status, a.body)
	}
	return out.Data.Identities.Nodes[0].ID
}

// logLines decodes the JSON log lines in b whose msg is msg.
func logLines(t *testing.T, b *logtest.Buffer, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(b.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

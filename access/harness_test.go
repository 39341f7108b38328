package access_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
	"github.com/sailgraph/sailgraph/internal/logtest"

	"github.com/redis/go-redis/v9"

	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/simtenant"
)

// The tests run whole gateways (gateway.New, through gatewaytest) on real
// parts: a simulated tenant on loopback (every exchange validated against
// SailPoint's spec) and, where asked, a real redis-server.

// The simulated tenant's clients: the gateway's own and two callers'.
var simClients = map[string]string{
	simtenant.DefaultClientID: simtenant.DefaultClientSecret,
	"alpha":                   "alpha-secret",
	"beta":                    "beta-secret",
}

type setup struct {
	keys        string // keys file; empty: anonymous
	passThrough bool
	// keyRate and keyCost are SAILGRAPH_KEY_RATE and SAILGRAPH_KEY_COST;
	// zero keeps the defaults.
	keyRate, keyCost ratelimit.Rate
	redis            bool           // Redis for the cache and the fair share
	budget           ratelimit.Rate // the tenant budget per principal; zero: 1000/1s
}

type gateway struct {
	t    testing.TB
	gw   *gatewaytest.Gateway
	sim  string
	url  string
	logs *logtest.Buffer
	rdb  redis.UniversalClient
}

func newGateway(t testing.TB, s setup) *gateway {
	t.Helper()
	gw := gatewaytest.New(t, gatewaytest.Options{
		Tenant: simtenant.Options{Identities: 40, Clients: simClients},
		Redis:  s.redis,
		Keys:   s.keys,
		Budget: s.budget,
		Config: func(c *config.Config) {
			c.PassThrough = s.passThrough
			if s.keyRate.N > 0 {
				c.KeyRate = s.keyRate
			}
			if s.keyCost.N > 0 {
				c.KeyCost = s.keyCost
			}
		},
	})
	return &gateway{t: t, gw: gw, sim: gw.TenantURL, url: gw.URL, logs: gw.Logs, rdb: gw.Client}
}

// calls is how many API calls the tenant has accepted so far.
func (g *gateway) calls() int {
	st := g.gw.Tenant.Stats()
	return st.Accepted("beta") + st.Accepted("v2024")
}

// gqlError is one entry of a response's errors.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type answer struct {
	status int
	header http.Header
	Data   map[string]json.RawMessage `json:"data"`
	Errors []gqlError                 `json:"errors"`
}

// code returns the extensions.code of the error at path (a top-level
// field name), or "".
func (a answer) code(field string) string {
	for _, e := range a.Errors {
		if len(e.Path) > 0 && e.Path[0] == field {
			s, _ := e.Extensions["code"].(string)
			return s
		}
	}
	return ""
}

// post sends query with headers (name, value pairs).
func (g *gateway) post(query string, headers ...string) answer {
	g.t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	req, err := http.NewRequest(http.MethodPost, g.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		g.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(raw, &a); err != nil {
		g.t.Fatalf("status %d, body not JSON: %s", resp.StatusCode, raw)
	}
	return a
}

// token asks the simulated tenant for an access token of client id.
func (g *gateway) token(id string) string { return g.gw.Token(id, simClients[id]) }

// identityIDs reads ids of the tenant's identities directly, not through
// the gateway.
func (g *gateway) identityIDs(n int) []string { return g.gw.IdentityIDs(n) }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

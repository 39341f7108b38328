package graphiql_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/simtenant"
)

// newGateway is a whole gateway (gateway.New, through gatewaytest): the
// page at / and its assets, and the GraphQL endpoint at /graphql, in
// front of the simulated tenant the gateway embeds by default (seed 1,
// 2000 identities) over loopback, with the cache and budget in a real
// Redis and every exchange with the tenant validated against SailPoint's
// spec.
func newGateway(t testing.TB) *gatewaytest.Gateway {
	t.Helper()
	return gatewaytest.New(t, gatewaytest.Options{
		Tenant: simtenant.Options{Seed: 1, Identities: 2000},
		Redis:  true,
		Budget: ratelimit.Rate{N: 100, Per: 10 * time.Second},
	})
}

// gqlResponse is a GraphQL answer.
type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message string `json:"message"`
		Path    []any  `json:"path"`
	} `json:"errors"`
}

// post sends a document with variables (a JSON object's text, or "") to
// the gateway's endpoint.
func post(t *testing.T, gw *gatewaytest.Gateway, query, variables string) gqlResponse {
	t.Helper()
	body := map[string]any{"query": query}
	if variables != "" {
		body["variables"] = json.RawMessage(variables)
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(gw.URL+"/graphql", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var r gqlResponse
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /graphql: %s\n%s", resp.Status, raw)
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, raw)
	}
	return r
}

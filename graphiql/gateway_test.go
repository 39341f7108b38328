package graphiql_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sailgraph/sailgraph/cache"
	"github.com/sailgraph/sailgraph/graph"
	"github.com/sailgraph/sailgraph/graph/resolvers"
	"github.com/sailgraph/sailgraph/graphiql"
	"github.com/sailgraph/sailgraph/internal/redistest"
	"github.com/sailgraph/sailgraph/internal/spectest"
	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/history"
	"github.com/sailgraph/sailgraph/upstream/httpcache"
	"github.com/sailgraph/sailgraph/upstream/principal"
	"github.com/sailgraph/sailgraph/upstream/reports"
	"github.com/sailgraph/sailgraph/upstream/rolemining"
	"github.com/sailgraph/sailgraph/upstream/tasks"
	"github.com/sailgraph/sailgraph/upstream/transport"
)

// newGateway serves the page at / (and its assets) and the GraphQL
// endpoint at /graphql, in front of the simulated tenant the gateway
// embeds by default (seed 1, 2000 identities) over loopback. The upstream
// path is production's: read-through cache and budget in a real Redis,
// singleflight, retry, OAuth2 client credentials, and every exchange with
// the tenant validated against SailPoint's spec.
func newGateway(t testing.TB) *httptest.Server {
	t.Helper()
	tn := simtenant.New(simtenant.Options{Seed: 1, Identities: 2000, RateLimit: -1})
	up := httptest.NewServer(tn.Handler())
	t.Cleanup(up.Close)
	clientID, secret := tn.ClientID()

	rdb := redistest.Start(t).Client()
	log := slog.New(slog.DiscardHandler)
	rate := ratelimit.Rate{N: 100, Per: 10 * time.Second}
	lim := ratelimit.NewRedis(rdb, rate, ratelimit.RedisOptions{Logger: log})
	t.Cleanup(func() { _ = lim.Close() })
	who := principal.ForClient("simulated", clientID)
	rt := transport.New(transport.Config{
		Base:      spectest.NewTransport(t, http.DefaultTransport),
		Principal: who,
		Credentials: &clientcredentials.Config{
			ClientID: clientID, ClientSecret: secret,
			TokenURL: up.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader,
		},
		Limiter: lim,
	})
	c, err := cache.New(cache.NewRedis(redis.UniversalClient(rdb), cache.RedisOptions{Logger: log}), cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = c.Close(ctx)
	})
	hc := &http.Client{Transport: httpcache.New(c, rt, httpcache.Options{Logger: log})}

	res := &resolvers.Resolver{Tenant: "simulated", Simulated: true}
	var errs [4]error
	res.History, errs[0] = history.New(up.URL, hc)
	res.TaskStatus, errs[1] = tasks.New(up.URL, hc)
	res.Reports, errs[2] = reports.New(up.URL, hc)
	res.RoleMining, errs[3] = rolemining.New(up.URL, hc)
	if err := errors.Join(errs[:]...); err != nil {
		t.Fatal(err)
	}
	gql := graph.NewHandler(res, graph.Options{Logger: log, Introspection: true})

	page, err := graphiql.New(graphiql.Options{Endpoint: "/graphql", Examples: graphiql.DefaultExamples()})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", gql)
	mux.Handle("GET /{$}", page)
	mux.Handle("GET "+graphiql.AssetsPath, page)
	gw := httptest.NewServer(asPrincipal(who, mux))
	t.Cleanup(gw.Close)
	return gw
}

// asPrincipal runs every request as the gateway's own client, as the
// gateway's withPrincipal middleware does.
func asPrincipal(p principal.Principal, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(principal.With(r.Context(), p)))
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
func post(t *testing.T, gw *httptest.Server, query, variables string) gqlResponse {
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

package transport_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sailgraph/sailgraph/internal/spectest"
	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/principal"
	"github.com/sailgraph/sailgraph/upstream/transport"
)

const (
	simClient = "sailgraph-test"
	simSecret = "sailgraph-test-secret"
)

// arrivals records when the tenant saw each API request, by API version.
type arrivals struct {
	mu sync.Mutex
	at map[string][]time.Time
}

func (a *arrivals) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if api, _, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/"); ok && (api == "beta" || api == "v2024") {
			a.mu.Lock()
			a.at[api] = append(a.at[api], time.Now())
			a.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

// between counts arrivals for api in [from, to).
func (a *arrivals) between(api string, from, to time.Time) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, t := range a.at[api] {
		if !t.Before(from) && t.Before(to) {
			n++
		}
	}
	return n
}

// first is the first arrival for api at or after from.
func (a *arrivals) first(api string, from time.Time) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, t := range a.at[api] {
		if !t.Before(from) {
			return t, true
		}
	}
	return time.Time{}, false
}

// startTenant serves a simulated tenant over real HTTP, recording
// arrivals.
func startTenant(t *testing.T, opts simtenant.Options) (*simtenant.Tenant, string, *arrivals) {
	t.Helper()
	opts.Clients = map[string]string{simClient: simSecret}
	if opts.Identities == 0 {
		opts.Identities = 50
	}
	tn := simtenant.New(opts)
	arr := &arrivals{at: map[string][]time.Time{}}
	srv := httptest.NewServer(arr.wrap(tn.Handler()))
	t.Cleanup(srv.Close)
	return tn, srv.URL, arr
}

func simCredentials(tenantURL string) *clientcredentials.Config {
	return &clientcredentials.Config{
		ClientID: simClient, ClientSecret: simSecret,
		TokenURL:  tenantURL + "/oauth/token",
		AuthStyle: oauth2.AuthStyleInHeader,
	}
}

func gatewayPrincipal() principal.Principal { return principal.ForClient("sim", simClient) }

// replicaClient builds a Redis client as a gateway replica should.
func replicaClient(addrs ...string) redis.UniversalClient {
	return redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:                 addrs,
		ContextTimeoutEnabled: true,
		DialTimeout:           200 * time.Millisecond,
		ReadTimeout:           500 * time.Millisecond,
		WriteTimeout:          500 * time.Millisecond,
		MaxRetries:            1,
	})
}

func baseTransport() *http.Transport {
	return &http.Transport{MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}
}

// replica is one in-process gateway replica: its own Redis client,
// limiter, token cache and chain.
type replica struct {
	lim *ratelimit.Redis
	obs *transport.Counter
	rt  http.RoundTripper
}

func newReplica(t *testing.T, tenantURL string, redisAddrs []string, r ratelimit.Rate, validate bool) *replica {
	t.Helper()
	rdb := replicaClient(redisAddrs...)
	obs := transport.NewCounter()
	lim := ratelimit.NewRedis(rdb, r, ratelimit.RedisOptions{
		Heartbeat:  100 * time.Millisecond,
		OnFallback: obs.ObserveFallback,
		Logger:     testLogger(t),
	})
	t.Cleanup(func() { _ = lim.Close(); _ = rdb.Close() })
	var base http.RoundTripper = baseTransport()
	if validate {
		base = spectest.NewTransport(t, base)
	}
	rt := transport.New(transport.Config{
		Base:        base,
		Principal:   gatewayPrincipal(),
		Credentials: simCredentials(tenantURL),
		Limiter:     lim,
		Observer:    obs,
	})
	return &replica{lim: lim, obs: obs, rt: rt}
}

// get sends a GET through rt and returns its status, draining the body.
func get(ctx context.Context, rt http.RoundTripper, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// outcome classifies one call for the load tests.
type outcome int

const (
	served   outcome = iota // the tenant answered, not with 429 or 5xx
	limited                 // refused by the budget before the deadline
	cut                     // the run ended while the call waited
	timedOut                // the call's own deadline passed after the budget let it go
	failed                  // anything else
	outcomes
)

func classify(runCtx context.Context, status int, err error) outcome {
	switch {
	case err == nil && status != http.StatusTooManyRequests && status < 500:
		return served
	case errors.Is(err, isc.ErrRateLimited):
		return limited
	case err != nil && runCtx.Err() != nil:
		return cut
	case errors.Is(err, context.DeadlineExceeded):
		return timedOut
	}
	return failed
}

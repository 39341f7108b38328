package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
	"github.com/sailgraph/sailgraph/internal/spectest"
	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/simtenant"
)

// callerSecret is the Authorization a test client sends to the gateway;
// it must never reach the tenant.
const callerSecret = "Bearer caller-own-token-must-not-travel"

// testClock is a settable clock shared by a tenant and its twin.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// envOptions vary the gateway under test.
type envOptions struct {
	// budget is the gateway's own rate (default 1000 per second).
	budget ratelimit.Rate
	// timeout bounds each REST call (SAILGRAPH_UPSTREAM_TIMEOUT; 0: the
	// default).
	timeout time.Duration
	// now is the tenants' clock (default the real one).
	now func() time.Time
	// reportDuration is how long the tenant takes to run a report.
	reportDuration time.Duration
	// lean leaves out everything not needed to stream (spec validation of
	// the tenant side, the twin tenant) for the heap test.
	lean bool
	// upstreamAPI is the gateway's SAILGRAPH_UPSTREAM_API (default: legacy
	// everywhere). The REST side serves both generations' paths whatever
	// it says.
	upstreamAPI string
}

// env is a whole gateway (gateway.New, through gatewaytest; Redis for the
// cache and the budget) whose REST side and downloads the tests call, in
// front of a simulated tenant over loopback. A
// twin tenant of the same seed and clock is served directly, to compare
// the gateway's answers with the tenant's own.
type env struct {
	t       *testing.T
	tn      *simtenant.Tenant
	twin    *simtenant.Tenant
	gateway string // base URL
	twinURL string

	// client talks to the gateway, direct to the twin; both validate every
	// exchange against SailPoint's spec.
	client, direct *http.Client
	// upstreamAuth records every Authorization the gateway sent the tenant.
	upstreamAuth *headerLog
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	if o.now == nil {
		o.now = time.Now
	}
	topts := simtenant.Options{Seed: 7, Identities: 60, RateLimit: -1, Now: o.now, ReportDuration: o.reportDuration}
	e := &env{t: t, upstreamAuth: &headerLog{}}
	gw := gatewaytest.New(t, gatewaytest.Options{
		UpstreamAPI: o.upstreamAPI,
		Tenant:      topts,
		Redis:       true,
		Budget:      o.budget,
		NoSpec:      o.lean,
		Base:        func(next http.RoundTripper) http.RoundTripper { return recordAuth{log: e.upstreamAuth, next: next} },
		Config: func(c *config.Config) {
			if o.timeout > 0 {
				c.UpstreamTimeout = o.timeout
			}
		},
	})
	e.tn, e.gateway = gw.Tenant, gw.URL

	clientBase := &http.Transport{MaxIdleConnsPerHost: 16}
	t.Cleanup(clientBase.CloseIdleConnections)
	if o.lean {
		e.client = &http.Client{Transport: withAuth{auth: callerSecret, next: clientBase}}
		return e
	}
	e.client = &http.Client{Transport: withAuth{auth: callerSecret, next: spectest.NewTransport(t, clientBase)}}

	e.twin = simtenant.New(topts)
	twin := httptest.NewServer(e.twin.Handler())
	t.Cleanup(twin.Close)
	e.twinURL = twin.URL
	tid, tsecret := e.twin.ClientID()
	cc := &clientcredentials.Config{ClientID: tid, ClientSecret: tsecret, TokenURL: twin.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: clientBase})
	e.direct = &http.Client{Transport: &oauth2.Transport{Source: cc.TokenSource(ctx), Base: spectest.NewTransport(t, clientBase)}}
	return e
}

// exchange is one answer, read whole.
type exchange struct {
	status int
	header http.Header
	body   []byte
}

// call sends one request with c to base+path.
func (e *env) call(c *http.Client, base, method, path, ctype, body string) exchange {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return exchange{status: resp.StatusCode, header: resp.Header, body: b}
}

// viaGateway sends a request to the gateway's REST side.
func (e *env) viaGateway(method, path, ctype, body string) exchange {
	e.t.Helper()
	return e.call(e.client, e.gateway, method, path, ctype, body)
}

// tenantRequests is how many API requests the tenant behind the gateway
// has answered.
func (e *env) tenantRequests() int {
	n := 0
	for _, byStatus := range e.tn.Stats().Requests {
		for _, k := range byStatus {
			n += k
		}
	}
	return n
}

// withAuth sets an Authorization header on every request.
type withAuth struct {
	auth string
	next http.RoundTripper
}

func (a withAuth) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", a.auth)
	return a.next.RoundTrip(r)
}

// headerLog collects header values, safe for concurrent use.
type headerLog struct {
	mu   sync.Mutex
	seen map[string]int
}

func (l *headerLog) add(v string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string]int{}
	}
	l.seen[v]++
}

func (l *headerLog) count(v string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seen[v]
}

func (l *headerLog) total() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, k := range l.seen {
		n += k
	}
	return n
}

// recordAuth records the Authorization of every API request the gateway
// sends to the tenant.
type recordAuth struct {
	log  *headerLog
	next http.RoundTripper
}

func (r recordAuth) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Path != "/oauth/token" {
		r.log.add(req.Header.Get("Authorization"))
	}
	return r.next.RoundTrip(req)
}

// pathEscape escapes one path segment.
func pathEscape(s string) string { return url.PathEscape(s) }

// newServer serves h on loopback for the test and returns its URL.
func newServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

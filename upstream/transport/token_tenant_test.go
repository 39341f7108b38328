package transport_test

import (
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/clocktest"
	"github.com/sailgraph/sailgraph/internal/spectest"
	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/transport"
)

// tokenChain is the production chain without a limiter (the tenant's
// limit is off here), validated against the spec, its token cache on
// the clock now.
func tokenChain(t *testing.T, url string, now func() time.Time) http.RoundTripper {
	return transport.New(transport.Config{
		Base:        spectest.NewTransport(t, baseTransport()),
		Principal:   gatewayPrincipal(),
		Credentials: simCredentials(url),
		Token:       transport.TokenOptions{Now: now},
	})
}

// fifty runs 50 GETs released together, each with its own URL, and fails
// the test on any non-200.
func fifty(t *testing.T, rt http.RoundTripper, url string) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 50 {
		wg.Go(func() {
			<-start
			status, err := get(ctxFor(t, 20*time.Second), rt, url+"/beta/task-status?limit=1&offset="+strconv.Itoa(i))
			if err != nil || status != 200 {
				t.Errorf("caller %d: status %d, %v", i, status, err)
			}
		})
	}
	close(start)
	wg.Wait()
}

// TestTokenExpiryUnder50Callers: once the token nears its expiry, 50
// concurrent callers cause exactly one token request. The tenant and the
// token cache share a fake clock.
func TestTokenExpiryUnder50Callers(t *testing.T) {
	clock := clocktest.New(time.Now())
	tn, url, _ := startTenant(t, simtenant.Options{RateLimit: -1, TokenTTL: 3 * time.Second, Now: clock.Now})
	rt := tokenChain(t, url, clock.Now)
	fifty(t, rt, url)
	if n := tn.Stats().TokenRequests; n != 1 {
		t.Fatalf("%d token requests for the first 50 callers, want 1", n)
	}
	clock.Advance(1400 * time.Millisecond) // short of the refresh point: half of the 3 s lifetime
	fifty(t, rt, url)
	if n := tn.Stats().TokenRequests; n != 1 {
		t.Fatalf("%d token requests before the refresh point, want 1", n)
	}
	clock.Advance(200 * time.Millisecond) // past it
	fifty(t, rt, url)
	st := tn.Stats()
	if st.TokenRequests != 2 {
		t.Errorf("%d token requests after expiry, want 2 (one refresh for 50 callers)", st.TokenRequests)
	}
	if n := st.Total(401); n != 0 {
		t.Errorf("%d requests went out with an expiring token", n)
	}
}

// TestToken401RefreshesOnce: the tenant expires every token; the 50
// callers that next get a 401 cause exactly one refresh, and all succeed.
func TestToken401RefreshesOnce(t *testing.T) {
	tn, url, _ := startTenant(t, simtenant.Options{RateLimit: -1, TokenTTL: time.Hour})
	rt := tokenChain(t, url, time.Now)
	fifty(t, rt, url)
	tn.ExpireTokens()
	fifty(t, rt, url)
	st := tn.Stats()
	if st.TokenRequests != 2 {
		t.Errorf("%d token requests, want 2 (one refresh after the 401s)", st.TokenRequests)
	}
	if n := st.Total(401); n < 1 || n > 50 {
		t.Errorf("%d 401s, want between 1 and 50 (each caller retried at most once)", n)
	}
}

package transport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sailgraph/sailgraph/internal/clocktest"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

const (
	clientID     = "gateway-client"
	clientSecret = "s3cret-value"
)

// authServer issues client-credentials tokens and serves an API that
// accepts only tokens it issued and has not revoked.
type authServer struct {
	t    *testing.T
	ttl  time.Duration
	now  func() time.Time
	hits *hits
	// hold, if set, delays every token answer until it is closed.
	hold chan struct{}

	mu     sync.Mutex
	issued int
	valid  map[string]time.Time
	always bool // refuse every API request with 401
}

func newAuthServer(t *testing.T, ttl time.Duration) (*authServer, string) {
	return newAuthServerAt(t, ttl, time.Now)
}

// newAuthServerAt is newAuthServer whose token lifetimes run on now.
func newAuthServerAt(t *testing.T, ttl time.Duration, now func() time.Time) (*authServer, string) {
	a := &authServer{t: t, ttl: ttl, now: now, hits: newHits(), valid: map[string]time.Time{}}
	srv := serve(t, a.serveHTTP)
	return a, srv.URL
}

func (a *authServer) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/oauth/token" {
		a.serveToken(w, r)
		return
	}
	a.hits.record(r)
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	a.mu.Lock()
	exp, ok := a.valid[tok]
	refuse := a.always || !ok || a.now().After(exp)
	a.mu.Unlock()
	if refuse {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	fmt.Fprintf(w, "ok %s", tok)
}

func (a *authServer) serveToken(w http.ResponseWriter, r *http.Request) {
	if a.hold != nil {
		<-a.hold
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	if r.PostFormValue("grant_type") != "client_credentials" || id != clientID || secret != clientSecret {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"invalid_client","error_description":"Bad credentials"}`)
		return
	}
	a.mu.Lock()
	a.issued++
	tok := fmt.Sprintf("tok-%d", a.issued)
	a.valid[tok] = a.now().Add(a.ttl)
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": int(a.ttl / time.Second)})
}

func (a *authServer) tokenRequests() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.issued
}

func (a *authServer) revokeAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	clear(a.valid)
}

func (a *authServer) refuseAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.always = true
}

func credentials(base, secret string) *clientcredentials.Config {
	return &clientcredentials.Config{ClientID: clientID, ClientSecret: secret, TokenURL: base + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
}

// concurrently runs n copies of f released at once and waits for them.
func concurrently(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}

func TestOAuth2ReusesToken(t *testing.T) {
	a, base := newAuthServer(t, time.Hour)
	rt := Chain(http.DefaultTransport, OAuth2(credentials(base, clientSecret), TokenOptions{}))
	ctx := ctxFor(t, 10*time.Second)
	for i := range 20 {
		if status, body := call(t, ctx, rt, "GET", base+"/beta/task-status/x", ""); status != 200 || body != "ok tok-1" {
			t.Fatalf("call %d: %d %q", i, status, body)
		}
	}
	if n := a.tokenRequests(); n != 1 {
		t.Errorf("%d token requests for 20 calls, want 1", n)
	}
}

func TestOAuth2FirstTokenOnceFor50(t *testing.T) {
	a, base := newAuthServer(t, time.Hour)
	rt := Chain(http.DefaultTransport, OAuth2(credentials(base, clientSecret), TokenOptions{}))
	ctx := ctxFor(t, 20*time.Second)
	concurrently(50, func(int) {
		if status, _ := call(t, ctx, rt, "GET", base+"/beta/task-status/x", ""); status != 200 {
			t.Errorf("status %d", status)
		}
	})
	if n := a.tokenRequests(); n != 1 {
		t.Errorf("%d token requests for 50 concurrent first calls, want 1", n)
	}
}

// TestOAuth2RefreshesBeforeExpiryOnceFor50 runs the token server and the
// token cache on one fake clock: the token is kept until its refresh
// point (2 s lifetime - 500ms leeway) and replaced once past it, by one
// fetch for 50 callers.
func TestOAuth2RefreshesBeforeExpiryOnceFor50(t *testing.T) {
	clock := clocktest.New(time.Now())
	a, base := newAuthServerAt(t, 2*time.Second, clock.Now)
	rt := Chain(http.DefaultTransport, OAuth2(credentials(base, clientSecret), TokenOptions{Leeway: 500 * time.Millisecond, Now: clock.Now}))
	ctx := ctxFor(t, 20*time.Second)
	if status, body := call(t, ctx, rt, "GET", base+"/beta/task-status/x", ""); status != 200 || body != "ok tok-1" {
		t.Fatalf("first call: %d %q", status, body)
	}
	clock.Advance(1400 * time.Millisecond) // short of the refresh point
	if status, body := call(t, ctx, rt, "GET", base+"/beta/task-status/x", ""); status != 200 || body != "ok tok-1" {
		t.Fatalf("before the refresh point: %d %q, want the first token kept", status, body)
	}
	clock.Advance(200 * time.Millisecond) // past it, 400ms before the expiry
	concurrently(50, func(int) {
		if status, body := call(t, ctx, rt, "GET", base+"/beta/task-status/x", ""); status != 200 || body != "ok tok-2" {
			t.Errorf("after refresh: %d %q", status, body)
		}
	})
	if n := a.tokenRequests(); n != 2 {
		t.Errorf("%d token requests, want 2 (one refresh for 50 callers)", n)
	}
	if n := a.hits.count("/beta/task-status/x"); n != 52 {
		t.Errorf("%d API requests, want 52: a token near expiry must not be sent", n)
	}
}

func TestTokenLifetime(t *testing.T) {
	asked := time.Now()
	for _, c := range []struct {
		name string
		tok  *oauth2.Token
		want time.Duration
		ok   bool
	}{
		{"expires_in", &oauth2.Token{ExpiresIn: 749, Expiry: asked.Add(750 * time.Second)}, 749 * time.Second, true},
		{"expiry only", &oauth2.Token{Expiry: asked.Add(90 * time.Second)}, 90 * time.Second, true},
		{"expired on arrival", &oauth2.Token{Expiry: asked.Add(-time.Second)}, -time.Second, true},
		{"no expiry", &oauth2.Token{}, 0, false},
	} {
		if got, ok := tokenLifetime(c.tok, asked); got != c.want || ok != c.ok {
			t.Errorf("%s: tokenLifetime = %s, %v; want %s, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestOAuth2401RefreshesOnceAndRetries(t *testing.T) {
	a, base := newAuthServer(t, time.Hour)
	rt := Chain(http.DefaultTransport, OAuth2(credentials(base, clientSecret), TokenOptions{}))
	ctx := ctxFor(t, 20*time.Second)
	call(t, ctx, rt, "GET", base+"/beta/task-status/x", "")
	a.revokeAll()
	concurrently(50, func(i int) {
		body := fmt.Sprintf(`[{"op":"replace","path":"/completionStatus","value":"Success%d"}]`, i)
		if status, got := call(t, ctx, rt, "PATCH", base+"/beta/task-status/x", body); status != 200 || got != "ok tok-2" {
			t.Errorf("PATCH after revocation: %d %q", status, got)
		}
	})
	if n := a.tokenRequests(); n != 2 {
		t.Errorf("%d token requests, want 2: one refresh for every 401", n)
	}
	bodies, auth := a.hits.snapshot()
	seen := map[string]int{}
	for i, b := range bodies {
		if auth[i] == "Bearer tok-2" {
			seen[b]++
		}
	}
	for i := range 50 {
		body := fmt.Sprintf(`[{"op":"replace","path":"/completionStatus","value":"Success%d"}]`, i)
		if seen[body] != 1 {
			t.Errorf("body %d reached the API %d times with the new token, want once (rewound intact)", i, seen[body])
		}
	}
}

func TestOAuth2401RetriesOnlyOnce(t *testing.T) {
	a, base := newAuthServer(t, time.Hour)
	a.refuseAll()
	rt := Chain(http.DefaultTransport, OAuth2(credentials(base, clientSecret), TokenOptions{}))
	if status, _ := call(t, ctxFor(t, 10*time.Second), rt, "GET", base+"/beta/task-status/x", ""); status != 401 {
		t.Fatalf("status %d, want the API's 401", status)
	}
	if n := a.hits.count("/beta/task-status/x"); n != 2 {
		t.Errorf("%d API requests, want 2 (one retry)", n)
	}
	if n := a.tokenRequests(); n != 2 {
		t.Errorf("%d token requests, want 2 (one refresh)", n)
	}
}

func TestOAuth2PassThrough(t *testing.T) {
	a, base := newAuthServer(t, time.Hour)
	rt := Chain(http.DefaultTransport, OAuth2(credentials(base, clientSecret), TokenOptions{}))
	ctx := principal.With(ctxFor(t, 10*time.Second), principal.ForBearer("sim", "callers-own-token"))
	if status, _ := call(t, ctx, rt, "GET", base+"/beta/task-status/x", ""); status != 401 {
		t.Fatalf("status %d, want the API's 401 passed up", status)
	}
	_, auth := a.hits.snapshot()
	if len(auth) != 1 || auth[0] != "Bearer callers-own-token" {
		t.Errorf("API saw Authorization %q, want the caller's own token once", auth)
	}
	if n := a.tokenRequests(); n != 0 {
		t.Errorf("%d token requests for a pass-through principal, want 0", n)
	}
}

func TestOAuth2BadCredentials(t *testing.T) {
	a, base := newAuthServer(t, time.Hour)
	rt := Chain(http.DefaultTransport, OAuth2(credentials(base, "wrong-secret"), TokenOptions{}))
	_, err := send(ctxFor(t, 10*time.Second), rt, "GET", base+"/beta/task-status/x", "")
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || !errors.Is(err, isc.ErrUnauthorized) {
		t.Fatalf("err = %v, want an *oauth2.RetrieveError wrapping isc.ErrUnauthorized", err)
	}
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("error shows the secret: %v", err)
	}
	if n := a.hits.count("/beta/task-status/x"); n != 0 {
		t.Errorf("%d API requests without a token", n)
	}
}

// A token endpoint that fails (rather than refusing the credentials) is
// an outage, not an authentication failure.
func TestOAuth2TokenEndpointDown(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer down.Close()
	rt := Chain(http.DefaultTransport, OAuth2(credentials(down.URL, "secret"), TokenOptions{}))
	_, err := send(ctxFor(t, 10*time.Second), rt, "GET", down.URL+"/beta/task-status/x", "")
	if !errors.Is(err, isc.ErrUnavailable) || errors.Is(err, isc.ErrUnauthorized) {
		t.Fatalf("err = %v, want isc.ErrUnavailable", err)
	}
}

// TestOAuth2FetchOutlivesItsFirstCaller: the caller that started a token
// fetch leaves; the others still get the token it brings.
func TestOAuth2FetchOutlivesItsFirstCaller(t *testing.T) {
	a, base := newAuthServer(t, time.Hour)
	a.hold = make(chan struct{})
	rt := Chain(http.DefaultTransport, OAuth2(credentials(base, clientSecret), TokenOptions{}))
	first, cancel := context.WithCancel(context.Background())
	firstErr := make(chan error, 1)
	go func() {
		_, err := send(first, rt, "GET", base+"/beta/task-status/x", "")
		firstErr <- err
	}()
	secondDone := make(chan int, 1)
	go func() {
		status, _ := call(t, ctxFor(t, 20*time.Second), rt, "GET", base+"/beta/task-status/x", "")
		secondDone <- status
	}()
	cancel()
	if err := <-firstErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller got %v, want context.Canceled", err)
	}
	close(a.hold)
	if status := <-secondDone; status != 200 {
		t.Fatalf("second caller got %d", status)
	}
	if n := a.tokenRequests(); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
}

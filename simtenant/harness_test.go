package simtenant

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sailgraph/sailgraph/internal/spectest"
)

// harness is a tenant served over real HTTP on loopback, with a client
// that holds a valid bearer and validates every exchange against the spec.
type harness struct {
	t      *testing.T
	tn     *Tenant
	srv    *httptest.Server
	client *http.Client // spec-validating, bearer attached
	raw    *http.Client // bearer attached, no validation (for deliberate contract breaches)
	bare   *http.Client // bearer attached, no validation, no X-SailPoint-Experimental
	spec   *spectest.Transport
	token  string
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	if opts.Identities == 0 {
		opts.Identities = 200
	}
	tn := New(opts)
	srv := httptest.NewServer(tn.Handler())
	t.Cleanup(srv.Close)
	h := &harness{t: t, tn: tn, srv: srv}
	h.token = h.fetchToken()
	bearer := &bearerTransport{token: &h.token, base: http.DefaultTransport}
	h.spec = spectest.NewTransport(t, bearer)
	// The experimental header goes on before the spec check sees the
	// request: the v1 specs require it.
	h.client = &http.Client{Transport: experimentalTransport{h.spec}}
	h.raw = &http.Client{Transport: experimentalTransport{bearer}}
	h.bare = &http.Client{Transport: bearer}
	return h
}

func (h *harness) fetchToken() string {
	h.t.Helper()
	id, secret := h.tn.ClientID()
	resp, err := http.PostForm(h.srv.URL+"/oauth/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret},
	})
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&tok) != nil || tok.AccessToken == "" {
		h.t.Fatalf("token request: status %d", resp.StatusCode)
	}
	return tok.AccessToken
}

// do sends a validated request and returns status, headers and body.
func (h *harness) do(method, path string, body string, contentType string) (int, http.Header, []byte) {
	h.t.Helper()
	return h.send(h.client, method, path, body, contentType)
}

func (h *harness) send(c *http.Client, method, path, body, contentType string) (int, http.Header, []byte) {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// get sends a validated GET, requires status want, and decodes the body
// into out (when out is not nil).
func (h *harness) get(path string, want int, out any) http.Header {
	h.t.Helper()
	status, hdr, b := h.do(http.MethodGet, path, "", "")
	if status != want {
		h.t.Fatalf("GET %s = %d, want %d: %s", path, status, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			h.t.Fatalf("GET %s: decode: %v: %s", path, err, b)
		}
	}
	return hdr
}

type bearerTransport struct {
	token *string
	base  http.RoundTripper
}

func (b *bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+*b.token)
	return b.base.RoundTrip(r)
}

// experimentalTransport sends X-SailPoint-Experimental: true to the v1
// APIs that require it (identity history, role mining), unless the
// request sets the header itself.
type experimentalTransport struct{ base http.RoundTripper }

func (e experimentalTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if needsExperimental(r.URL.Path) && r.Header.Get(experimentalHeader) == "" {
		r = r.Clone(r.Context())
		r.Header.Set(experimentalHeader, "true")
	}
	return e.base.RoundTrip(r)
}

func needsExperimental(path string) bool {
	return strings.HasPrefix(path, "/historical-identities/v1") || strings.HasPrefix(path, "/role-mining-sessions/v1")
}

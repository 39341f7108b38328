package gateway_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/sailgraph/sailgraph/access"
	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
)

const portal = "https://portal.example.com"

const portalKey = "sgk_portal_0123456789abcdefghijklmnopqrstuvwxyzABCD"

func keysFile(t *testing.T) string {
	t.Helper()
	line, err := access.EntryFor("portal", portalKey, "idn:identity-history:read")
	if err != nil {
		t.Fatal(err)
	}
	return string(line) + "\n"
}

func send(t *testing.T, method, url string, header map[string]string, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// A browser page of a listed origin may call the gateway: its preflight is
// answered before authentication, with the headers GraphQL clients send
// and a max age; another origin gets no CORS headers, so the browser keeps
// it out.
func TestCORS(t *testing.T) {
	gw := gatewaytest.New(t, gatewaytest.Options{
		Keys:   keysFile(t),
		Config: func(c *config.Config) { c.CORSOrigins = []string{portal, "http://localhost:3000"} },
	})
	preflight := func(origin string) *http.Response {
		return send(t, http.MethodOptions, gw.URL+"/graphql", map[string]string{
			"Origin":                         origin,
			"Access-Control-Request-Method":  "POST",
			"Access-Control-Request-Headers": "content-type,authorization,x-api-key,x-request-id",
		}, "")
	}
	resp := preflight(portal)
	h := resp.Header
	if resp.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != portal {
		t.Fatalf("preflight from %s: %d %v", portal, resp.StatusCode, h)
	}
	allowed := strings.ToLower(h.Get("Access-Control-Allow-Headers"))
	for _, want := range []string{"content-type", "authorization", "x-api-key", "x-request-id"} {
		if !strings.Contains(allowed, want) {
			t.Errorf("Access-Control-Allow-Headers %q lacks %s", allowed, want)
		}
	}
	if !strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") || h.Get("Access-Control-Max-Age") != "7200" {
		t.Errorf("preflight: methods %q, max age %q", h.Get("Access-Control-Allow-Methods"), h.Get("Access-Control-Max-Age"))
	}
	if h.Get("Access-Control-Allow-Credentials") != "" {
		t.Error("credentials (cookies) allowed: the gateway authenticates by header")
	}

	for _, other := range []string{"https://evil.example.com", "https://portal.example.com.evil.example", "http://portal.example.com"} {
		resp := preflight(other)
		if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("preflight from %s allowed: %q", other, v)
		}
	}

	// The request itself: authenticated as always, with the origin and
	// the headers a page may read.
	post := func(origin, key string) *http.Response {
		return send(t, http.MethodPost, gw.URL+"/graphql", map[string]string{
			"Origin": origin, "Content-Type": "application/json", "Authorization": "Bearer " + key,
		}, `{"query":"{ gateway { tenant } }"}`)
	}
	resp = post(portal, portalKey)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != portal ||
		!strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "X-Request-Id") {
		t.Errorf("POST from %s: %d %v", portal, resp.StatusCode, resp.Header)
	}
	if resp := post(portal, "sgk_wrong_0123456789abcdefghijklmnopqrstuvwxyz"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST from %s with a wrong key: %d", portal, resp.StatusCode)
	}
	if resp := post("https://evil.example.com", portalKey); resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("POST from another origin carries CORS headers: %v", resp.Header)
	}
}

// Without SAILGRAPH_CORS_ORIGINS nothing changes: no CORS headers.
func TestNoCORSByDefault(t *testing.T) {
	gw := gatewaytest.New(t, gatewaytest.Options{})
	resp := send(t, http.MethodOptions, gw.URL+"/graphql", map[string]string{
		"Origin": portal, "Access-Control-Request-Method": "POST",
	}, "")
	if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
		t.Fatalf("CORS allowed by default: %q", v)
	}
}

// "*" lets any page in on a gateway without callers to tell apart (main's
// TestCORSAnyOriginNeedsAnonymity checks that it stops the start of any
// other).
func TestCORSAnyOrigin(t *testing.T) {
	gw := gatewaytest.New(t, gatewaytest.Options{Config: func(c *config.Config) { c.CORSOrigins = []string{"*"} }})
	resp := send(t, http.MethodOptions, gw.URL+"/graphql", map[string]string{
		"Origin": "https://anywhere.example", "Access-Control-Request-Method": "POST",
	}, "")
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("* on an anonymous gateway: %v", resp.Header)
	}
}

package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
	"github.com/sailgraph/sailgraph/internal/browsertest"
	"github.com/sailgraph/sailgraph/internal/waittest"
)

// fetchResult is what the page's script reports of one call to the
// gateway.
type fetchResult struct {
	Status    int    `json:"status"`
	Tenant    string `json:"tenant"`
	RequestID string `json:"requestId"`
	Error     string `json:"error"`
}

// fetchScript is a browser app's GraphQL call: a POST with a JSON body,
// the API key in Authorization and a request id, so that Chromium sends a
// preflight first. It resolves to a fetchResult.
func fetchScript(gatewayURL, key string) string {
	u, _ := json.Marshal(gatewayURL + "/graphql")
	k, _ := json.Marshal("Bearer " + key)
	return fmt.Sprintf(`(async () => {
		try {
			const r = await fetch(%s, {
				method: "POST",
				headers: {"Content-Type": "application/json", "Authorization": %s, "X-Request-Id": "from-the-portal"},
				body: JSON.stringify({query: "{ gateway { tenant } }"}),
			});
			const body = await r.json();
			return {status: r.status, tenant: body.data.gateway.tenant, requestId: r.headers.get("X-Request-Id") || ""};
		} catch (e) {
			return {error: String(e)};
		}
	})()`, u, k)
}

// A page served from a second origin calls the gateway from headless
// Chromium: listed in SAILGRAPH_CORS_ORIGINS, its preflight passes and
// the answer (and its X-Request-Id) reaches the script; from an origin
// not listed, the browser blocks the call before it is sent.
func TestCORSInChromium(t *testing.T) {
	page := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!doctype html><title>portal</title><p>a browser app on its own origin</p>")
	}
	app := httptest.NewServer(http.HandlerFunc(page))
	t.Cleanup(app.Close)
	stranger := httptest.NewServer(http.HandlerFunc(page))
	t.Cleanup(stranger.Close)
	gw := gatewaytest.New(t, gatewaytest.Options{
		Keys:   keysFile(t),
		Config: func(c *config.Config) { c.CORSOrigins = []string{app.URL} },
	})

	browser := browsertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tab, err := browser.NewPage(ctx, 800, 600)
	if err != nil {
		t.Fatal(err)
	}

	if err := tab.Navigate(ctx, app.URL+"/"); err != nil {
		t.Fatal(err)
	}
	var got fetchResult
	if err := tab.Eval(ctx, fetchScript(gw.URL, portalKey), &got); err != nil {
		t.Fatal(err)
	}
	if got.Error != "" || got.Status != http.StatusOK || got.Tenant != gw.TenantURL || got.RequestID != "from-the-portal" {
		t.Fatalf("from the listed origin %s: %+v", app.URL, got)
	}
	logs := gw.Logs.String()
	if !strings.Contains(logs, `"method":"OPTIONS","path":"/graphql","route":"/graphql","status":204`) {
		t.Errorf("no preflight reached the gateway:\n%s", logs)
	}
	if p := tab.Problems(); len(p) > 0 {
		t.Errorf("the page from the listed origin has problems: %q", p)
	}

	if err := tab.Navigate(ctx, stranger.URL+"/"); err != nil {
		t.Fatal(err)
	}
	got = fetchResult{}
	if err := tab.Eval(ctx, fetchScript(gw.URL, portalKey), &got); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got.Error, "Failed to fetch") || got.Status != 0 {
		t.Fatalf("from the unlisted origin %s: %+v", stranger.URL, got)
	}
	// Chromium says why: the CORS policy.
	waittest.Until(t, "the browser to report a CORS violation", func() bool {
		return slices.ContainsFunc(tab.Problems(), func(p string) bool { return strings.Contains(p, "CORS policy") })
	})
	if n := strings.Count(gw.Logs.String(), `"method":"POST","path":"/graphql"`); n != 1 {
		t.Errorf("%d POSTs reached the gateway, want 1 (the unlisted origin's must be blocked at its preflight)", n)
	}
}

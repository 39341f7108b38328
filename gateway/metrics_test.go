package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sailgraph/sailgraph/access"
	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
)

// With API keys, /metrics needs one; with a metrics address of its own, it
// is not on the main address at all.
func TestMetricsAreNotPublic(t *testing.T) {
	line, err := access.EntryFor("ops", keyOne, "idn:identity-history:read")
	if err != nil {
		t.Fatal(err)
	}
	g := gatewaytest.New(t, gatewaytest.Options{Keys: string(line) + "\n"})
	get := func(url string, hdr ...string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := get(g.URL + "/metrics"); s != http.StatusUnauthorized {
		t.Fatalf("/metrics without a key: %d", s)
	}
	if s := get(g.URL+"/metrics", "X-API-Key", keyOne); s != http.StatusOK {
		t.Fatalf("/metrics with a key: %d", s)
	}
	sep := gatewaytest.New(t, gatewaytest.Options{Config: func(c *config.Config) { c.MetricsAddr = "127.0.0.1:0" }})
	if s := get(sep.URL + "/metrics"); s != http.StatusNotFound {
		t.Fatalf("/metrics on the main address with a metrics address set: %d", s)
	}
	// What the command serves there: the same registry, which counted
	// the 404 above.
	rec := httptest.NewRecorder()
	sep.GW.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if want := `status="404"`; rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
		t.Fatalf("the metrics handler: %d, want 200 with a sample labelled %s:\n%.2000s", rec.Code, want, rec.Body.String())
	}
}

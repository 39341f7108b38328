package graphiql_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/sailgraph/sailgraph/graphiql"
)

func serve(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// The page carries its configuration as a JSON data block (no inline
// script, which its policy forbids), refers to every asset by a versioned
// URL, and is never cached stale.
func TestPage(t *testing.T) {
	examples := []graphiql.Example{{Title: "Breaks out?", Description: "</script><script>alert(1)</script>", Query: "{ gateway { tenant } }"}}
	h, err := graphiql.New(graphiql.Options{Endpoint: "/graphql", Examples: examples, Title: "t"})
	if err != nil {
		t.Fatal(err)
	}
	rec := serve(t, h, http.MethodGet, "/", nil)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	for k, want := range map[string]string{"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"} {
		if got := rec.Header().Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	csp := rec.Header().Get("Content-Security-Policy")
	for _, part := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, part) {
			t.Errorf("CSP %q lacks %q", csp, part)
		}
	}
	body := rec.Body.String()
	if strings.Count(body, "<script") != 5 || strings.Contains(body, "alert(1)</script>") {
		t.Fatalf("the example's text escaped its data block:\n%s", body)
	}
	m := regexp.MustCompile(`(?s)<script type="application/json" id="sailgraph-config">(.*?)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no config block:\n%s", body)
	}
	var cfg struct {
		Endpoint string
		Examples []graphiql.Example
	}
	if err := json.Unmarshal([]byte(m[1]), &cfg); err != nil {
		t.Fatalf("config is not JSON: %v\n%s", err, m[1])
	}
	if cfg.Endpoint != "/graphql" || len(cfg.Examples) != 1 || cfg.Examples[0] != examples[0] {
		t.Errorf("config = %+v", cfg)
	}
	srcs := regexp.MustCompile(`(?:src|href)="(/graphiql/[^"]+)"`).FindAllStringSubmatch(body, -1)
	if len(srcs) != 6 {
		t.Fatalf("%d asset references, want 6", len(srcs))
	}
	for _, s := range srcs {
		url := strings.ReplaceAll(s[1], "&amp;", "&")
		a := serve(t, h, http.MethodGet, url, nil)
		if a.Code != http.StatusOK || a.Body.Len() == 0 || !strings.Contains(a.Header().Get("Cache-Control"), "immutable") {
			t.Errorf("GET %s: %d, %d bytes, Cache-Control %q", url, a.Code, a.Body.Len(), a.Header().Get("Cache-Control"))
		}
	}
}

// Assets are served gzipped to clients that take it, revalidated by ETag,
// cached for long only under their current version; unknown paths are 404
// and other methods 405.
func TestAssets(t *testing.T) {
	h, err := graphiql.New(graphiql.Options{Endpoint: "http://gw.example:8080/graphql"})
	if err != nil {
		t.Fatal(err)
	}
	const js = graphiql.AssetsPath + "vendor/graphiql.min.js"
	plain := serve(t, h, http.MethodGet, js, nil)
	if plain.Code != http.StatusOK || plain.Header().Get("Content-Encoding") != "" || plain.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("GET %s: %d %v", js, plain.Code, plain.Header())
	}
	if ct := plain.Header().Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	gz := serve(t, h, http.MethodGet, js, map[string]string{"Accept-Encoding": "br, gzip"})
	if gz.Header().Get("Content-Encoding") != "gzip" || gz.Body.Len() >= plain.Body.Len()/2 {
		t.Fatalf("gzip: encoding %q, %d bytes of %d", gz.Header().Get("Content-Encoding"), gz.Body.Len(), plain.Body.Len())
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unzipped, plain.Body.Bytes()) {
		t.Fatalf("gzipped body differs from the plain one (err %v)", err)
	}
	if no := serve(t, h, http.MethodGet, js, map[string]string{"Accept-Encoding": "gzip;q=0"}); no.Header().Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 was answered gzipped")
	}
	for _, etag := range []string{plain.Header().Get("ETag"), gz.Header().Get("ETag")} {
		if r := serve(t, h, http.MethodGet, js, map[string]string{"If-None-Match": etag}); r.Code != http.StatusNotModified || r.Body.Len() != 0 {
			t.Errorf("If-None-Match %s: %d", etag, r.Code)
		}
	}
	if r := serve(t, h, http.MethodGet, js+"?v=stale", nil); r.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("an old version is cached: %q", r.Header().Get("Cache-Control"))
	}
	if r := serve(t, h, http.MethodHead, js, nil); r.Code != http.StatusOK || r.Body.Len() != 0 || r.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD: %d, %d bytes", r.Code, r.Body.Len())
	}
	for _, p := range []string{graphiql.AssetsPath + "page.html", graphiql.AssetsPath + "nope.js", graphiql.AssetsPath} {
		if r := serve(t, h, http.MethodGet, p, nil); r.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, r.Code)
		}
	}
	if r := serve(t, h, http.MethodPost, "/", nil); r.Code != http.StatusMethodNotAllowed || r.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /: %d", r.Code)
	}
	page := serve(t, h, http.MethodGet, "/", nil)
	if csp := page.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' http://gw.example:8080;") {
		t.Errorf("CSP does not allow the endpoint's origin: %q", csp)
	}
	if !strings.Contains(page.Body.String(), `"examples":[]`) {
		t.Errorf("the page without examples does not say it has none:\n%s", page.Body.String())
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	ok := graphiql.Example{Title: "a", Query: "{ x }"}
	for name, opts := range map[string]graphiql.Options{
		"no endpoint":       {},
		"relative endpoint": {Endpoint: "graphql"},
		"ftp endpoint":      {Endpoint: "ftp://host/graphql"},
		"untitled example":  {Endpoint: "/graphql", Examples: []graphiql.Example{{Query: "{ x }"}}},
		"empty query":       {Endpoint: "/graphql", Examples: []graphiql.Example{{Title: "a"}}},
		"duplicate title":   {Endpoint: "/graphql", Examples: []graphiql.Example{ok, ok}},
		"variables array":   {Endpoint: "/graphql", Examples: []graphiql.Example{{Title: "a", Query: "{ x }", Variables: "[1]"}}},
	} {
		if _, err := graphiql.New(opts); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

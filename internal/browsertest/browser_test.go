package browsertest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/browsertest"
)

const form = `<!doctype html><meta charset="utf-8"><title>browsertest</title><link rel="icon" href="data:,">
<style>body { font: 16px sans-serif } #out { background: #235; color: #fff; padding: 1em }</style>
<label>Name <input id="name"></label> <button id="greet">Greet</button>
<p id="out" hidden></p>
<script>
document.querySelector('#greet').addEventListener('click', () => {
	const out = document.querySelector('#out');
	out.textContent = 'Hello, ' + document.querySelector('#name').value + '!';
	out.hidden = false;
});
</script>`

// A page served from one origin types, clicks, waits and shoots like a
// person, and calls an API on another origin with fetch() and custom
// headers: allowed by CORS it gets the answer, refused it gets the error
// and the console says why.
func TestPage(t *testing.T) {
	var (
		mu        sync.Mutex
		preflight string // Access-Control-Request-Headers of the API's preflight
	)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, form)
		case "/broken":
			fmt.Fprint(w, `<!doctype html><link rel="icon" href="data:,"><img src="/missing.png"><script>throw new Error("boom")</script>`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer site.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/open" && r.Header.Get("Origin") == site.URL {
			w.Header().Set("Access-Control-Allow-Origin", site.URL)
			if r.Method == http.MethodOptions {
				mu.Lock()
				preflight = r.Header.Get("Access-Control-Request-Headers")
				mu.Unlock()
				w.Header().Set("Access-Control-Allow-Methods", "POST")
				w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Authorization, X-API-Key, X-Request-Id")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{
			"authorization": r.Header.Get("Authorization"),
			"apiKey":        r.Header.Get("X-API-Key"),
			"requestId":     r.Header.Get("X-Request-Id"),
			"contentType":   r.Header.Get("Content-Type"),
		})
	}))
	defer api.Close()

	b := browsertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const width, height = 640, 360
	page, err := b.NewPage(ctx, width, height)
	if err != nil {
		t.Fatal(err)
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v\npage problems: %q", what, err, page.Problems())
		}
	}

	must("load", page.Navigate(ctx, site.URL+"/"))
	must("type", page.Type(ctx, "#name", "Adx"+"\b"+"a"))
	must("click", page.Click(ctx, "#greet"))
	must("wait for the greeting", page.WaitVisible(ctx, "#out"))
	must("read the greeting", page.WaitText(ctx, "#out", "Hello, Ada!"))

	shot := filepath.Join(t.TempDir(), "page.png")
	must("screenshot", page.SaveScreenshot(ctx, shot))
	checkPNG(t, shot, width, height)

	// Allowed: the preflight asks for the custom headers, and the API's
	// answer comes back to the script.
	type result struct {
		Status int               `json:"status"`
		Body   map[string]string `json:"body"`
		Error  string            `json:"error"`
	}
	call := func(path, init string) result {
		t.Helper()
		var res result
		must("fetch "+path, page.Eval(ctx, `fetch(`+js(api.URL+path)+`, `+init+`).then(
			async r => ({status: r.status, body: await r.json()}),
			e => ({error: String(e)}))`, &res))
		return res
	}
	got := call("/open", `{method: "POST", body: "{}", headers: {
		"Content-Type": "application/json", "Authorization": "Bearer t0k",
		"X-API-Key": "k1", "X-Request-Id": "r-42"}}`)
	want := map[string]string{"authorization": "Bearer t0k", "apiKey": "k1", "requestId": "r-42", "contentType": "application/json"}
	if got.Status != http.StatusOK || !maps.Equal(got.Body, want) || got.Error != "" {
		t.Errorf("allowed fetch = %+v, want status 200 and body %v", got, want)
	}
	mu.Lock()
	asked := strings.Split(preflight, ",")
	mu.Unlock()
	slices.Sort(asked)
	if w := []string{"authorization", "content-type", "x-api-key", "x-request-id"}; !slices.Equal(asked, w) {
		t.Errorf("preflight asked for headers %q, want %q", asked, w)
	}
	if p := page.Problems(); len(p) > 0 {
		t.Errorf("problems after an allowed fetch: %q", p)
	}

	// Refused: the script sees a network error, the console says CORS.
	got = call("/closed", `{headers: {"X-Request-Id": "r-43"}}`)
	if !strings.Contains(got.Error, "TypeError") || got.Status != 0 {
		t.Errorf("refused fetch = %+v, want a TypeError", got)
	}
	if p := page.Problems(); !slices.ContainsFunc(p, func(s string) bool { return strings.Contains(s, "CORS policy") }) {
		t.Errorf("problems = %q, want the CORS refusal", p)
	}

	// Script errors, failed loads and rejected promises are reported.
	must("load a broken page", page.Navigate(ctx, site.URL+"/broken"))
	p := strings.Join(page.Problems(), "\n")
	for _, w := range []string{"exception: Uncaught Error: boom", "network: Failed to load resource: the server responded with a status of 404"} {
		if !strings.Contains(p, w) {
			t.Errorf("problems = %s\nwant %q", p, w)
		}
	}
	if err := page.Eval(ctx, `Promise.reject(new Error("nope"))`, nil); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("eval of a rejected promise: err = %v", err)
	}
	if err := page.Eval(context.Background(), `1`, nil); !errors.Is(err, browsertest.ErrNoDeadline) {
		t.Errorf("eval without a deadline: err = %v, want ErrNoDeadline", err)
	}
	short, cancelShort := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancelShort()
	if err := page.WaitFor(short, "false"); err == nil {
		t.Error("WaitFor(false) returned without error")
	}
}

// Unavailable fails under CI and skips elsewhere.
func TestUnavailable(t *testing.T) {
	for _, ci := range []string{"true", ""} {
		t.Setenv("CI", ci)
		var r recorder
		browsertest.Unavailable(&r, "no chromium")
		if ci != "" && (r.fatal != "browsertest: no chromium" || r.skip != "") {
			t.Errorf("CI=%q: fatal %q, skip %q; want a failure", ci, r.fatal, r.skip)
		}
		if ci == "" && (r.skip != "browsertest: no chromium" || r.fatal != "") {
			t.Errorf("CI=%q: fatal %q, skip %q; want a skip", ci, r.fatal, r.skip)
		}
	}
}

// recorder is a testing.TB that records Fatal and Skip instead of
// stopping the test.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()           {}
func (r *recorder) Fatal(args ...any) { r.fatal = fmt.Sprint(args...) }
func (r *recorder) Skip(args ...any)  { r.skip = fmt.Sprint(args...) }

func checkPNG(t *testing.T, path string, width, height int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if r := img.Bounds(); r.Dx() != width || r.Dy() != height {
		t.Errorf("screenshot is %dx%d, want %dx%d", r.Dx(), r.Dy(), width, height)
	}
}

func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

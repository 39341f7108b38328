package graphiql_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/browsertest"
)

const (
	// What a person sees of the page: GraphiQL's editors and panes.
	executeButton = `.graphiql-execute-button`
	queryText     = `(document.querySelector('.graphiql-query-editor .CodeMirror')?.CodeMirror.getValue() ?? '')`
	responseText  = `(document.querySelector('.graphiql-response')?.innerText ?? '')`
	docsButton    = `[aria-label="Show Documentation Explorer"]`
	docsText      = `(document.querySelector('.graphiql-doc-explorer')?.innerText ?? '')`

	shotWidth, shotHeight = 1280, 800
)

// The page loads in a real headless Chromium from the gateway alone,
// opens with the first example, lets a person pick another from the
// Examples panel and run it with the run button, and shows the simulated
// tenant's answer; it logs no errors and violates none of its content
// security policy on the way. Its screenshot must be a real rendering.
func TestGraphiQLInChromium(t *testing.T) {
	gw := newGateway(t)
	browser := browsertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	page, err := browser.NewPage(ctx, shotWidth, shotHeight)
	if err != nil {
		t.Fatal(err)
	}
	step := steps(t, page, "graphiql-failed.png")

	step("load the page", page.Navigate(ctx, gw.URL+"/"))
	step("GraphiQL renders with the Examples panel",
		page.WaitFor(ctx, `document.querySelector('`+executeButton+`') && document.querySelectorAll('.sailgraph-example').length === 4`))
	step("the first example is in the editor", page.WaitFor(ctx, queryText+`.includes('query IdentityPage(')`))

	step("pick the snapshot diff", page.Click(ctx, `.sailgraph-example[data-example="What changed between two snapshots"]`))
	step("the editor shows it", page.WaitFor(ctx, queryText+`.includes('query SnapshotDiff(')`))
	step("run it", page.Click(ctx, executeButton))
	step("the result pane shows the tenant's answer",
		page.WaitFor(ctx, responseText+`.includes('"displayName": "Ada Bauer"') && `+responseText+`.includes('"accessType": "ENTITLEMENT"')`))

	var errorsShown bool
	step("read the result", page.Eval(ctx, responseText+`.includes('"errors"')`, &errorsShown))
	if errorsShown {
		var text string
		_ = page.Eval(ctx, responseText, &text)
		t.Errorf("the result pane shows errors:\n%s", text)
	}

	shot, err := page.Screenshot(ctx)
	step("screenshot", err)
	saveScreenshot(t, "graphiql.png", shot)
	checkScreenshot(t, shot, shotWidth, shotHeight)

	// The schema came by introspection: the documentation explorer lists
	// the root types.
	step("open the docs", page.Click(ctx, docsButton))
	step("the docs list the schema's root types", page.WaitFor(ctx, docsText+`.includes('Query') && `+docsText+`.includes('Mutation')`))

	if p := page.Problems(); len(p) > 0 {
		t.Errorf("the page reported problems:\n%q", p)
	}
}

// steps returns the check of a browser test's steps: a step that failed
// ends the test with the page's problems and what the result pane shows,
// and leaves a screenshot of the page as it was, named failShot.
func steps(t *testing.T, page *browsertest.Page, failShot string) func(what string, err error) {
	return func(what string, err error) {
		t.Helper()
		if err == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if shot, serr := page.Screenshot(ctx); serr == nil {
			saveScreenshot(t, failShot, shot)
		}
		var pane string
		_ = page.Eval(ctx, responseText, &pane)
		t.Fatalf("%s: %v\nresult pane: %s\npage problems: %q", what, err, pane, page.Problems())
	}
}

// checkScreenshot fails the test unless png decodes to a width×height
// image with a real page on it: many colours, none covering nearly all
// of it (a blank, an error page or a half-loaded page fails).
func checkScreenshot(t *testing.T, shot []byte, width, height int) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != width || b.Dy() != height {
		t.Fatalf("screenshot is %dx%d, want %dx%d", b.Dx(), b.Dy(), width, height)
	}
	colours, top := colourCounts(img)
	total := width * height
	if colours < 64 {
		t.Errorf("screenshot has %d colours: not a rendered page", colours)
	}
	if top*100 > total*95 {
		t.Errorf("one colour covers %d%% of the screenshot: a blank page", top*100/total)
	}
}

// colourCounts returns how many distinct colours img has and how many
// pixels the commonest covers.
func colourCounts(img image.Image) (distinct, top int) {
	counts := map[[4]uint32]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			k := [4]uint32{r, g, bl, a}
			counts[k]++
			top = max(top, counts[k])
		}
	}
	return len(counts), top
}

// saveScreenshot keeps the screenshot in the test's temporary directory
// and, when SAILGRAPH_SCREENSHOT_DIR is set, there too (for a person or
// CI to look at).
func saveScreenshot(t *testing.T, name string, shot []byte) {
	t.Helper()
	dirs := []string{t.TempDir()}
	if d := os.Getenv("SAILGRAPH_SCREENSHOT_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if err := os.WriteFile(p, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", p)
	}
}

// Package browsertest runs a real headless Chromium (Debian's chromium
// package) for tests, through chromedp: open a page, evaluate script in it
// (promises awaited, results as JSON), type, click, wait for a selector,
// a text or a script condition, take a screenshot, and collect what went
// wrong on the page (script exceptions, console errors, failed loads,
// content security policy and CORS violations).
//
// Every Page method takes a context that must carry a deadline: nothing
// here waits without a bound.
//
// A test calls Start. When chromium is not installed, Start calls
// Unavailable, which fails the test under CI (CI set) and skips it
// elsewhere, as internal/redistest does for redis-server.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// startTimeout bounds chromium's start, generously: a loaded 2-core
// machine may take many seconds.
const startTimeout = 90 * time.Second

// flags are chromium's switches. This machine has no network, so the
// background-networking ones matter: without them chromium's own
// connections are refused and it logs errors. chromedp adds a fresh
// temporary --user-data-dir and the DevTools pipe.
var flags = []string{
	"headless", "no-sandbox", "disable-gpu", "disable-quic",
	"no-first-run", "no-default-browser-check",
	"disable-background-networking", "disable-component-update", "disable-sync",
	"disable-extensions", "no-proxy-server", "mute-audio",
}

// Unavailable reports that the test cannot run because something it needs
// outside Go (chromium) is missing: under CI it fails the test, elsewhere
// it skips it. Every such stop goes through here, so it can be counted.
func Unavailable(t testing.TB, reason string) {
	t.Helper()
	msg := "browsertest: " + reason
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
		return
	}
	t.Skip(msg)
}

// Browser is one headless chromium process, closed when the test ends.
type Browser struct {
	t   testing.TB
	ctx context.Context // chromedp's: holds the browser, and its first tab
}

// Start launches headless chromium with a fresh profile.
func Start(t testing.TB) *Browser {
	t.Helper()
	bin, err := chromiumPath()
	if err != nil {
		Unavailable(t, err.Error())
		return nil
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(bin)}
	for _, f := range flags {
		opts = append(opts, chromedp.Flag(f, true))
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		// Ask chromium to close; it is killed when it has not within
		// the timeout.
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		if err := chromedp.Cancel(cctx); err != nil {
			t.Logf("browsertest: close chromium: %v", err)
		}
		ccancel()
		cancel()
		cancelAlloc()
	})
	sctx, scancel := context.WithTimeout(context.Background(), startTimeout)
	defer scancel()
	if err := attach(sctx, ctx, cancel); err != nil {
		t.Fatalf("browsertest: start %s: %v", bin, err)
	}
	return &Browser{t: t, ctx: ctx}
}

// attach runs the first (empty) action on the chromedp context c, which
// starts the browser or opens the tab. chromedp ties what that first run
// starts to the context it runs with, so it must run with c itself and not
// with ctx; ctx bounds the wait instead, and cancel stops c when ctx ends
// first.
func attach(ctx, c context.Context, cancel context.CancelFunc) error {
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(c) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		cancel()
		<-done
		return ctx.Err()
	}
}

// chromiumPath is CHROME_PATH when set, else the first chromium found.
func chromiumPath() (string, error) {
	if p := os.Getenv("CHROME_PATH"); p != "" {
		bin, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("CHROME_PATH=%s is not a program: %w", p, err)
		}
		return bin, nil
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if bin, err := exec.LookPath(name); err == nil {
			return bin, nil
		}
	}
	return "", errors.New("chromium is not installed (apt-get install -y chromium); this test needs a real browser")
}

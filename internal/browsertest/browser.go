// Package browsertest runs a real headless Chromium (Debian's chromium
// package) for tests and drives it over the DevTools protocol: open a
// page, evaluate script in it, click, take a screenshot, and collect what
// went wrong on the page (script exceptions, console errors, failed loads,
// content security policy violations).
//
// A test calls Start. When chromium is not installed the test fails under
// CI (CI=true) and is skipped elsewhere with a message saying how to
// install it, as internal/redistest does for redis-server.
package browsertest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// startTimeout bounds chromium's start, generously: a loaded 2-core
// machine may take many seconds.
const startTimeout = 90 * time.Second

// Browser is one headless chromium process, closed when the test ends.
type Browser struct {
	t    testing.TB
	conn *conn
	dir  string
}

// Start launches headless chromium with a fresh profile in a temporary
// directory and connects to it.
func Start(t testing.TB) *Browser {
	t.Helper()
	bin := chromiumPath(t)
	dir := t.TempDir()
	profile := filepath.Join(dir, "profile")
	logPath := filepath.Join(dir, "chromium.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	defer logFile.Close()

	cmd := exec.Command(bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--no-default-browser-check",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--no-proxy-server", "--mute-audio",
		"--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
		"--user-data-dir="+profile,
		"about:blank",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("browsertest: start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	b := &Browser{t: t, dir: dir}
	t.Cleanup(func() { b.stop(cmd, exited) })

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	wsURL, err := devToolsURL(ctx, profile, exited)
	if err != nil {
		t.Fatalf("browsertest: %v\nchromium's log:\n%s", err, tail(logPath))
	}
	ws, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: &http.Transport{Proxy: nil}},
	})
	if err != nil {
		t.Fatalf("browsertest: connect to %s: %v", wsURL, err)
	}
	b.conn = newConn(ws)
	return b
}

// Dir is the browser's temporary directory (its profile and log).
func (b *Browser) Dir() string { return b.dir }

// stop asks the browser to close, kills it if it does not within a few
// seconds, and waits for it to exit.
func (b *Browser) stop(cmd *exec.Cmd, exited <-chan struct{}) {
	if b.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = b.conn.call(ctx, "", "Browser.close", nil, nil)
		cancel()
		b.conn.close()
	}
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	select {
	case <-exited:
		return
	case <-timer.C:
	}
	_ = cmd.Process.Kill()
	<-exited
}

func chromiumPath(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "chromium is not installed (apt-get install -y chromium); this test needs a real browser"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// devToolsURL waits for chromium to write the DevToolsActivePort file into
// its profile (the port it chose, then the browser's websocket path) and
// returns the browser's websocket URL.
func devToolsURL(ctx context.Context, profile string, exited <-chan struct{}) (string, error) {
	file := filepath.Join(profile, "DevToolsActivePort")
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile(file); err == nil {
			port, path, ok := strings.Cut(strings.TrimSpace(string(b)), "\n")
			if _, err := strconv.Atoi(port); ok && err == nil && strings.HasPrefix(path, "/devtools/browser/") {
				return "ws://127.0.0.1:" + port + strings.TrimSpace(path), nil
			}
		}
		select {
		case <-tick.C:
		case <-exited:
			return "", errors.New("chromium exited before it listened for DevTools")
		case <-ctx.Done():
			return "", fmt.Errorf("chromium did not write %s: %w", file, ctx.Err())
		}
	}
}

// tail returns the last lines of a log file, for failure messages.
func tail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > 40 {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// ErrNoDeadline is returned by a Page method called with a context that
// has no deadline.
var ErrNoDeadline = errors.New("browsertest: the context has no deadline")

// pollEvery is how often WaitFor, WaitText re-check their condition.
const pollEvery = 100 * time.Millisecond

// Page is one browser tab, closed when the test ends.
type Page struct {
	tab context.Context // chromedp's, for this tab

	mu       sync.Mutex
	problems []string
}

// NewPage opens a blank tab whose viewport is width×height CSS pixels at
// a device scale of 1, so that screenshots are exactly that size.
func (b *Browser) NewPage(ctx context.Context, width, height int) (*Page, error) {
	p := &Page{}
	tab, cancel := chromedp.NewContext(b.ctx, chromedp.WithListener(p.event))
	b.t.Cleanup(cancel)
	p.tab = tab
	if err := attach(ctx, tab, cancel); err != nil {
		return nil, fmt.Errorf("browsertest: open a tab: %w", err)
	}
	err := p.do(ctx, "set the viewport", chromedp.EmulateViewport(int64(width), int64(height)))
	if err != nil {
		return nil, err
	}
	return p, nil
}

// run runs action on p's tab for as long as ctx allows.
func run[T any](ctx context.Context, p *Page, what string, action chromedp.Action[T]) (T, error) {
	var zero T
	d, ok := ctx.Deadline()
	if !ok {
		return zero, fmt.Errorf("%s: %w", what, ErrNoDeadline)
	}
	// The action runs on the tab's context (chromedp needs it) bounded by
	// ctx's deadline and cancellation.
	c, cancel := context.WithDeadline(p.tab, d)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	v, err := chromedp.Run(c, action)
	if err != nil {
		return zero, fmt.Errorf("browsertest: %s: %w", what, err)
	}
	return v, nil
}

func (p *Page) do(ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) error {
	_, err := run(ctx, p, what, chromedp.Steps(steps...))
	return err
}

// Navigate loads url and waits for the page's load event.
func (p *Page) Navigate(ctx context.Context, url string) error {
	return p.do(ctx, "navigate to "+url, chromedp.Navigate(url))
}

// Eval evaluates a JavaScript expression in the page, awaiting it if it
// is a promise, and decodes its JSON value into out (if not nil). A
// rejected promise or a thrown exception is an error.
func (p *Page) Eval(ctx context.Context, expr string, out any) error {
	what := fmt.Sprintf("evaluate %q", expr)
	raw, err := run(ctx, p, what, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	if err != nil || out == nil {
		return err
	}
	if len(raw) == 0 {
		return fmt.Errorf("browsertest: %s: no value", what)
	}
	return json.Unmarshal(raw, out)
}

// WaitFor waits until the JavaScript expression expr is truthy, checking
// it every 100 ms. An expression that throws fails at once, so write it
// to be false, not an error, while the page is not ready (?. and ?? help).
func (p *Page) WaitFor(ctx context.Context, expr string) error {
	return p.do(ctx, "wait for "+expr, poll(ctx, expr))
}

// poll is an action that waits until expr is truthy. The page polls, and
// gives up by itself at ctx's deadline.
func poll(ctx context.Context, expr string) chromedp.Action[chromedp.Void] {
	var timeout time.Duration
	if d, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(d), time.Millisecond)
	}
	return chromedp.Poll[chromedp.Void]("Boolean("+expr+")",
		chromedp.WithPollingInterval(pollEvery), chromedp.WithPollingTimeout(timeout))
}

// WaitText waits until the text a person sees in the first element that
// matches the CSS selector contains text.
func (p *Page) WaitText(ctx context.Context, selector, text string) error {
	return p.WaitFor(ctx, fmt.Sprintf(`(document.querySelector(%s)?.innerText ?? '').includes(%s)`, jsString(selector), jsString(text)))
}

// WaitVisible waits until an element matching the CSS selector is shown.
func (p *Page) WaitVisible(ctx context.Context, selector string) error {
	return p.do(ctx, "wait for "+selector, chromedp.WaitVisible(chromedp.CSS(selector)))
}

// Click waits for the first element matching the CSS selector to show,
// scrolls it into view and clicks its centre with the mouse, as a person
// would.
func (p *Page) Click(ctx context.Context, selector string) error {
	return p.do(ctx, "click "+selector, chromedp.Click(chromedp.CSS(selector)))
}

// Type clicks the first element matching the CSS selector, waits until
// the focus is in it (a code editor focuses its hidden input a moment
// after the click), and types text with key events, as a person would.
// text may hold the special keys of github.com/chromedp/chromedp/kb, such
// as kb.End or kb.Backspace.
func (p *Page) Type(ctx context.Context, selector, text string) error {
	focused := fmt.Sprintf(`document.querySelector(%s)?.contains(document.activeElement)`, jsString(selector))
	return p.do(ctx, "type into "+selector,
		chromedp.Click(chromedp.CSS(selector)), poll(ctx, focused), chromedp.KeyEvent(text))
}

// Screenshot returns a PNG of the page's viewport.
func (p *Page) Screenshot(ctx context.Context) ([]byte, error) {
	png, err := run(ctx, p, "screenshot", chromedp.CaptureScreenshot())
	if err == nil && len(png) == 0 {
		err = errors.New("browsertest: screenshot: empty")
	}
	return png, err
}

// SaveScreenshot writes a PNG of the page's viewport to path.
func (p *Page) SaveScreenshot(ctx context.Context, path string) error {
	png, err := p.Screenshot(ctx)
	if err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}

// Problems are the page's script exceptions, console errors and error log
// entries (failed loads, content security policy and CORS violations) so
// far. They include every one the browser reported before the reply to
// the last call.
func (p *Page) Problems() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.problems...)
}

// event records the page's problems. chromedp calls it in order, from the
// tab's read loop, before it hands on the reply that follows: it must
// only record.
func (p *Page) event(ev any) {
	var s string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		s = "exception: " + ev.ExceptionDetails.Text
		if e := ev.ExceptionDetails.Exception; e != nil {
			s += " " + e.Description
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		parts := make([]string, 0, len(ev.Args))
		for _, a := range ev.Args {
			parts = append(parts, text(a))
		}
		s = "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
	case *log.EventEntryAdded:
		if ev.Entry.Level != log.EntryLevelError {
			return
		}
		s = string(ev.Entry.Source) + ": " + ev.Entry.Text + " " + ev.Entry.URL
	default:
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.problems = append(p.problems, strings.TrimSpace(s))
}

// text is how a console argument reads: a string as it is, another
// primitive as JSON, an object by its description.
func text(o *runtime.RemoteObject) string {
	var s string
	if o.Type == runtime.RemoteObjectTypeString && json.Unmarshal(o.Value, &s) == nil {
		return s
	}
	if len(o.Value) > 0 {
		return string(o.Value)
	}
	return o.Description
}

func jsString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

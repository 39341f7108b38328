package transport

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sailgraph/sailgraph/upstream/isc"
)

// tokens caches the gateway's access token. A token is reused until
// shortly before it expires; one fetch serves every caller that needs a
// new token at the same time, and each caller waits for it only as long
// as its own context allows.
type tokens struct {
	cfg  *clientcredentials.Config
	opts TokenOptions

	mu        sync.Mutex
	tok       *oauth2.Token
	refreshAt time.Time // zero: no expiry known
	flight    *tokenFlight
}

type tokenFlight struct {
	done chan struct{}
	tok  *oauth2.Token
	err  error
}

// get returns a current token. A token equal to stale (one the API has
// just refused) is not current: the first caller to report it starts a
// fetch, later ones get the new token.
func (ts *tokens) get(ctx context.Context, stale *oauth2.Token) (*oauth2.Token, error) {
	ts.mu.Lock()
	if ts.tok != nil && ts.tok != stale && (ts.refreshAt.IsZero() || ts.opts.Now().Before(ts.refreshAt)) {
		tok := ts.tok
		ts.mu.Unlock()
		return tok, nil
	}
	f := ts.flight
	if f == nil {
		f = &tokenFlight{done: make(chan struct{})}
		ts.flight = f
		go ts.fetch(context.WithoutCancel(ctx), f)
	}
	ts.mu.Unlock()
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// fetch asks the token endpoint for a token, detached from the caller
// that started it (others may be waiting) but bounded by FetchTimeout.
func (ts *tokens) fetch(ctx context.Context, f *tokenFlight) {
	ctx, cancel := context.WithTimeout(ctx, ts.opts.FetchTimeout)
	defer cancel()
	if ts.opts.Client != nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, ts.opts.Client)
	}
	asked, fetched := time.Now(), ts.opts.Now()
	tok, err := ts.cfg.Token(ctx)
	if err != nil {
		err = tokenError(err)
	}
	ts.mu.Lock()
	if err == nil {
		ts.tok = tok
		ts.refreshAt = time.Time{}
		if lifetime, ok := tokenLifetime(tok, asked); ok {
			ts.refreshAt = fetched.Add(lifetime - min(ts.opts.Leeway, lifetime/2))
		}
	}
	ts.flight = nil
	ts.mu.Unlock()
	f.tok, f.err = tok, err
	close(f.done)
}

// tokenLifetime is how long tok is valid, counted from when it was asked
// for (at asked, on the wall clock), so that neither the time the fetch
// took nor a clock other than time.Now (TokenOptions.Now) stretches it:
// the endpoint's expires_in if it sent one, else the time left to the
// Expiry the oauth2 package stamped from time.Now. ok is false when the
// token says nothing of its expiry.
func tokenLifetime(tok *oauth2.Token, asked time.Time) (lifetime time.Duration, ok bool) {
	if tok.ExpiresIn > 0 {
		return time.Duration(tok.ExpiresIn) * time.Second, true
	}
	if !tok.Expiry.IsZero() {
		return tok.Expiry.Sub(asked), true
	}
	return 0, false
}

// tokenError maps a failed token fetch onto the upstream sentinels: the
// token endpoint refusing the gateway's credentials (a 4xx) is
// ErrUnauthorized, so callers see UNAUTHENTICATED rather than an outage;
// anything else is ErrUnavailable.
func tokenError(err error) error {
	if re, ok := errors.AsType[*oauth2.RetrieveError](err); ok && re.Response != nil && re.Response.StatusCode >= 400 && re.Response.StatusCode < 500 {
		return fmt.Errorf("%w: the token endpoint refused the client credentials: %w", isc.ErrUnauthorized, err)
	}
	return fmt.Errorf("%w: token endpoint: %w", isc.ErrUnavailable, err)
}

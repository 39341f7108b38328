package transport

import (
	"fmt"
	"net/http"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/sailgraph/sailgraph/upstream/principal"
)

// TokenOptions tune the OAuth2 layer.
type TokenOptions struct {
	// Client fetches tokens (default http.DefaultClient). It must not be
	// a client built on this chain.
	Client *http.Client
	// Leeway is how long before its expiry a token is replaced (default
	// 1m, and never more than half the token's lifetime).
	Leeway time.Duration
	// FetchTimeout bounds one token request (default 15s).
	FetchTimeout time.Duration
	// Now is the clock that decides when a token is due for replacement
	// (default time.Now).
	Now func() time.Time
}

func (o TokenOptions) withDefaults() TokenOptions {
	if o.Leeway <= 0 {
		o.Leeway = time.Minute
	}
	if o.FetchTimeout <= 0 {
		o.FetchTimeout = 15 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// OAuth2 authorises requests with the gateway's client-credentials token
// (golang.org/x/oauth2/clientcredentials): fetched once for all
// concurrent callers, reused until shortly before it expires. A 401 from
// the API triggers one refresh (shared by every caller that got the 401
// with the same token) and one retry; a body is rewound with GetBody.
//
// A pass-through principal (principal.Principal.Bearer non-empty) is sent
// with its own token, which this layer cannot refresh: its 401 is passed
// up as it is.
func OAuth2(cfg *clientcredentials.Config, opts TokenOptions) Layer {
	ts := &tokens{cfg: cfg, opts: opts.withDefaults()}
	return func(next http.RoundTripper) http.RoundTripper {
		return &oauth{next: next, tokens: ts}
	}
}

type oauth struct {
	next   http.RoundTripper
	tokens *tokens
}

func (o *oauth) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if p, ok := principal.From(ctx); ok && p.Bearer() != "" {
		r := req.Clone(ctx)
		r.Header.Set("Authorization", "Bearer "+p.Bearer())
		return o.next.RoundTrip(r)
	}
	tok, err := o.tokens.get(ctx, nil)
	if err != nil {
		closeBody(req)
		return nil, fmt.Errorf("transport: oauth2 token: %w", err)
	}
	first := req.Clone(ctx)
	tok.SetAuthHeader(first)
	resp, err := o.next.RoundTrip(first)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	again, rerr := rewound(req)
	if rerr != nil {
		return resp, nil
	}
	fresh, terr := o.tokens.get(ctx, tok)
	if terr != nil {
		closeBody(again)
		return resp, nil // the 401 says more to the caller than a failed refresh
	}
	discard(resp)
	fresh.SetAuthHeader(again)
	return o.next.RoundTrip(again)
}

package access

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sailgraph/sailgraph/apierr"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

// The request headers credentials are read from.
const (
	HeaderAPIKey   = "X-API-Key"
	HeaderISCToken = "X-ISC-Token"
)

// AuthOptions configure Authenticate.
type AuthOptions struct {
	// Keys are the gateway's API keys. Nil or empty: every request is the
	// anonymous caller, with every scope (see CheckAnonymous).
	Keys *Keyring
	// PassThrough runs upstream calls with the caller's own ISC token
	// (principal.ForBearer) instead of the gateway's client credentials; a
	// request without one is answered 401.
	PassThrough bool
	// Tenant is the Tenant of pass-through principals: the same value the
	// gateway's own principal.ForClient has.
	Tenant string
	// Tokens, in pass-through mode, knows the tokens the tenant has
	// refused: they are refused at once, before the cache (nil: none).
	Tokens TokenState
	// Now is the clock tokens' expiry is judged by (default time.Now).
	Now func() time.Time
	// DeferWebSocket lets a WebSocket upgrade without credentials through
	// unauthenticated (no Caller in its context), for WebSocketInit to
	// authenticate from the connection_init message. Only for the GraphQL
	// endpoint, whose WebSocket transport runs WebSocketInit before any
	// operation; every other request is judged as without it.
	DeferWebSocket bool
	// Logger gets one line per refused request (never a credential).
	// Default slog.Default().
	Logger *slog.Logger
}

// Authenticate returns the middleware that puts the Caller (and, in
// pass-through mode, the caller's principal) in the request's context, or
// answers 401 with a JSON error body. It removes the credentials it read
// from the request, so that no later handler can log or forward them.
// Mount it on every route that reaches the tenant, after the middleware
// that sets the gateway's own principal.
func Authenticate(opts AuthOptions) echo.MiddlewareFunc {
	a := newAuthenticator(opts)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			cred := takeCredentials(r.Header, opts.PassThrough)
			if opts.DeferWebSocket && cred == (credentials{}) && a.required() && isWebSocketUpgrade(r) {
				// Browsers cannot set headers on a WebSocket: the key
				// comes in connection_init, where WebSocketInit checks it.
				c.SetRequest(r.WithContext(context.WithValue(r.Context(), deferredKey{}, true)))
				return next(c)
			}
			ctx, no := a.authenticate(r.Context(), cred)
			if no != nil {
				return refuse(c, a.opts.Logger, no.reason, no.msg)
			}
			c.SetRequest(r.WithContext(ctx))
			return next(c)
		}
	}
}

// authenticator judges credentials for Authenticate and WebSocketInit.
type authenticator struct {
	opts AuthOptions
	// anon is the anonymous caller, built once: like a key's caller, it
	// is shared, read-only, by every request it makes.
	anon Caller
}

func newAuthenticator(opts AuthOptions) authenticator {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return authenticator{opts: opts, anon: anonymous()}
}

// required reports whether a request without credentials is refused.
func (a authenticator) required() bool { return a.opts.Keys.Len() > 0 || a.opts.PassThrough }

// refusal is why credentials were refused: reason for the log, msg for
// the caller.
type refusal struct{ reason, msg string }

// authenticate returns ctx carrying the caller cred names (and, in
// pass-through mode, its principal), or why it is refused.
func (a authenticator) authenticate(ctx context.Context, cred credentials) (context.Context, *refusal) {
	opts := a.opts
	if cred.conflict != "" {
		return ctx, &refusal{"conflicting credentials", cred.conflict}
	}
	caller := a.anon
	if opts.Keys.Len() > 0 {
		var ok bool
		switch caller, ok = opts.Keys.lookup(cred.apiKey); {
		case cred.apiKey == "":
			return ctx, &refusal{"missing API key",
				"an API key is required: send it as Authorization: Bearer sgk_... or in " + HeaderAPIKey}
		case !ok:
			return ctx, &refusal{"unknown API key", "the API key is not valid"}
		}
	}
	ctx = WithCaller(ctx, caller)
	if opts.PassThrough {
		if cred.iscToken == "" {
			return ctx, &refusal{"missing ISC token",
				"this gateway passes your own ISC access token to the tenant: send it in " + HeaderISCToken}
		}
		// A token that has expired, or that the tenant has refused,
		// is refused here, before the cache could answer it.
		if exp, ok := tokenExpiry(cred.iscToken); ok && !opts.Now().Before(exp) {
			return ctx, &refusal{"expired ISC token",
				"your ISC token expired at " + exp.UTC().Format(time.RFC3339) + ": get a new one"}
		}
		p := principal.ForBearer(opts.Tenant, cred.iscToken)
		if opts.Tokens != nil && opts.Tokens.Revoked(ctx, p.ClientID) {
			return ctx, &refusal{"revoked ISC token",
				"the tenant has refused your ISC token (expired, revoked or not valid): get a new one"}
		}
		ctx = principal.With(ctx, p)
	}
	return ctx, nil
}

// credentials are what a request presented.
type credentials struct {
	apiKey, iscToken string
	// conflict, when set, says which two credentials disagree.
	conflict string
}

// takeCredentials reads the credentials from h and deletes them from it.
// A bearer token is a gateway key when it has KeyPrefix; otherwise, in
// pass-through mode, it is the caller's ISC token.
func takeCredentials(h http.Header, passThrough bool) credentials {
	cred := credentials{apiKey: strings.TrimSpace(h.Get(HeaderAPIKey)), iscToken: strings.TrimSpace(h.Get(HeaderISCToken))}
	bearer := bearerToken(h.Get("Authorization"))
	switch {
	case bearer == "":
	case strings.HasPrefix(bearer, KeyPrefix):
		if cred.apiKey != "" && cred.apiKey != bearer {
			cred.conflict = "Authorization and " + HeaderAPIKey + " carry two different API keys: send one"
		}
		cred.apiKey = bearer
	case passThrough:
		if cred.iscToken != "" && cred.iscToken != bearer {
			cred.conflict = "Authorization and " + HeaderISCToken + " carry two different ISC tokens: send one"
		}
		cred.iscToken = bearer
	}
	h.Del(HeaderAPIKey)
	h.Del(HeaderISCToken)
	h.Del("Authorization")
	return cred
}

// bearerToken returns the token of an "Authorization: Bearer" value.
func bearerToken(v string) string {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// refuse answers 401. reason goes to the log, msg to the caller.
func refuse(c echo.Context, log *slog.Logger, reason, msg string) error {
	r := c.Request()
	log.LogAttrs(r.Context(), slog.LevelInfo, "request refused",
		slog.String("reason", reason), slog.String("path", r.URL.Path), slog.String("remote", c.RealIP()))
	c.Response().Header().Set("WWW-Authenticate", `Bearer realm="sailgraph"`)
	return c.JSON(http.StatusUnauthorized, errorBody(apierr.Unauthenticated, msg, nil))
}

// errorBody is the JSON body of a refused request, shaped as a GraphQL
// error list so that GraphQL clients read it like any other error.
func errorBody(code apierr.Code, msg string, ext map[string]any) map[string]any {
	e := map[string]any{"code": code}
	for k, v := range ext {
		e[k] = v
	}
	return map[string]any{"errors": []map[string]any{{"message": msg, "extensions": e}}}
}

package access

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// deferredKey marks a WebSocket upgrade that Authenticate let through
// without credentials, for WebSocketInit to authenticate.
type deferredKey struct{}

// isWebSocketUpgrade reports whether r asks to become a WebSocket.
func isWebSocketUpgrade(r *http.Request) bool {
	return r.Method == http.MethodGet &&
		strings.EqualFold(r.Header.Get("Upgrade"), "websocket") &&
		headerHasToken(r.Header, "Connection", "upgrade")
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}

// WebSocketInit returns the check of a GraphQL WebSocket's
// connection_init message, for the WebSocket transport's InitFunc. A
// connection whose upgrade request carried credentials was authenticated
// by Authenticate and is accepted as it is. One let through without them
// (AuthOptions.DeferWebSocket) is authenticated from the message's
// payload, which carries the same credentials as headers would, under the
// same names, in any case:
//
//	{"type":"connection_init","payload":{"Authorization":"Bearer sgk_..."}}
//	{"type":"connection_init","payload":{"X-API-Key":"sgk_...","X-ISC-Token":"eyJ..."}}
//
// A refusal is an error whose message is fit for the caller; the
// transport then closes the socket with 4403 Forbidden, as
// graphql-transport-ws says. The
// returned context marks the connection's operations as sent over a
// WebSocket, for Streams.
func WebSocketInit(opts AuthOptions) func(ctx context.Context, payload map[string]any) (context.Context, error) {
	a := newAuthenticator(opts)
	return func(ctx context.Context, payload map[string]any) (context.Context, error) {
		ctx = context.WithValue(ctx, webSocketKey{}, true)
		if ctx.Value(deferredKey{}) == nil {
			if _, ok := CallerFrom(ctx); ok {
				return ctx, nil
			}
		}
		h := http.Header{}
		for k, v := range payload {
			s, ok := v.(string)
			if !ok {
				continue
			}
			switch strings.ToLower(k) {
			case "authorization":
				h.Set("Authorization", s)
			case "x-api-key", "apikey":
				h.Set(HeaderAPIKey, s)
			case "x-isc-token", "isctoken":
				h.Set(HeaderISCToken, s)
			}
		}
		authed, no := a.authenticate(ctx, takeCredentials(h, a.opts.PassThrough))
		if no != nil {
			a.opts.Logger.InfoContext(ctx, "request refused", "reason", no.reason, "path", "connection_init")
			return ctx, errors.New(no.msg)
		}
		return authed, nil
	}
}

// Package principal names the credentials an upstream call runs under.
//
// Everything that is shared between callers (the cache, in-flight request
// de-duplication, the rate budget) is partitioned by the Principal in the
// request's context, so that two principals never see each other's data.
// The bearer token of a pass-through principal is carried here so the
// transport can use it, but only its hash ever leaves this package in a
// key, a log line or a metric.
package principal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
)

// Principal is who an upstream call is made for.
type Principal struct {
	// Tenant is the tenant's base URL host (or "sim" for the simulated one).
	Tenant string
	// ClientID is the OAuth2 client id whose budget the call spends. In
	// pass-through mode it is the caller's token hash.
	ClientID string
	// token is the caller's own ISC bearer in pass-through mode; empty when
	// the gateway's client credentials are used.
	token string
}

// ForClient is the principal of the gateway's own client credentials.
func ForClient(tenant, clientID string) Principal {
	return Principal{Tenant: tenant, ClientID: clientID}
}

// ForBearer is a pass-through principal: calls run with the caller's own
// token. Its ClientID is a hash of the token.
func ForBearer(tenant, token string) Principal {
	return Principal{Tenant: tenant, ClientID: "tok:" + hash(token)[:24], token: token}
}

// Bearer returns the caller's own token, or "" for client credentials.
func (p Principal) Bearer() string { return p.token }

// Key is a stable, secret-free identifier for partitioning caches, flights
// and budgets: tenant and client id (a token hash in pass-through mode).
func (p Principal) Key() string { return p.Tenant + "|" + p.ClientID }

// LogValue keeps the token out of every log line.
func (p Principal) LogValue() slog.Value {
	return slog.GroupValue(slog.String("tenant", p.Tenant), slog.String("client", p.ClientID))
}

// String keeps the token out of fmt output.
func (p Principal) String() string { return p.Key() }

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

type ctxKey struct{}

// With returns ctx carrying p.
func With(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the principal in ctx and whether there was one.
func From(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

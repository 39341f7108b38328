// Package isctest runs the upstream clients against the simulated tenant
// over real HTTP on loopback, the way the gateway does: an OAuth2
// client-credentials token from the tenant's /oauth/token, and every
// exchange validated against SailPoint's spec by spectest.
package isctest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sailgraph/sailgraph/internal/spectest"
	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

// Tenant is a simulated tenant served on loopback, with an *http.Client
// for it.
type Tenant struct {
	*simtenant.Tenant
	// URL is the tenant root, to give the clients' New.
	URL string
	// HTTP sends with a client-credentials bearer and validates every
	// request and answer against the spec.
	HTTP *http.Client
	// Spec is HTTP's validating transport, for coverage checks.
	Spec *spectest.Transport
	// Principal is who the calls are for.
	Principal principal.Principal
}

// Start serves a tenant built from opts until the test ends. Unless opts
// says otherwise it has 200 identities.
func Start(t testing.TB, opts simtenant.Options) *Tenant {
	t.Helper()
	if opts.Identities == 0 {
		opts.Identities = 200
	}
	tn := simtenant.New(opts)
	srv := httptest.NewServer(tn.Handler())
	t.Cleanup(srv.Close)

	id, secret := tn.ClientID()
	cc := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: srv.URL + "/oauth/token"}
	// The token source keeps this context for later token requests.
	bearer := &oauth2.Transport{Source: cc.TokenSource(context.Background()), Base: srv.Client().Transport}
	spec := spectest.NewTransport(t, bearer)
	return &Tenant{
		Tenant:    tn,
		URL:       srv.URL,
		HTTP:      &http.Client{Transport: spec},
		Spec:      spec,
		Principal: principal.ForClient("sim", id),
	}
}

// Context returns the test's context carrying the tenant's principal, as
// the gateway's requests carry theirs.
func (tn *Tenant) Context(t testing.TB) context.Context {
	return principal.With(t.Context(), tn.Principal)
}

// RequireCovered fails the test unless every one of ops went through the
// spec-validating transport at least once.
func (tn *Tenant) RequireCovered(t testing.TB, ops ...string) {
	t.Helper()
	covered := tn.Spec.Covered()
	var missing []string
	for _, op := range ops {
		if covered[op] == 0 {
			missing = append(missing, op)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		t.Errorf("operations never exercised against the spec: %v", missing)
	}
}

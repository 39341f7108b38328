// Package transport holds the http.RoundTripper layers every upstream
// call goes through, each in its own file and each wrapping the next:
//
//	Breaker       after consecutive failures, no call to that API for a cool-off; one probe then decides
//	Retry         jittered backoff: GET/HEAD on 429, 502-504 and connection errors; any method on 429
//	OAuth2        client-credentials bearer, refreshed once for all callers; one refresh and retry on 401
//	Limit         waits for the (client id, API version) budget; a 429 sets a cooldown every replica honours
//	Metrics       one observation per exchange with the tenant
//	base          http.Transport
//
// New builds the chain in that order. The order matters: Retry and the
// OAuth2 401 retry sit above Limit, so every attempt, first or not,
// spends budget and waits out cooldowns; Metrics sits below Limit, so it
// times the tenant, not the queue; Breaker sits above Retry, so it judges
// a call by its outcome after the retries, and an open circuit costs no
// attempt at all.
//
// Nothing here removes duplicate calls: identical GETs in flight at once
// are sent once by the cache's fill above this chain (in-process, and
// across replicas through a lease, also while the cache's store is down),
// and equal calls of one GraphQL request once by its loaders' memo.
// Downloads stream to each caller and mutations must each be sent.
//
// Every layer clones a request before changing it, closes the request
// body when it does not pass the request on, and waits only in a select
// on the request context.
//
// Wiring, as server.go does it:
//
//	obs := transport.NewCounter() // or the Prometheus Observer
//	lim := ratelimit.NewRedis(rdb, ratelimit.Rate(cfg.RateLimit), ratelimit.RedisOptions{
//		Logger: log, OnFallback: obs.ObserveFallback,
//	}) // or ratelimit.NewMemory(ratelimit.Rate(cfg.RateLimit)) without Redis
//	defer lim.Close()
//	rt := transport.New(transport.Config{
//		Principal: principal.ForClient(tenant, cfg.ClientID),
//		Credentials: &clientcredentials.Config{
//			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
//			TokenURL: cfg.TenantURL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader,
//		},
//		Limiter:  lim,
//		Observer: obs,
//	})
//	client := &http.Client{Transport: rt}
package transport

import (
	"net/http"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

// Layer wraps a RoundTripper in one more concern.
type Layer func(next http.RoundTripper) http.RoundTripper

// Chain wraps base in layers, the first outermost: Chain(b, A, B) sends a
// request through A, then B, then b.
func Chain(base http.RoundTripper, layers ...Layer) http.RoundTripper {
	rt := base
	for i := len(layers) - 1; i >= 0; i-- {
		rt = layers[i](rt)
	}
	return rt
}

// Config is what New needs. Only Principal is required.
type Config struct {
	// Base sends requests to the tenant (default http.DefaultTransport).
	Base http.RoundTripper
	// Principal is whom a call is for when its context names no one: the
	// gateway's own client id.
	Principal principal.Principal
	// Credentials are the gateway's OAuth2 client credentials. Nil leaves
	// the OAuth2 layer out (pass-through principals only).
	Credentials *clientcredentials.Config
	// Token tunes the OAuth2 layer.
	Token TokenOptions
	// Circuits hold the circuit breakers' state (shared across replicas
	// when in Redis). Nil leaves the Breaker layer out.
	Circuits ratelimit.Circuits
	// Breaker tunes the Breaker layer.
	Breaker BreakerOptions
	// Limiter is the budget. Nil leaves the Limit layer out.
	Limiter ratelimit.Limiter
	// Limit tunes the Limit layer.
	Limit LimitOptions
	// Retry is the retry policy (zero value: defaults).
	Retry RetryPolicy
	// Observer receives metrics (default: none).
	Observer Observer
}

// New builds the chain described in the package documentation.
func New(cfg Config) http.RoundTripper {
	base := cfg.Base
	if base == nil {
		base = http.DefaultTransport
	}
	obs := orNop(cfg.Observer)
	var layers []Layer
	if cfg.Circuits != nil {
		layers = append(layers, Breaker(cfg.Circuits, cfg.Principal, cfg.Breaker, obs))
	}
	layers = append(layers, Retry(cfg.Retry, obs))
	if cfg.Credentials != nil {
		layers = append(layers, OAuth2(cfg.Credentials, cfg.Token))
	}
	if cfg.Limiter != nil {
		layers = append(layers, Limit(cfg.Limiter, cfg.Principal, cfg.Limit, obs))
	}
	layers = append(layers, Metrics(obs))
	return Chain(base, layers...)
}

// defaultCooldown is the cooldown after a 429 without a usable Retry-After.
const defaultCooldown = time.Second

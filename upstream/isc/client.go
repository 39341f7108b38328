package isc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/sailgraph/sailgraph/upstream/op"
)

// DefaultMaxBody is the largest JSON response body a Client reads: a full
// page of 250 access items is about 150 KB, so this leaves ample room while
// keeping a runaway answer from exhausting memory. Downloads are streamed
// and not capped.
const DefaultMaxBody int64 = 16 << 20

// maxErrorBody caps how much of an error answer is read for its details.
const maxErrorBody int64 = 64 << 10

// Client sends requests to one ISC tenant. The per-API clients (history,
// tasks, reports, rolemining) each hold one and describe their operations
// to it as Calls; it owns everything they share: building the request from
// the call, sending it, checking the status, capping the body and mapping
// every failure onto this package's errors.
//
// A Client is safe for concurrent use.
type Client struct {
	root    string // scheme://host[/path], without a trailing slash
	hc      *http.Client
	maxBody int64
	gens    Generations
	decoded *DecodedCache
}

// Generations says which API generation serves a family. It may change
// while the gateway runs (SAILGRAPH_UPSTREAM_API=auto), so the client asks
// on every call.
type Generations interface {
	Generation(op.Family) op.Generation
}

// ContextGenerations is a Generations that may need the call's context to
// answer: an automatic choice waits, within the context, for the tenant's
// first answer, and may ask the tenant with the context's principal (a
// pass-through caller's own token). The Client uses GenerationFor when its
// Generations has it.
type ContextGenerations interface {
	Generations
	GenerationFor(ctx context.Context, f op.Family) (op.Generation, error)
}

// FixedGeneration serves every family from one generation.
type FixedGeneration op.Generation

// Generation implements Generations.
func (g FixedGeneration) Generation(op.Family) op.Generation { return op.Generation(g) }

// WithGenerations sets which generation serves each family (default: the
// legacy one everywhere).
func WithGenerations(g Generations) Option {
	return func(c *Client) {
		if g != nil {
			c.gens = g
		}
	}
}

// Generation is the generation that serves family now.
func (c *Client) Generation(f op.Family) op.Generation { return c.gens.Generation(f) }

// GenerationFor is the generation that serves family f for a call made
// with ctx. A client that shapes a call differently per generation asks
// once and pins the call to the answer (Call.In), so that a change of
// generation between the two cannot mix them. The error is ctx's, when it
// ended while the choice was being made.
func (c *Client) GenerationFor(ctx context.Context, f op.Family) (op.Generation, error) {
	return GenerationFor(ctx, c.gens, f)
}

// GenerationFor is the generation g says serves family f for a call made
// with ctx: through ContextGenerations when g has it. A nil g serves
// everything from the legacy generation.
func GenerationFor(ctx context.Context, g Generations, f op.Family) (op.Generation, error) {
	switch g := g.(type) {
	case nil:
		return op.Legacy, nil
	case ContextGenerations:
		return g.GenerationFor(ctx, f)
	default:
		return g.Generation(f), nil
	}
}

// Option configures a Client.
type Option func(*Client)

// WithMaxBody sets the largest JSON response body the client reads; a
// larger one fails with a *TooLargeError. n <= 0 keeps DefaultMaxBody.
func WithMaxBody(n int64) Option {
	return func(c *Client) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// New returns a Client for the tenant at root, such as
// https://acme.api.identitynow.com or a simulated tenant's
// http://127.0.0.1:port. The API version prefix is not part of root: each
// operation names its own full path. hc carries whatever transport the
// caller built (OAuth2, rate limit, retries, cache); it must not be nil.
func New(root string, hc *http.Client, opts ...Option) (*Client, error) {
	if hc == nil {
		return nil, errors.New("isc: nil *http.Client")
	}
	u, err := url.Parse(root)
	if err != nil {
		return nil, fmt.Errorf("isc: tenant root %q: %w", root, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("isc: tenant root %q must be an http(s) URL with a host and no user, query or fragment", root)
	}
	c := &Client{root: strings.TrimRight(u.String(), "/"), hc: hc, maxBody: DefaultMaxBody, gens: FixedGeneration(op.Legacy)}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Root returns the tenant root the client was built with.
func (c *Client) Root() string { return c.root }

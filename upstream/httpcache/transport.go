// Package httpcache is the read-through cache as an http.RoundTripper: the
// outermost layer of the upstream transport chain, so that the typed
// clients and the REST pass-through share one cache.
//
// It caches the exchanges of the GET operations whose op.Call the
// request's context carries (status 200 or 404, the headers that matter,
// the body), keyed by tenant, principal (principal.Key, never a token),
// generation, API, operation and the canonical request. Each answer's
// lifetime follows its data: the layer classifies it by the operation's
// op.Class and the content (see classify.go and the README's "Cache
// lifetimes"). Downloads, HEAD, requests without a principal and answers
// other than 200 and 404 pass through untouched. Mutations that pass
// through drop what they change (see mutations.go). What it serves from
// the cache is counted, and stale serves noted, on the request's
// record.Record.
package httpcache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/sailgraph/sailgraph/cache"
	"github.com/sailgraph/sailgraph/record"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

// Response headers the layer adds to what it serves.
const (
	// HeaderCache says where the answer came from: hit, miss, stale or
	// bypass (see cache.Status).
	HeaderCache = "X-Sailgraph-Cache"
	// HeaderAge is the answer's age in seconds (RFC 9111), on hits and
	// stale serves.
	HeaderAge = "Age"
)

// Options configure a Transport. The zero value is usable.
type Options struct {
	// SnapshotSettle is how long after its date a snapshot may still
	// change; older snapshots are immutable (default 24h).
	SnapshotSettle time.Duration
	// MaxBody caps the body of a cacheable answer read from upstream
	// (default 32 MiB); a larger one fails the request.
	MaxBody int64
	// Now is the clock snapshot dates are judged by (default time.Now).
	Now func() time.Time
	// Logger gets a line when a mutation could not drop what it changed
	// (default slog.Default()).
	Logger *slog.Logger
	// Tokens, when set, keeps the cache from answering a pass-through
	// principal whose token the tenant has not accepted lately: such a
	// read goes to the tenant (and refreshes the entry). Every answer for
	// a pass-through token is reported to it: a 401 revokes the token, any
	// other answer confirms it.
	Tokens Tokens
}

// Tokens is what the tenant last said of pass-through tokens, by their
// principal's ClientID (access.TokenState implements it).
type Tokens interface {
	Confirmed(ctx context.Context, id string) bool
	Confirm(ctx context.Context, id string)
	Revoke(ctx context.Context, id string)
}

// Transport is the caching http.RoundTripper.
type Transport struct {
	cache    *cache.Cache
	base     http.RoundTripper
	classify classifier
	maxBody  int64
	log      *slog.Logger
	tokens   Tokens
}

var _ http.RoundTripper = (*Transport)(nil)

// New returns a Transport caching in c in front of base.
func New(c *cache.Cache, base http.RoundTripper, opts Options) *Transport {
	if opts.SnapshotSettle <= 0 {
		opts.SnapshotSettle = 24 * time.Hour
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = 32 << 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Transport{
		cache:    c,
		base:     base,
		classify: classifier{settle: opts.SnapshotSettle, now: opts.Now},
		maxBody:  opts.MaxBody,
		log:      opts.Logger,
		tokens:   opts.Tokens,
	}
}

// send passes a request the cache does not keep to the tenant.
func (t *Transport) send(req *http.Request) (*http.Response, error) {
	// Nothing of an exchange that passes the cache is kept: no answer
	// built from it may be either.
	record.From(req.Context()).Uncacheable()
	return t.exchange(req)
}

// exchange passes req to the tenant, telling Tokens what the tenant said
// of a pass-through principal's token.
func (t *Transport) exchange(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if t.tokens == nil || err != nil {
		return resp, err
	}
	if p, ok := principal.From(req.Context()); ok && p.Bearer() != "" {
		ctx := context.WithoutCancel(req.Context())
		if resp.StatusCode == http.StatusUnauthorized {
			t.tokens.Revoke(ctx, p.ClientID)
		} else {
			t.tokens.Confirm(ctx, p.ClientID)
		}
	}
	return resp, err
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	call, ok := op.FromRequest(req)
	if !ok || req.Method != call.Op.Method {
		return t.send(req)
	}
	switch req.Method {
	case http.MethodGet:
	case http.MethodPost, http.MethodPatch:
		return t.mutate(req, call)
	default: // HEAD
		return t.send(req)
	}
	ctx := req.Context()
	p, hasPrincipal := principal.From(ctx)
	key, canonical := canonicalKey(call, req.URL.RawQuery)
	if call.Op.Download || call.Op.Cache == op.NoCache || !hasPrincipal || !canonical {
		return t.send(req)
	}
	creq := t.request(p, call, key)
	// A pass-through token the tenant has not accepted lately is not
	// answered from the cache: it may have expired or been revoked.
	creq.Refresh = p.Bearer() != "" && t.tokens != nil && !t.tokens.Confirmed(ctx, p.ClientID)
	res, err := t.cache.Get(ctx, creq, t.loader(req, call))
	if err != nil {
		return nil, err
	}
	resp, err := decodeExchange(res.Value, req)
	if err != nil {
		return nil, err
	}
	if res.Key != "" && res.Status != cache.StatusStale {
		resp.Body = &identifiedBody{ReadCloser: resp.Body, res: res}
	}
	resp.Header[HeaderCache] = []string{res.Status.String()}
	rec := record.From(ctx)
	switch res.Status {
	case cache.StatusHit:
		rec.AddCacheHit()
	case cache.StatusStale:
		rec.AddStale(ctx, record.Stale{
			Operation: call.Op.Name, Resource: call.Resource(), Age: res.Age, Reason: res.Reason.String(),
		})
	}
	if res.Status == cache.StatusStale {
		rec.Uncacheable()
	} else {
		rec.Used(res.FreshUntil, creq.Namespace, res.Generation)
	}
	if res.Status == cache.StatusHit || res.Status == cache.StatusStale {
		resp.Header[HeaderAge] = []string{strconv.FormatInt(int64(res.Age/time.Second), 10)}
	}
	return resp, nil
}

// request is the cache request for a GET of call by p.
func (t *Transport) request(p principal.Principal, call *op.Call, key string) cache.Request {
	return cache.Request{
		Scope:     p.Key(),
		Key:       key,
		Namespace: namespaceOf(p, call.Op.Namespace, call),
		Operation: call.Op.Name,
		Resource:  call.Resource(),
	}
}

// loader sends req upstream (with the fill's context) and turns the
// answer into a storable exchange.
func (t *Transport) loader(req *http.Request, call *op.Call) cache.Loader {
	return func(ctx context.Context) (cache.Fetched, error) {
		resp, err := t.exchange(req.WithContext(ctx))
		if err != nil {
			return cache.Fetched{Failure: failureOf(err)}, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, t.maxBody+1))
		if err != nil {
			return cache.Fetched{Failure: cache.FailureUnavailable}, fmt.Errorf("httpcache: reading %s: %w", call.Op.Name, err)
		}
		if int64(len(body)) > t.maxBody {
			return cache.Fetched{}, fmt.Errorf("httpcache: %s answered more than %d bytes", call.Op.Name, t.maxBody)
		}
		return cache.Fetched{
			Value:   encodeExchange(resp.StatusCode, resp.Header, body),
			Class:   t.classify.classify(call, resp.StatusCode, body),
			Failure: failureOfStatus(resp.StatusCode),
		}, nil
	}
}

// identifiedBody is the body of a stored answer, named for what is
// decoded from it (isc.Identified); the name is built only when asked.
type identifiedBody struct {
	io.ReadCloser
	res cache.Result
}

// CacheIdentity implements isc.Identified.
func (b *identifiedBody) CacheIdentity() string { return b.res.Entry() }

var _ isc.Identified = (*identifiedBody)(nil)

// failureOfStatus says which upstream answers a stale entry may replace.
func failureOfStatus(status int) cache.Failure {
	switch {
	case status == http.StatusTooManyRequests:
		return cache.FailureRateLimited
	case status >= 500:
		return cache.FailureUnavailable
	}
	return cache.FailureNone
}

// failureOf classifies a transport error: the budget layers below refuse
// with isc.ErrRateLimited; anything else means the tenant is unreachable.
func failureOf(err error) cache.Failure {
	if errors.Is(err, isc.ErrRateLimited) {
		return cache.FailureRateLimited
	}
	return cache.FailureUnavailable
}

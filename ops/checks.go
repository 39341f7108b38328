package ops

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/sync/singleflight"
)

// Pinger is what RedisCheck needs: redis.UniversalClient has it.
type Pinger interface {
	Ping(ctx context.Context) *redis.StatusCmd
}

// errRedisPing is RedisCheck's failure; the cause is not shown (it may
// name hosts).
var errRedisPing = errors.New("redis did not answer PING")

// RedisCheck is a readiness check that Redis answers PING (for a Cluster
// client, one node does).
func RedisCheck(r Pinger) Check {
	return Check{Name: "redis", Probe: func(ctx context.Context) error {
		if err := r.Ping(ctx).Err(); err != nil {
			return errRedisPing
		}
		return nil
	}}
}

// TokenCheckOptions configure TokenCheck. The zero value is usable.
type TokenCheckOptions struct {
	// TTL is how long a successful fetch answers for (default 30s), so
	// that probes every few seconds cost the token endpoint little.
	TTL time.Duration
	// FailTTL is how long a failed fetch answers for (default 5s).
	FailTTL time.Duration
	// Timeout bounds one fetch (default 10s).
	Timeout time.Duration
	// HTTPClient sends the fetch (default http.DefaultClient).
	HTTPClient *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// TokenCheck is a readiness check that the tenant's token endpoint gives
// the gateway's client credentials a token. The result is reused for a
// while, and concurrent probes share one fetch.
func TokenCheck(cfg *clientcredentials.Config, opts TokenCheckOptions) Check {
	if opts.TTL <= 0 {
		opts.TTL = 30 * time.Second
	}
	if opts.FailTTL <= 0 {
		opts.FailTTL = 5 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = http.DefaultClient
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	p := &tokenProbe{cfg: cfg, opts: opts}
	return Check{Name: "tenant_token", Probe: p.probe}
}

type tokenProbe struct {
	cfg    *clientcredentials.Config
	opts   TokenCheckOptions
	flight singleflight.Group

	mu    sync.Mutex
	until time.Time
	last  error
}

func (p *tokenProbe) probe(ctx context.Context) error {
	p.mu.Lock()
	if p.opts.Now().Before(p.until) {
		err := p.last
		p.mu.Unlock()
		return err
	}
	p.mu.Unlock()
	// The fetch is detached from this caller (others may share it) but
	// bounded by its own timeout.
	ch := p.flight.DoChan("token", func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.opts.Timeout)
		defer cancel()
		fctx = context.WithValue(fctx, oauth2.HTTPClient, p.opts.HTTPClient)
		_, err := p.cfg.Token(fctx)
		err = describeTokenError(err)
		ttl := p.opts.TTL
		if err != nil {
			ttl = p.opts.FailTTL
		}
		p.mu.Lock()
		p.until, p.last = p.opts.Now().Add(ttl), err
		p.mu.Unlock()
		return nil, err
	})
	select {
	case res := <-ch:
		return res.Err
	case <-ctx.Done():
		return fmt.Errorf("token endpoint did not answer in time: %w", ctx.Err())
	}
}

// describeTokenError says why a fetch failed without repeating the token
// endpoint's body (which may echo what was sent).
func describeTokenError(err error) error {
	if err == nil {
		return nil
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		if re.ErrorCode != "" {
			return fmt.Errorf("token endpoint answered %d (%s)", re.Response.StatusCode, re.ErrorCode)
		}
		return fmt.Errorf("token endpoint answered %d", re.Response.StatusCode)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("token endpoint did not answer in time")
	}
	return errors.New("token endpoint unreachable")
}

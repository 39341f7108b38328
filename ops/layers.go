package ops

import (
	"net/http"

	"github.com/sailgraph/sailgraph/cache"
	"github.com/sailgraph/sailgraph/upstream/httpcache"
	"github.com/sailgraph/sailgraph/upstream/transport"
)

// Upstream is the Layer for the bottom of the upstream chain (below the
// budget and the retries, as transport.Config.Base's wrapper), so that it
// sees every exchange with the tenant: it counts the exchange on the
// request's record and sends the request id as X-Request-Id.
func Upstream() transport.Layer {
	return func(next http.RoundTripper) http.RoundTripper {
		return upstreamLayer{next: next}
	}
}

type upstreamLayer struct{ next http.RoundTripper }

func (u upstreamLayer) RoundTrip(req *http.Request) (*http.Response, error) {
	r := RequestFrom(req.Context())
	if r == nil {
		return u.next.RoundTrip(req)
	}
	r.addUpstream()
	out := req.Clone(req.Context()) // a RoundTripper must not change its request
	out.Header.Set(HeaderRequestID, r.id)
	return u.next.RoundTrip(out)
}

// CacheCounter is the Layer for above the caching layer (httpcache): it
// counts the answers served from the cache, fresh or stale, on the
// request's record, reading httpcache's X-Sailgraph-Cache header.
// (cache.Observer is not told which request an event is for, so the
// per-request count is taken here.)
func CacheCounter() transport.Layer {
	return func(next http.RoundTripper) http.RoundTripper {
		return cacheCounter{next: next}
	}
}

type cacheCounter struct{ next http.RoundTripper }

func (cc cacheCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := cc.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if r := RequestFrom(req.Context()); r != nil {
		switch resp.Header.Get(httpcache.HeaderCache) {
		case cache.StatusHit.String():
			r.cacheHits.Add(1)
		case cache.StatusStale.String():
			r.cacheStale.Add(1)
		}
	}
	return resp, err
}

package ops

import (
	"net/http"

	"github.com/sailgraph/sailgraph/record"
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
	r := record.From(req.Context())
	if r == nil {
		return u.next.RoundTrip(req)
	}
	r.AddUpstream()
	out := req.Clone(req.Context()) // a RoundTripper must not change its request
	out.Header.Set(HeaderRequestID, r.ID())
	return u.next.RoundTrip(out)
}

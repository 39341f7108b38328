package transport

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"

	"golang.org/x/sync/singleflight"

	"github.com/sailgraph/sailgraph/upstream/principal"
)

// maxSharedBody caps a response read whole to be shared. The typed
// clients cap bodies far below this.
const maxSharedBody = 32 << 20

// streamed lists the operations whose answers are file downloads: they
// are streamed to their caller, never read whole to be shared.
var streamed = map[string]bool{
	"getReport":                          true, // GET /v2024/reports/{id}: the report file
	"downloadRoleMiningPotentialRoleZip": true, // .../export-async/{exportId}/download
}

// Singleflight sends identical GETs that are in flight at the same time
// upstream once. Requests are identical when principal (Key(), def when
// the context has none), method, full URL and Accept header agree, so two
// principals never share an answer. Each caller gets its own response
// with its own header map and body reader; each waits only as long as its
// own context allows, and the shared request runs on until the first
// caller's deadline even if that caller goes away. Requests with a body
// or a Range header, and file downloads, are passed through.
func Singleflight(def principal.Principal, obs Observer) Layer {
	obs = orNop(obs)
	return func(next http.RoundTripper) http.RoundTripper {
		return &flights{next: next, def: def, obs: obs}
	}
}

type flights struct {
	next  http.RoundTripper
	def   principal.Principal
	obs   Observer
	group singleflight.Group
	// joined, if set (by tests), is called when a caller starts waiting
	// for a flight.
	joined func()
}

// shared is a response read whole, handed out as copies.
type shared struct {
	leader *http.Request  // the request that was sent
	resp   *http.Response // Body unused
	body   []byte
}

func (f *flights) RoundTrip(req *http.Request) (*http.Response, error) {
	api, op := labels(req)
	if req.Method != http.MethodGet || streamed[op] || req.Header.Get("Range") != "" ||
		(req.Body != nil && req.Body != http.NoBody) {
		return f.next.RoundTrip(req)
	}
	key := principalFor(req, f.def).Key() + "\x00" + req.URL.String() + "\x00" + req.Header.Get("Accept")
	ch := f.group.DoChan(key, func() (any, error) { return f.fetch(req) })
	if f.joined != nil {
		f.joined()
	}
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		sh := res.Val.(*shared)
		if sh.leader != req {
			f.obs.ObserveShared(api, op)
		}
		return sh.copyFor(req), nil
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
}

// fetch sends req for every caller: detached from the first caller's
// cancellation, but not from its deadline.
func (f *flights) fetch(req *http.Request) (*shared, error) {
	parent := req.Context()
	ctx := context.WithoutCancel(parent)
	if dl, ok := parent.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl)
		defer cancel()
	}
	resp, err := f.next.RoundTrip(req.Clone(ctx))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSharedBody+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxSharedBody {
		return nil, fmt.Errorf("transport: %s answered more than %d bytes", req.URL.Path, maxSharedBody)
	}
	return &shared{leader: req, resp: resp, body: body}, nil
}

func (s *shared) copyFor(req *http.Request) *http.Response {
	r := *s.resp
	r.Header = s.resp.Header.Clone()
	r.Trailer = s.resp.Trailer.Clone()
	r.Body = io.NopCloser(bytes.NewReader(s.body))
	r.ContentLength = int64(len(s.body))
	r.Request = req
	return &r
}

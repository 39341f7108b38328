package generation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// The probes. Each asks a v1 path whose answer says whether the path
// exists, whatever data the tenant holds, and changes nothing:
//
//   - identity history: GET /historical-identities/v1?limit=1, with the
//     experimental header the API requires; task management: GET
//     /task-status/v1?limit=1. These are collections: a 404 (or 410)
//     cannot mean "no such object", only "no such path", and a 200 means
//     the API serves.
//   - reports and role mining have no collection to list. A 404 for an
//     object that cannot exist (GET /reports/v1/{id}/result) is the same
//     ErrorResponseDto as a 404 for an unknown path (SailPoint's own spec
//     gives both the text "The server did not find a current
//     representation for the target resource."), so it tells nothing.
//     Instead the probe asks, with GET, a path the API serves with POST
//     only: /reports/v1/{id}/cancel and
//     /role-mining-sessions/v1/{sessionId}/potential-roles/{id}/export-async.
//     A router that knows the path answers 405 Method Not Allowed (the
//     simulated tenant does, with Allow: POST; so do Spring and every
//     HTTP framework that routes on the path first), one that does not
//     answers 404. GET is safe: no router runs a POST handler for it. No
//     GET route of these APIs has the same shape, so the path cannot be
//     read as another operation's.
//
// A probe's verdict: 2xx or 405, v1 serves the family; 404 or 410, it
// does not, so legacy does; anything else (400, 401, 403, 429, 5xx, no
// answer) is not sure: the family keeps its generation (legacy at start)
// and is asked again after 30 s, then 1, 2, 4, 8 and every 10 minutes,
// at its first call after that time. A 400 counts as unsure rather than
// as "the path exists": it would mean the v1 API refuses the gateway's
// well-formed call, and then legacy is the safer choice.
type probe struct {
	op       *op.Operation // in V1; the op.Call the transport layers read
	params   []string
	query    url.Values
	wantsOff bool // a 405 says the path exists (the method probes)
}

// impossible is an id no object has (SailPoint ids are 32 hex digits or
// UUIDs).
const impossible = "sailgraph-generation-probe"

// methodProbe is the operation of a GET on the v1 path of o, a POST: the
// op.Call the transport layers read (its API spends the family's v1
// budget, the header is the one o's path requires), under a name no
// operation of the table has.
func methodProbe(o *op.Operation) *op.Operation {
	p := o.Path(op.V1)
	return op.Define(op.Operation{Name: "detectGeneration", Family: o.Family, Method: http.MethodGet,
		Paths: [2]op.Path{{}, {Template: p.Template, API: p.API, Experimental: p.Experimental}}})
}

var (
	probeReports    = methodProbe(op.CancelReport)
	probeRoleMining = methodProbe(op.ExportRoleMiningPotentialRoleAsync)
)

var probes = map[op.Family]probe{
	op.History:    {op: op.ListHistoricalIdentities, query: url.Values{"limit": {"1"}}},
	op.Tasks:      {op: op.GetTaskStatusList, query: url.Values{"limit": {"1"}}},
	op.Reports:    {op: probeReports, params: []string{impossible}, wantsOff: true},
	op.RoleMining: {op: probeRoleMining, params: []string{impossible, impossible}, wantsOff: true},
}

// IsProbe reports whether req is one of the probes: a test that holds the
// gateway's calls to the spec lets them by (the method probes ask a
// method the spec does not list, on purpose).
func IsProbe(req *http.Request) bool {
	c, ok := op.FromRequest(req)
	return ok && (c.Op == probeReports || c.Op == probeRoleMining)
}

// HTTPProber probes a tenant over HTTP.
type HTTPProber struct {
	c   *isc.Client
	err error // from isc.New: every probe is unsure
}

// NewProber returns a Prober for the tenant at root (as isc.New takes
// it), sending through hc: the gateway's transport chain (token, budget,
// retries) without its cache, so that every probe reaches the tenant.
// The probes are built and sent as the clients' calls are (isc.Client),
// pinned to v1.
func NewProber(root string, hc *http.Client) *HTTPProber {
	c, err := isc.New(root, hc)
	return &HTTPProber{c: c, err: err}
}

// Probe implements Prober.
func (p *HTTPProber) Probe(ctx context.Context, f op.Family) Verdict {
	pr, ok := probes[f]
	if !ok {
		return Verdict{Detail: "no probe for family " + f.String()}
	}
	if p.err != nil {
		return Verdict{Detail: p.err.Error()}
	}
	what := pr.op.Method + " " + pr.op.Path(op.V1).Template
	_, err := p.c.JSON(ctx, isc.Call{Op: pr.op, Params: pr.params, Query: pr.query}.In(op.V1), nil)
	if err == nil {
		return Verdict{Sure: true, Gen: op.V1, Detail: what + " answered 2xx"}
	}
	detail := what + ": " + err.Error()
	var ae *isc.APIError
	if errors.As(err, &ae) {
		switch s := ae.Status; {
		case s == http.StatusMethodNotAllowed && pr.wantsOff:
			return Verdict{Sure: true, Gen: op.V1, Detail: detail}
		case s == http.StatusNotFound, s == http.StatusGone:
			return Verdict{Sure: true, Gen: op.Legacy, Detail: detail}
		}
	}
	return Verdict{Detail: detail}
}

// watch is Chooser.Layer.
type watch struct {
	c    *Chooser
	next http.RoundTripper
}

// maxWatchedBody is how much of a 404 or 410 body is read to tell an
// unknown path from an unknown object.
const maxWatchedBody = 64 << 10

func (w *watch) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := w.next.RoundTrip(req)
	if err != nil || (resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusGone) {
		return resp, err
	}
	call, ok := op.FromRequest(req)
	if !ok || !w.c.Auto(call.Op.Family) || w.c.Generation(call.Op.Family) != call.Gen {
		// Only the generation in use says anything about the choice: a
		// REST caller asking the other one's path is answered as it is.
		return resp, err
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxWatchedBody))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return resp, nil
	}
	if why, gone := wholePathGone(call, req.URL.Path, resp.StatusCode, body); gone {
		w.c.Redetect(req.Context(), call.Op.Family, fmt.Sprintf("%s %s answered %d: %s", req.Method, req.URL.Path, resp.StatusCode, why))
	}
	return resp, nil
}

// wholePathGone reports whether an answer of 404 or 410 is about the path
// itself (the API is not there, or no longer) rather than an object that
// does not exist, which is an ordinary answer:
//
//   - 410 Gone: SailPoint retires an API as a whole; objects are never
//     "gone".
//   - 404 on a path without parameters (a collection): there is no object
//     to be missing.
//   - 404 whose body is not an ErrorResponseDto (a proxy's or router's
//     own page): no API handler answered.
//   - 404 whose message names the request's path, as routers do for a
//     path they do not serve (the simulated tenant: "... target resource:
//     /path"; Spring: "No endpoint GET /path."). An unknown object's 404
//     names the object ("TaskStatus "x" was not found.").
//
// A 404 for an unknown object in the same ErrorResponseDto and words as an
// unknown path cannot be told apart; it is then an object's. The
// trigger only starts a probe (at most one a minute per family), and the
// probe decides, so a wrong guess costs one call.
func wholePathGone(call *op.Call, path string, status int, body []byte) (string, bool) {
	if status == http.StatusGone {
		return "the API is gone", true
	}
	if len(call.Params) == 0 {
		return "a collection is not found", true
	}
	var dto struct {
		DetailCode string `json:"detailCode"`
		Messages   []struct {
			Text string `json:"text"`
		} `json:"messages"`
	}
	if json.Unmarshal(body, &dto) != nil || (dto.DetailCode == "" && len(dto.Messages) == 0) {
		return "the answer is not the API's", true
	}
	for _, m := range dto.Messages {
		if strings.Contains(m.Text, path) {
			return "the answer names the path", true
		}
	}
	return "", false
}

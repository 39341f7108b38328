// Package spectest checks HTTP exchanges against SailPoint's own OpenAPI
// text (internal/upstreamspec): the year-versioned beta.yaml and
// v2024.yaml, and the per-resource v1 APIs under v1/ that replace them.
//
// Tests wrap an http.Client's transport with Transport: every request the
// client sends is validated with openapi3filter.ValidateRequest and every
// response it receives with openapi3filter.ValidateResponse, each against
// whichever document routes the request's path (/beta/..., /v2024/...,
// /historical-identities/v1/..., /task-status/v1..., /reports/v1/...,
// /role-mining-sessions/v1/...). The simulated tenant's contract tests and
// the upstream clients' tests both go through it, so the tenant's answers
// and the gateway's requests are held to the same contract.
//
// The documents are the repository's copy in internal/upstreamspec,
// embedded in the test binary, so they cannot be missing. SAILGRAPH_SPEC_DIR
// names another folder laid out the same way (beta.yaml, v2024.yaml, v1/),
// to check the code against a newer spec without changing the copy.
package spectest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/sailgraph/sailgraph/internal/upstreamspec"
)

// EnvSpecDir overrides where the spec files are read from.
const EnvSpecDir = "SAILGRAPH_SPEC_DIR"

// API names one upstream spec document. Its value is the document's path
// in the spec folder without ".yaml".
type API string

// The year-versioned documents.
const (
	Beta  API = "beta"
	V2024 API = "v2024"
)

// The per-resource v1 documents.
const (
	IdentityHistoryV1 API = "v1/identity-history"
	TaskManagementV1  API = "v1/task-management"
	ReportsV1         API = "v1/reports-data-extraction"
	RoleMiningV1      API = "v1/iai-role-mining"
)

// APIs lists every document, year-versioned first.
func APIs() []API {
	return []API{Beta, V2024, IdentityHistoryV1, TaskManagementV1, ReportsV1, RoleMiningV1}
}

// V1APIs lists the per-resource v1 documents.
func V1APIs() []API {
	return []API{IdentityHistoryV1, TaskManagementV1, ReportsV1, RoleMiningV1}
}

// File is the document's path in the spec folder (slash-separated).
func (a API) File() string { return string(a) + ".yaml" }

// V1 reports whether a is one of the per-resource v1 documents.
func (a API) V1() bool { return strings.HasPrefix(string(a), "v1/") }

// Spec is one loaded OpenAPI document with a router over its paths.
type Spec struct {
	API    API
	Doc    *openapi3.T
	router routers.Router
	// prefixes are the path prefixes this document owns: "/beta" for
	// beta.yaml, "/historical-identities/v1" and the like for v1.
	prefixes []string
}

// OperationIDs lists the document's operations.
func (sp *Spec) OperationIDs() []string {
	var out []string
	for _, p := range sp.Doc.Paths.InMatchingOrder() {
		for _, op := range sp.Doc.Paths.Value(p).Operations() {
			out = append(out, op.OperationID)
		}
	}
	return out
}

// owns reports whether the document routes path.
func (sp *Spec) owns(path string) bool {
	for _, p := range sp.prefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// Specs holds every document. Beta and V2024 are named because the
// year-versioned clients' tests walk them; any document is had by Get.
type Specs struct {
	Beta, V2024 *Spec

	all []*Spec // in the order of APIs
}

// All returns every document, in the order of APIs.
func (s *Specs) All() []*Spec { return slices.Clone(s.all) }

// Get returns the document api names, or nil.
func (s *Specs) Get(api API) *Spec {
	for _, sp := range s.all {
		if sp.API == api {
			return sp
		}
	}
	return nil
}

var (
	loadOnce sync.Once
	loaded   *Specs
	loadErr  error
)

// Dir returns the folder SAILGRAPH_SPEC_DIR names, or "" when the embedded
// copy is used.
func Dir() string { return os.Getenv(EnvSpecDir) }

// Load returns every spec document, loaded once per test binary. A spec
// that does not load or validate fails the test: the embedded copy is
// always there, so there is nothing to skip for.
func Load(t testing.TB) *Specs {
	t.Helper()
	loadOnce.Do(func() {
		fsys, where := upstreamspec.FS(), "the embedded internal/upstreamspec"
		if dir := Dir(); dir != "" {
			fsys, where = os.DirFS(dir), EnvSpecDir+"="+dir
		}
		loaded, loadErr = LoadFS(fsys)
		if loadErr != nil {
			loadErr = fmt.Errorf("%w (spec from %s)", loadErr, where)
		}
	})
	if loadErr != nil {
		t.Fatalf("spectest: %v", loadErr)
	}
	return loaded
}

// LoadFS loads, validates and routes every document of fsys (laid out like
// the spec folder).
func LoadFS(fsys fs.FS) (*Specs, error) {
	s := &Specs{}
	for _, api := range APIs() {
		sp, err := loadOne(fsys, api)
		if err != nil {
			return nil, err
		}
		s.all = append(s.all, sp)
	}
	s.Beta, s.V2024 = s.Get(Beta), s.Get(V2024)
	// An operationId names one operation across all documents (the v1 ones
	// carry a V1 suffix), so coverage is counted by id alone.
	seen := map[string]API{}
	for _, sp := range s.all {
		for _, id := range sp.OperationIDs() {
			if other, dup := seen[id]; dup {
				return nil, fmt.Errorf("operationId %s is in both %s and %s", id, other.File(), sp.API.File())
			}
			seen[id] = sp.API
		}
	}
	return s, nil
}

func loadOne(fsys fs.FS, api API) (*Spec, error) {
	name := api.File()
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	// Upstream ships examples that contradict their own schemas, and the v1
	// files' X-SailPoint-Experimental header is a string with the boolean
	// default true (SOURCE.md): neither is checked.
	opts := []openapi3.ValidationOption{openapi3.DisableExamplesValidation()}
	if api.V1() {
		opts = append(opts, openapi3.DisableSchemaDefaultsValidation())
	}
	if err := doc.Validate(loader.Context, opts...); err != nil {
		return nil, fmt.Errorf("validate %s: %w", name, err)
	}
	// Route on the path alone: the servers name SailPoint's hosts, the tests
	// talk to loopback. The year-versioned documents carry their version in
	// the server URL, the v1 ones in every path.
	sp := &Spec{API: api, Doc: doc}
	if api.V1() {
		doc.Servers = nil
		for _, p := range doc.Paths.InMatchingOrder() {
			segs := strings.SplitN(strings.TrimPrefix(p, "/"), "/", 3)
			if len(segs) < 2 || segs[1] != "v1" {
				return nil, fmt.Errorf("%s: path %s is not under /<resource>/v1", name, p)
			}
			if prefix := "/" + segs[0] + "/v1"; !slices.Contains(sp.prefixes, prefix) {
				sp.prefixes = append(sp.prefixes, prefix)
			}
		}
	} else {
		doc.Servers = openapi3.Servers{{URL: "/" + string(api)}}
		sp.prefixes = []string{"/" + string(api)}
	}
	sp.router, err = gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("router %s: %w", name, err)
	}
	return sp, nil
}

// For picks the document that routes the request's path.
func (s *Specs) For(u *url.URL) (*Spec, error) {
	for _, sp := range s.all {
		if sp.owns(u.Path) {
			return sp, nil
		}
	}
	return nil, fmt.Errorf("spectest: %s is under none of the spec documents' paths", u.Path)
}

// Route finds the operation for a request.
func (s *Specs) Route(req *http.Request) (*routers.Route, map[string]string, error) {
	sp, err := s.For(req.URL)
	if err != nil {
		return nil, nil, err
	}
	// gorillamux matches on the full URL; strip scheme and host so that a
	// loopback address routes like the tenant's.
	r2 := req.Clone(req.Context())
	u := *req.URL
	u.Scheme, u.Host = "", ""
	r2.URL = &u
	r2.Host = ""
	return sp.router.FindRoute(r2)
}

// Options for the request and response checks. Authentication is checked by
// the tests themselves (the specs' oauth2 schemes cannot be validated
// offline), so the filter is told to accept any bearer.
func filterOptions() *openapi3filter.Options {
	return &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	}
}

// ValidateRequest checks one request (its body is read and restored).
func (s *Specs) ValidateRequest(ctx context.Context, req *http.Request) (*openapi3filter.RequestValidationInput, error) {
	route, params, err := s.Route(req)
	if err != nil {
		return nil, fmt.Errorf("no operation for %s %s: %w", req.Method, req.URL.Path, err)
	}
	if req.Body != nil && req.Body != http.NoBody {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		defer func() { req.Body = io.NopCloser(bytes.NewReader(body)) }()
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		Options:    filterOptions(),
	}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		return in, fmt.Errorf("request %s %s does not match %s: %w", req.Method, req.URL.RequestURI(), route.Operation.OperationID, err)
	}
	return in, nil
}

// ValidateResponse checks one response against the operation the request
// routed to. A status the operation does not document is an error, except
// that 404 with an ErrorResponseDto body is accepted for every operation
// taking an id (the tenant answers an unknown id with 404 even where the
// spec forgot to list it); that body is still checked against the schema.
func (s *Specs) ValidateResponse(ctx context.Context, in *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) error {
	op := in.Route.Operation
	if op.Responses.Status(status) == nil && status == http.StatusNotFound {
		return s.validateErrorBody(in.Route.Spec, body)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Options:                filterOptions(),
	}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return fmt.Errorf("response %d to %s does not match %s: %w", status, in.Request.URL.RequestURI(), op.OperationID, err)
	}
	return nil
}

func (s *Specs) validateErrorBody(doc *openapi3.T, body []byte) error {
	// The v1 files name their components after upstream's file names.
	ref := doc.Components.Schemas["ErrorResponseDto"]
	if ref == nil {
		ref = doc.Components.Schemas["errorresponsedto"]
	}
	if ref == nil || ref.Value == nil {
		return errors.New("spectest: ErrorResponseDto missing from spec")
	}
	v, err := decodeJSON(body)
	if err != nil {
		return fmt.Errorf("404 body is not JSON: %w", err)
	}
	if err := ref.Value.VisitJSON(v); err != nil {
		return fmt.Errorf("404 body is not an ErrorResponseDto: %w", err)
	}
	return nil
}

// Transport validates every exchange that passes through it and reports a
// mismatch as a test error (not fatal: the caller sees the real response
// and may assert on it too). Response bodies are buffered for validation
// up to MaxBody bytes; a larger binary body (a report file, an export zip)
// is passed through unbuffered and only its status and headers checked.
type Transport struct {
	T       testing.TB
	Specs   *Specs
	Base    http.RoundTripper
	MaxBody int64

	mu        sync.Mutex
	Exchanges int            // validated exchanges, for tests that assert coverage
	Ops       map[string]int // validated exchanges by operationId, all documents
}

// NewTransport wraps base (http.DefaultTransport when nil).
func NewTransport(t testing.TB, base http.RoundTripper) *Transport {
	if base == nil {
		base = http.DefaultTransport
	}
	return &Transport{T: t, Specs: Load(t), Base: base, MaxBody: 8 << 20, Ops: map[string]int{}}
}

// RoundTrip implements http.RoundTripper.
func (v *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Path == "/oauth/token" {
		return v.Base.RoundTrip(req)
	}
	vreq := req.Clone(req.Context())
	if req.GetBody != nil {
		b, err := req.GetBody()
		if err == nil {
			vreq.Body = b
		}
	}
	in, err := v.Specs.ValidateRequest(req.Context(), vreq)
	if err != nil {
		v.T.Errorf("spectest: %v", err)
	}
	resp, err := v.Base.RoundTrip(req)
	if err != nil || in == nil {
		return resp, err
	}
	ct := resp.Header.Get("Content-Type")
	binary := strings.HasPrefix(ct, "application/zip") || strings.HasPrefix(ct, "application/pdf") || strings.HasPrefix(ct, "application/csv") || strings.HasPrefix(ct, "text/csv")
	if binary && (resp.ContentLength < 0 || resp.ContentLength > v.MaxBody) {
		v.record(in.Route)
		if err := v.Specs.ValidateResponse(req.Context(), in, resp.StatusCode, resp.Header, nil); err != nil && !isBodyOnly(err) {
			v.T.Errorf("spectest: %v", err)
		}
		return resp, nil
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, v.MaxBody+1))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return resp, nil
	}
	// A 401 from the tenant's bearer check is the OAuth layer's answer,
	// shaped as the spec's 401 response, so it is validated like any other.
	if err := v.Specs.ValidateResponse(req.Context(), in, resp.StatusCode, resp.Header, body); err != nil {
		v.T.Errorf("spectest: %v", err)
	}
	v.record(in.Route)
	return resp, nil
}

func (v *Transport) record(route *routers.Route) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.Exchanges++
	if v.Ops == nil {
		v.Ops = map[string]int{}
	}
	v.Ops[route.Operation.OperationID]++
}

// Covered counts the exchanges this transport has validated so far by
// operationId, over every document (ids are unique across them).
func (v *Transport) Covered() map[string]int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return maps.Clone(v.Ops)
}

// CoveredIn is Covered restricted to one document's operations (ids are
// unique across documents, so the id says which document it came from).
func (v *Transport) CoveredIn(api API) map[string]int {
	covered := v.Covered()
	out := map[string]int{}
	for _, id := range v.Specs.OperationIDsOf(api) {
		if n := covered[id]; n > 0 {
			out[id] = n
		}
	}
	return out
}

// Uncovered lists, sorted, the operations of the given documents (all of
// them when none is given) that this transport has not validated yet.
func (v *Transport) Uncovered(apis ...API) []string {
	if len(apis) == 0 {
		apis = APIs()
	}
	covered := v.Covered()
	var out []string
	for _, id := range v.Specs.OperationIDsOf(apis...) {
		if covered[id] == 0 {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func isBodyOnly(err error) bool {
	var re *openapi3filter.ResponseError
	return errors.As(err, &re) && strings.Contains(re.Reason, "body")
}

// OperationIDs lists every operation of the year-versioned documents
// (beta.yaml and v2024.yaml), for coverage checks; OperationIDsOf names
// the documents, the v1 ones included.
func (s *Specs) OperationIDs() []string {
	return s.OperationIDsOf(Beta, V2024)
}

// OperationIDsOf lists every operation of the named documents.
func (s *Specs) OperationIDsOf(apis ...API) []string {
	var out []string
	for _, api := range apis {
		if sp := s.Get(api); sp != nil {
			out = append(out, sp.OperationIDs()...)
		}
	}
	return out
}

func decodeJSON(b []byte) (any, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return normalizeNumbers(v), nil
}

// normalizeNumbers turns json.Number into float64, as VisitJSON expects.
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeNumbers(e)
		}
	}
	return v
}

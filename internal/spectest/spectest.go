// Package spectest checks HTTP exchanges against SailPoint's own OpenAPI
// text in ../shared/upstream-spec (beta.yaml and v2024.yaml).
//
// Tests wrap an http.Client's transport with Transport: every request the
// client sends is validated with openapi3filter.ValidateRequest and every
// response it receives with openapi3filter.ValidateResponse. The simulated
// tenant's contract tests and the upstream clients' tests both go through
// it, so the tenant's answers and the gateway's requests are held to the
// same contract.
//
// The spec folder is found from SAILGRAPH_SPEC_DIR, or else by walking up
// from the working directory to a shared/upstream-spec beside the checkout.
// Under CI (CI set) a missing spec fails the test; elsewhere it is skipped
// with a message saying why.
package spectest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// EnvSpecDir overrides where the spec files are read from.
const EnvSpecDir = "SAILGRAPH_SPEC_DIR"

// API names one of the two upstream spec files.
type API string

const (
	Beta  API = "beta"
	V2024 API = "v2024"
)

// Spec is one loaded OpenAPI document with a router over its paths.
type Spec struct {
	API    API
	Doc    *openapi3.T
	router routers.Router
}

// Specs holds both documents.
type Specs struct {
	Beta, V2024 *Spec
}

var (
	loadOnce sync.Once
	loaded   *Specs
	loadErr  error
)

// Dir returns the spec folder, or "" when none is found.
func Dir() string {
	if d := os.Getenv(EnvSpecDir); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := wd; ; d = filepath.Dir(d) {
		cand := filepath.Join(d, "shared", "upstream-spec")
		if fileExists(filepath.Join(cand, "beta.yaml")) {
			return cand
		}
		cand = filepath.Join(filepath.Dir(d), "shared", "upstream-spec")
		if fileExists(filepath.Join(cand, "beta.yaml")) {
			return cand
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// Load returns both specs, failing or skipping the test when they cannot be
// had (see the package doc).
func Load(t testing.TB) *Specs {
	t.Helper()
	loadOnce.Do(func() { loaded, loadErr = load(Dir()) })
	if loadErr != nil {
		if os.Getenv("CI") != "" || os.Getenv(EnvSpecDir) != "" {
			t.Fatalf("spectest: %v", loadErr)
		}
		t.Skipf("spectest: the upstream spec is not available (%v); set %s to the folder holding beta.yaml and v2024.yaml to run this test", loadErr, EnvSpecDir)
	}
	return loaded
}

func load(dir string) (*Specs, error) {
	if dir == "" {
		return nil, errors.New("no shared/upstream-spec found above the working directory")
	}
	b, err := loadOne(filepath.Join(dir, "beta.yaml"), Beta)
	if err != nil {
		return nil, err
	}
	v, err := loadOne(filepath.Join(dir, "v2024.yaml"), V2024)
	if err != nil {
		return nil, err
	}
	return &Specs{Beta: b, V2024: v}, nil
}

func loadOne(path string, api API) (*Spec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	// Upstream ships examples that contradict their own schemas (SOURCE.md).
	if err := doc.Validate(loader.Context, openapi3.DisableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("validate %s: %w", path, err)
	}
	// Route on the path alone: the servers name SailPoint's hosts, the tests
	// talk to loopback.
	doc.Servers = openapi3.Servers{{URL: "/" + string(api)}}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("router %s: %w", path, err)
	}
	return &Spec{API: api, Doc: doc, router: r}, nil
}

// For picks the spec whose base path prefixes the request's path.
func (s *Specs) For(u *url.URL) (*Spec, error) {
	switch {
	case strings.HasPrefix(u.Path, "/beta/"):
		return s.Beta, nil
	case strings.HasPrefix(u.Path, "/v2024/"):
		return s.V2024, nil
	}
	return nil, fmt.Errorf("spectest: %s is under neither /beta nor /v2024", u.Path)
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
	ref := doc.Components.Schemas["ErrorResponseDto"]
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
	Exchanges int // validated exchanges, for tests that assert coverage
	Ops       map[string]int
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
		v.record(in.Route.Operation.OperationID)
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
	v.record(in.Route.Operation.OperationID)
	return resp, nil
}

func (v *Transport) record(op string) {
	v.mu.Lock()
	v.Exchanges++
	v.Ops[op]++
	v.mu.Unlock()
}

// Covered lists the operation ids this transport has validated so far.
func (v *Transport) Covered() map[string]int {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make(map[string]int, len(v.Ops))
	for k, n := range v.Ops {
		out[k] = n
	}
	return out
}

func isBodyOnly(err error) bool {
	var re *openapi3filter.ResponseError
	return errors.As(err, &re) && strings.Contains(re.Reason, "body")
}

// OperationIDs lists every operation in both specs, for coverage checks.
func (s *Specs) OperationIDs() []string {
	var out []string
	for _, sp := range []*Spec{s.Beta, s.V2024} {
		for _, p := range sp.Doc.Paths.InMatchingOrder() {
			for _, op := range sp.Doc.Paths.Value(p).Operations() {
				out = append(out, op.OperationID)
			}
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

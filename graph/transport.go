package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/sailgraph/sailgraph/apierr"
	"github.com/sailgraph/sailgraph/record"
)

// The transports serve GraphQL over HTTP as the GraphQL-over-HTTP spec
// (https://graphql.github.io/graphql-over-http/draft/) says:
//
//   - GET carries queries in the URL; a mutation over GET is 405.
//   - POST carries application/json; any other body type is 415.
//   - The answer is application/graphql-response+json when the caller
//     accepts it, else application/json; 406 when it accepts neither.
//   - application/graphql-response+json: a request error (the document does
//     not parse or validate, variables do not coerce, the query is over a
//     limit) is 400 with no data; once execution starts the answer is 200,
//     field errors and all.
//   - application/json: 200 for every well-formed request, request errors
//     included, as the spec asks of legacy clients; except a refusal by a
//     limit (tokens, aliases, root fields, selection, depth, complexity,
//     cost), which is the server's policy rather than an error in the
//     request, and is 400 in both media types.
//   - A body that is not a GraphQL-over-HTTP request (not JSON, no query
//     string) is 400 whatever the media type; an oversized body is 413.
//
// gqlgen's own GET and POST transports answer 422 for request errors in
// application/json, 406 for a mutation over GET and 400 for an unsupported
// body type, so sailgraph has its own two.

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// postTransport serves POST requests with an application/json body.
type postTransport struct {
	maxBodyBytes int64
	results      *resultCache
}

var _ graphql.Transport = postTransport{}

// Supports claims every POST, so that a wrong body type gets its 415.
func (postTransport) Supports(r *http.Request) bool {
	return r.Method == http.MethodPost && r.Header.Get("Upgrade") == ""
}

// Do reads one GraphQL request from the body and answers it.
func (t postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media, ok := negotiate(r.Header.Get("Accept"))
	if !ok {
		writeProtocolError(w, http.StatusNotAcceptable, "the response can be "+mediaGraphQLResponse+" or "+mediaJSON)
		return
	}
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != mediaJSON {
		writeProtocolError(w, http.StatusUnsupportedMediaType, "a POST body must be "+mediaJSON)
		return
	}
	var body struct {
		Query         *string        `json:"query"`
		OperationName string         `json:"operationName"`
		Variables     map[string]any `json:"variables"`
		Extensions    map[string]any `json:"extensions"`
	}
	start := graphql.Now()
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, t.maxBodyBytes))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			writeProtocolError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes", t.maxBodyBytes))
			return
		}
		writeProtocolError(w, http.StatusBadRequest, "the body is not a GraphQL request: "+decodeProblem(err))
		return
	}
	raw := &graphql.RawParams{
		OperationName: body.OperationName,
		Variables:     body.Variables,
		Extensions:    body.Extensions,
		Headers:       r.Header,
		ReadTime:      graphql.TraceTiming{Start: start, End: graphql.Now()},
	}
	if body.Query != nil {
		raw.Query = *body.Query
	} else if body.Extensions["persistedQuery"] == nil {
		writeProtocolError(w, http.StatusBadRequest, "the body has no query")
		return
	}
	execute(r.Context(), w, exec, raw, media, true, t.results)
}

// decodeProblem says what is wrong with a body that does not decode,
// without naming Go types.
func decodeProblem(err error) string {
	te, ok := errors.AsType[*json.UnmarshalTypeError](err)
	switch {
	case !ok:
		return err.Error()
	case te.Field == "":
		return "want a JSON object with a query (batches are not served), got a JSON " + te.Value
	}
	return te.Field + " must not be a JSON " + te.Value
}

// getTransport serves GET requests with the request in the URL.
type getTransport struct {
	results *resultCache
}

var _ graphql.Transport = getTransport{}

// Supports claims every GET.
func (getTransport) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet && r.Header.Get("Upgrade") == ""
}

// Do reads one GraphQL request from the URL's query and answers it.
func (t getTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media, ok := negotiate(r.Header.Get("Accept"))
	if !ok {
		writeProtocolError(w, http.StatusNotAcceptable, "the response can be "+mediaGraphQLResponse+" or "+mediaJSON)
		return
	}
	start := graphql.Now()
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeProtocolError(w, http.StatusBadRequest, "the URL query does not parse: "+err.Error())
		return
	}
	raw := &graphql.RawParams{
		Query:         q.Get("query"),
		OperationName: q.Get("operationName"),
		Headers:       r.Header,
	}
	for name, dst := range map[string]*map[string]any{"variables": &raw.Variables, "extensions": &raw.Extensions} {
		s := q.Get(name)
		if s == "" {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		if err := dec.Decode(dst); err != nil {
			writeProtocolError(w, http.StatusBadRequest, name+" is not a JSON object")
			return
		}
	}
	if raw.Query == "" && raw.Extensions["persistedQuery"] == nil {
		writeProtocolError(w, http.StatusBadRequest, "the URL has no query parameter")
		return
	}
	raw.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	execute(r.Context(), w, exec, raw, media, false, t.results)
}

// execute runs one request and writes its answer with the right status;
// a query's answer may come from, and go to, the result cache.
func execute(ctx context.Context, w http.ResponseWriter, exec graphql.GraphExecutor, raw *graphql.RawParams, media string, mutationsAllowed bool, results *resultCache) {
	key, cacheable := results.key(ctx, raw)
	if cacheable && results.serve(ctx, w, key, media) {
		record.From(ctx).SetOperation(raw.OperationName)
		return
	}
	opCtx, errs := exec.CreateOperationContext(ctx, raw)
	if errs != nil {
		// Errors before execution are the request's; those without a
		// code (a bad persisted-query extension) are the caller's too.
		for _, e := range errs {
			if _, coded := e.Extensions["code"]; !coded {
				errcode.Set(e, string(apierr.BadRequest))
			}
		}
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
		if wait, refused := record.From(ctx).Refusal(); refused { // the caller's fair share
			w.Header().Set("Retry-After", strconv.Itoa(apierr.RetryAfterSeconds(wait)))
			writeJSON(w, media, http.StatusTooManyRequests, requestErrorBody(resp))
			return
		}
		writeRequestError(w, media, resp)
		return
	}
	if opCtx.Operation.Operation == ast.Subscription {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), gqlerror.List{{
			Message: "a subscription needs a stream: a WebSocket (graphql-transport-ws) or Server-Sent Events " +
				"(POST with Accept: text/event-stream) at this endpoint",
			Extensions: map[string]any{"code": CodeStreamRequired},
		}})
		writeJSON(w, media, http.StatusBadRequest, requestErrorBody(resp))
		return
	}
	if !mutationsAllowed && opCtx.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		e := gqlerror.Errorf("a %s must be sent with POST", opCtx.Operation.Operation)
		errcode.Set(e, string(apierr.BadRequest))
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), gqlerror.List{e})
		writeJSON(w, media, http.StatusMethodNotAllowed, requestErrorBody(resp))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	if resp == nil { // the caller went away
		return
	}
	if resp.Data == nil && len(resp.Errors) > 0 { // refused before execution
		writeRequestError(w, media, resp)
		return
	}
	body := writeJSON(w, media, http.StatusOK, resp)
	if cacheable {
		results.keep(ctx, key, opCtx.Operation, resp, body)
	}
}

// writeRequestError writes a response that has no data: 400 for
// application/graphql-response+json, 200 for application/json, and 400
// for a refusal by a limit whatever the media type.
func writeRequestError(w http.ResponseWriter, media string, resp *graphql.Response) {
	status := http.StatusOK
	if media == mediaGraphQLResponse || refusedByLimit(resp.Errors) {
		status = http.StatusBadRequest
	}
	writeJSON(w, media, status, requestErrorBody(resp))
}

// requestErrorBody drops the data entry: a request error has none.
func requestErrorBody(resp *graphql.Response) any {
	return struct {
		Errors     gqlerror.List  `json:"errors"`
		Extensions map[string]any `json:"extensions,omitempty"`
	}{resp.Errors, resp.Extensions}
}

// writeProtocolError answers a request that is not a GraphQL request at
// all: PAYLOAD_TOO_LARGE for 413, BAD_REQUEST for the rest.
func writeProtocolError(w http.ResponseWriter, status int, msg string) {
	code := apierr.BadRequest
	if status == http.StatusRequestEntityTooLarge {
		code = apierr.PayloadTooLarge
	}
	writeJSON(w, mediaJSON, status, struct {
		Errors gqlerror.List `json:"errors"`
	}{gqlerror.List{{Message: msg, Extensions: map[string]any{"code": code}}}})
}

// writeJSON writes body as JSON with status and returns the bytes
// written (nil when body did not encode).
func writeJSON(w http.ResponseWriter, media string, status int, body any) []byte {
	b, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
	}
	h := w.Header()
	h.Set("Content-Type", media)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
	if err != nil {
		return nil
	}
	return b
}

// negotiate picks the response media type from an Accept header: an
// explicit application/graphql-response+json wins unless application/json
// has a higher quality; a wildcard alone means application/json, which
// legacy clients expect. ok is false when neither is acceptable.
func negotiate(accept string) (media string, ok bool) {
	if strings.TrimSpace(accept) == "" {
		return mediaJSON, true
	}
	qGR, qJSON, qAny := -1.0, -1.0, -1.0
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if v, err := strconv.ParseFloat(s, 64); err == nil {
				q = v
			}
		}
		switch mt {
		case mediaGraphQLResponse:
			qGR = max(qGR, q)
		case mediaJSON:
			qJSON = max(qJSON, q)
		case "*/*", "application/*":
			qAny = max(qAny, q)
		}
	}
	switch {
	case qGR > 0 && qGR >= qJSON:
		return mediaGraphQLResponse, true
	case qJSON > 0:
		return mediaJSON, true
	case qAny > 0:
		return mediaJSON, true
	}
	return "", false
}

package graph

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/lexer"

	"github.com/sailgraph/sailgraph/cache"
	"github.com/sailgraph/sailgraph/record"
)

// HeaderCache says whether an answer came from the response cache: HIT or
// MISS (absent when the request could not be cached at all).
const HeaderCache = "Sailgraph-Cache"

// ResultCache keeps whole GraphQL answers; *cache.Results is one.
type ResultCache interface {
	Key(material []byte) string
	Get(ctx context.Context, key string) ([]byte, bool)
	Put(ctx context.Context, key string, body []byte, freshUntil time.Time, deps []cache.Dep)
}

var _ ResultCache = (*cache.Results)(nil)

// maxCachedDocument is the longest document whose answer is cached: the
// key normalises the document's text, which must stay cheap.
const maxCachedDocument = 32 << 10

// resultCache answers a query from the whole answer of an equal earlier
// one, before the document is parsed: same partition (tenant, principal,
// the caller's scopes), same document (the same tokens, whatever the
// whitespace and comments), operation name and variables. Only answers
// without errors, served fresh from the upstream cache (nothing stale,
// nothing that passed the cache) are kept, for as long as the soonest
// upstream entry they used stays fresh. A document with a mutation or a
// subscription in it is not looked up at all: its answer is never kept.
type resultCache struct {
	store ResultCache
	// partition names whose answers a request may share, or false when it
	// may not be cached at all.
	partition func(ctx context.Context) (string, bool)
	// answerable says whether the request may be answered from the cache
	// now (nil: always); its own answer may be kept either way.
	answerable func(ctx context.Context) bool
}

// key is the result key of raw for the caller in ctx, false when the
// request cannot be cached.
func (rc *resultCache) key(ctx context.Context, raw *graphql.RawParams) (string, bool) {
	if rc == nil {
		return "", false
	}
	part, ok := rc.partition(ctx)
	if !ok || len(raw.Query) > maxCachedDocument {
		return "", false
	}
	b := make([]byte, 0, 256+len(raw.Query))
	b = append(b, part...)
	b = append(b, 0)
	b = append(b, raw.OperationName...)
	b = append(b, 0)
	if raw.Query == "" { // a persisted query sent by its hash alone
		pq, _ := raw.Extensions["persistedQuery"].(map[string]any)
		hash, _ := pq["sha256Hash"].(string)
		if hash == "" {
			return "", false
		}
		b = append(b, "apq:"...)
		b = append(b, hash...)
	} else if b, ok = appendTokens(b, raw.Query); !ok {
		return "", false
	}
	b = append(b, 0)
	if len(raw.Variables) > 0 {
		vars, err := json.Marshal(raw.Variables) // map keys sorted
		if err != nil {
			return "", false
		}
		b = append(b, vars...)
	}
	return rc.store.Key(b), true
}

// appendTokens appends the document's tokens, kind and value, dropping
// whitespace, commas and comments: two documents with the same tokens are
// the same document. It reports false for a document that does not lex,
// or that defines a mutation or a subscription (whose answers are never
// kept, whichever operation the request names).
func appendTokens(b []byte, query string) ([]byte, bool) {
	lex := lexer.New(&ast.Source{Input: query})
	depth := 0         // of braces
	definition := true // the next token starts a definition
	for {
		tok, err := lex.ReadToken()
		if err != nil {
			return b, false
		}
		switch tok.Kind {
		case lexer.EOF:
			return b, true
		case lexer.Comment:
			continue
		case lexer.Name:
			if definition && (tok.Value == "mutation" || tok.Value == "subscription") {
				return b, false
			}
		case lexer.BraceL:
			depth++
		case lexer.BraceR:
			depth--
		}
		definition = tok.Kind == lexer.BraceR && depth == 0
		switch tok.Kind {
		case lexer.String, lexer.BlockString:
			b = append(b, byte(tok.Kind))
			b = strconv.AppendQuote(b, tok.Value)
		default:
			b = append(b, byte(tok.Kind))
			b = append(b, tok.Value...)
		}
		b = append(b, ' ')
	}
}

// serve writes the stored answer under key, if there is one and the
// request may be answered from the cache.
func (rc *resultCache) serve(ctx context.Context, w http.ResponseWriter, key, media string) bool {
	var body []byte
	ok := rc.answerable == nil || rc.answerable(ctx)
	if ok {
		body, ok = rc.store.Get(ctx, key)
	}
	if !ok {
		w.Header().Set(HeaderCache, "MISS")
		record.From(ctx).SetResultCache("miss")
		return false
	}
	record.From(ctx).SetResultCache("hit")
	h := w.Header()
	h.Set(HeaderCache, "HIT")
	h.Set("Content-Type", media)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return true
}

// keep stores the answer body of a query under key when it may be kept.
func (rc *resultCache) keep(ctx context.Context, key string, op *ast.OperationDefinition, resp *graphql.Response, body []byte) {
	if op == nil || op.Operation != ast.Query || len(resp.Errors) > 0 || len(resp.Extensions) > 0 {
		return
	}
	cacheable, freshUntil, deps := record.From(ctx).Built()
	if !cacheable {
		return
	}
	cdeps := make([]cache.Dep, len(deps))
	for i, d := range deps {
		cdeps[i] = cache.Dep{Namespace: d.Namespace, Generation: d.Generation}
	}
	rc.store.Put(context.WithoutCancel(ctx), key, body, freshUntil, cdeps)
}

// Package graph serves sailgraph's GraphQL API: the schema in *.graphqls,
// the HTTP handler with its protections (document, cost and depth limits,
// persisted queries, introspection switch) and the per-request loaders.
// The resolvers are in graph/resolvers, the loaders in graph/loaders.
package graph

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/sailgraph/sailgraph/graph/generated"
	"github.com/sailgraph/sailgraph/graph/loaders"
	"github.com/sailgraph/sailgraph/graph/resolvers"
)

// Options configure the GraphQL handler. The zero value is usable.
type Options struct {
	// Logger receives what callers are not shown: internal errors, upstream
	// failures, resolver panics. Default: slog.Default().
	Logger *slog.Logger
	// Introspection serves __schema and __type queries (GraphiQL needs
	// them). Off by default.
	Introspection bool
	// MaxCost is the most upstream calls one operation may be estimated to
	// make; a dearer one is refused before it runs. Default 200.
	MaxCost int
	// MaxDepth is the deepest nesting of fields allowed, introspection
	// aside. Default 12: twice the deepest README example.
	MaxDepth int
	// MaxIntrospectionDepth is the deepest nesting allowed from an
	// introspection field (__schema, __type) down. Default 20: GraphiQL's
	// introspection query nests 15 (its ofType chain is 9 deep), and a
	// longer ofType chain answers nothing that schema has.
	MaxIntrospectionDepth int
	// MaxComplexity caps the fields of a document with its fragments
	// expanded (each fragment counted once per use). It is measured on the
	// text before validation, so that a document whose fragments double
	// at every level is refused in linear time; gqlgen's own complexity
	// limit, at the same value, stays as a backstop. Default 5000: a
	// README example expands to under 20 fields, GraphiQL's
	// introspection query to 220.
	MaxComplexity int
	// MaxTokens caps the lexical tokens of a document (names, punctuation,
	// values; comments aside), counted before it is parsed. Default
	// 15000, Apollo Router's: GraphiQL's introspection query has 163, a
	// README example under 100, and 15000 tokens lex and parse in a few
	// milliseconds.
	MaxTokens int
	// MaxAliases caps the aliased fields of an operation, fragments
	// expanded: aliases are how one document asks for the same dear field
	// many times. Default 30, Apollo Router's; an example in the README or
	// GraphiQL uses 2 at most.
	MaxAliases int
	// MaxRootFields caps the fields of an operation's root selection set,
	// fragments inlined. Default 20, Apollo Router's; the schema's Query
	// has fewer, so more means repeats.
	MaxRootFields int
	// MaxSelectionFields caps the fields of any one selection set, with
	// the fragments at its level inlined and the selection sets of
	// same-named fields merged, as execution merges them. Validation
	// compares the fields of a merged set pairwise, so a set of 10,000
	// fields costs seconds. Default 100: no type in the schema has half as
	// many fields.
	MaxSelectionFields int
	// MaxBodyBytes caps a POST body. Default 1 MiB.
	MaxBodyBytes int64
	// APQCache stores automatic persisted queries by their SHA-256.
	// Default: an in-memory LRU of 1000 queries (NewAPQCache).
	APQCache graphql.Cache[string]
	// QueryCacheSize is how many parsed and validated documents are kept.
	// Default 1000.
	QueryCacheSize int
	// Loaders tune the per-request loaders.
	Loaders loaders.Options
	// Scope implements the schema's @scope directive (field-level
	// authorization, access.Directive): it returns next's result when the
	// caller in ctx may see the field, and the field's error otherwise.
	// Nil allows every field.
	Scope func(ctx context.Context, obj any, next graphql.Resolver, anyOf []string) (any, error)
	// Results, with Partition, caches whole answers of queries (see
	// resultCache). Nil: no answer is cached.
	Results ResultCache
	// Partition names whose answers a request may share (the tenant, the
	// principal, the caller's scopes), or false when it may not be
	// answered from Results.
	Partition func(ctx context.Context) (string, bool)
	// Answerable, when set, says whether a request may be answered from
	// Results now (its own answer may be kept either way).
	Answerable func(ctx context.Context) bool
	// Streams, when set, serves WebSocket and SSE at the endpoint, for
	// subscriptions (see StreamOptions).
	Streams *StreamOptions
	// Extensions are added after the cost limit, so that they can read
	// the estimate it records on the request's record.Record
	// (access.FairShare.Extension spends it from the caller's allowance).
	Extensions []graphql.HandlerExtension
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxCost <= 0 {
		o.MaxCost = 200
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = 12
	}
	if o.MaxIntrospectionDepth <= 0 {
		o.MaxIntrospectionDepth = 20
	}
	if o.MaxComplexity <= 0 {
		o.MaxComplexity = 5000
	}
	if o.MaxTokens <= 0 {
		o.MaxTokens = 15000
	}
	if o.MaxAliases <= 0 {
		o.MaxAliases = 30
	}
	if o.MaxRootFields <= 0 {
		o.MaxRootFields = 20
	}
	if o.MaxSelectionFields <= 0 {
		o.MaxSelectionFields = 100
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 1 << 20
	}
	if o.APQCache == nil {
		o.APQCache = NewAPQCache(1000)
	}
	if o.QueryCacheSize <= 0 {
		o.QueryCacheSize = 1000
	}
	if o.Scope == nil {
		o.Scope = allowScope
	}
	return o
}

// NewAPQCache returns an in-memory LRU cache of size persisted queries, for
// Options.APQCache. Any graphql.Cache[string] will do in its place (a
// Redis-backed one shares persisted queries across replicas).
func NewAPQCache(size int) graphql.Cache[string] {
	return lru.New[string](size)
}

// NewHandler returns the GraphQL endpoint over res: GET and POST as the
// GraphQL-over-HTTP spec says, every request with its own loaders. Mount
// it at /graphql.
func NewHandler(res *resolvers.Resolver, opts Options) http.Handler {
	opts = opts.withDefaults()
	cfg := generated.Config{Resolvers: res}
	cfg.Directives.Scope = opts.Scope
	srv := handler.New(generated.NewExecutableSchema(cfg))
	var results *resultCache
	if opts.Results != nil && opts.Partition != nil {
		results = &resultCache{store: opts.Results, partition: opts.Partition, answerable: opts.Answerable}
	}
	if opts.Streams != nil { // first: POST would claim an SSE request
		addStreams(srv, *opts.Streams, res.LoaderFetch(), opts.Loaders)
	}
	srv.AddTransport(getTransport{results: results})
	srv.AddTransport(postTransport{maxBodyBytes: opts.MaxBodyBytes, results: results})
	parsed := lru.New[*ast.QueryDocument](opts.QueryCacheSize)
	srv.SetQueryCache(parsed)
	srv.SetErrorPresenter(resolvers.ErrorPresenter(opts.Logger))
	srv.SetRecoverFunc(resolvers.Recover(opts.Logger))
	if opts.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(persistedQueries{inner: extension.AutomaticPersistedQuery{Cache: opts.APQCache}})
	// After APQ, which fills in the text of a query sent by its hash.
	srv.Use(documentLimits{
		parsed:                parsed,
		maxTokens:             opts.MaxTokens,
		maxAliases:            opts.MaxAliases,
		maxRootFields:         opts.MaxRootFields,
		maxSelectionFields:    opts.MaxSelectionFields,
		maxDepth:              opts.MaxDepth,
		maxIntrospectionDepth: opts.MaxIntrospectionDepth,
		maxFields:             opts.MaxComplexity,
	})
	srv.Use(extension.FixedComplexityLimit(opts.MaxComplexity))
	srv.Use(&costLimit{max: opts.MaxCost})
	srv.Use(staleReport{})
	for _, ext := range opts.Extensions {
		srv.Use(ext)
	}
	return &requestScope{next: srv, fetch: res.LoaderFetch(), loaders: opts.Loaders}
}

// allowScope is the @scope directive without field-level authorization.
func allowScope(ctx context.Context, _ any, next graphql.Resolver, _ []string) (any, error) {
	return next(ctx)
}

// requestScope gives every request its own loaders, and answers methods
// other than GET and POST.
type requestScope struct {
	next    http.Handler
	fetch   loaders.Fetch
	loaders loaders.Options
}

func (h *requestScope) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		writeProtocolError(w, http.StatusMethodNotAllowed, "GraphQL is served over GET and POST")
		return
	}
	ctx := loaders.With(r.Context(), loaders.New(h.fetch, h.loaders))
	h.next.ServeHTTP(w, r.WithContext(ctx))
}

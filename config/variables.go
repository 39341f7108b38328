package config

// Variable is one environment variable FromEnv reads.
type Variable struct {
	Name string
	// Default is what an unset variable means, as the README's
	// "Configuration" table writes it.
	Default string
	// Meaning is one line for `sailgraph help`.
	Meaning string
}

// Variables lists every variable FromEnv reads, in the README's order;
// `sailgraph help` prints them. The tests hold it, FromEnv and the README
// to one another.
func Variables() []Variable {
	return []Variable{
		{"SAILGRAPH_ADDR", "127.0.0.1:8080", `listen address; ":8080" listens on every interface`},
		{"SAILGRAPH_TENANT_URL", "empty", "the tenant's API root, e.g. https://acme.api.identitynow.com; empty: the embedded simulated tenant"},
		{"SAILGRAPH_UPSTREAM_API", "auto", "which API generation each family uses: legacy, v1 or auto, or family=mode pairs (history, tasks, reports, rolemining)"},
		{"SAILGRAPH_CLIENT_ID", "empty", "the tenant's OAuth2 client id (required with a tenant URL)"},
		{"SAILGRAPH_CLIENT_SECRET", "empty", "the tenant's OAuth2 client secret (required with a tenant URL)"},
		{"SAILGRAPH_REDIS_URL", "empty", "redis://host:6379/0, or redis://h1:7000,h2:7001 for a Redis Cluster; empty: in memory"},
		{"SAILGRAPH_RATE_LIMIT", "100/10s", "the tenant's budget per client id and API version"},
		{"SAILGRAPH_RATE_LIMITS", "empty", "other budgets for some APIs, e.g. history-v1=200/10s (beta, v2024, history-v1, tasks-v1, reports-v1, rolemining-v1)"},
		{"SAILGRAPH_API_KEYS_FILE", "empty", "the gateway's API keys, hashed, with scopes (make lines with `sailgraph hash-key`)"},
		{"SAILGRAPH_ALLOW_ANONYMOUS", "false", "true: serve a real tenant without API keys on a non-loopback address"},
		{"SAILGRAPH_CORS_ORIGINS", "empty", "browser origins allowed to call the gateway, e.g. https://portal.example.com; * only while it serves anonymously"},
		{"SAILGRAPH_AUTH_MODE", "gateway", "passthrough: call the tenant with each caller's own ISC token"},
		{"SAILGRAPH_KEY_RATE", "off", "each API key's request rate, e.g. 10/1s"},
		{"SAILGRAPH_KEY_COST", "600/1m", "each API key's allowance of upstream calls"},
		{"SAILGRAPH_MAX_SUBSCRIPTIONS_PER_KEY", "1000", "most subscriptions one API key (or pass-through token, or the anonymous caller) may have open at once"},
		{"SAILGRAPH_CACHE_POLICY", "built in", "cache lifetimes per data class, e.g. slow=2m/5m/1h,volatile=0"},
		{"SAILGRAPH_CACHE_MEMORY_MB", "64", "size of the in-memory cache (without Redis)"},
		{"SAILGRAPH_RESULT_CACHE_MB", "32", "size of the in-process cache of whole GraphQL answers; 0 turns it off"},
		{"SAILGRAPH_REDIS_TIMEOUT", "100ms", "bound on one Redis call (the budget's: twice that); past it the gateway goes on without Redis"},
		{"SAILGRAPH_TOKEN_RECHECK", "60s", "how long the tenant's acceptance of a pass-through token lets the cache answer it"},
		{"SAILGRAPH_BREAKER_FAILURES", "5", "upstream calls to one API failing in a row that open its circuit; 0 turns the breaker off"},
		{"SAILGRAPH_BREAKER_COOLOFF", "10s", "how long an open circuit stays open before one probe call"},
		{"SAILGRAPH_MAX_COST", "200", "most upstream calls one GraphQL operation may be estimated to make"},
		{"SAILGRAPH_MAX_DEPTH", "12", "deepest nesting of a GraphQL operation"},
		{"SAILGRAPH_MAX_INTROSPECTION_DEPTH", "20", "deepest nesting under __schema and __type"},
		{"SAILGRAPH_MAX_TOKENS", "15000", "most tokens in a GraphQL document"},
		{"SAILGRAPH_MAX_ALIASES", "30", "most aliased fields in an operation, each fragment use counted"},
		{"SAILGRAPH_MAX_ROOT_FIELDS", "20", "most root fields in an operation"},
		{"SAILGRAPH_MAX_SELECTION_FIELDS", "100", "most fields in one selection set, fragments inlined and equal fields merged"},
		{"SAILGRAPH_MAX_COMPLEXITY", "5000", "most fields in a document with its fragments expanded"},
		{"SAILGRAPH_INTROSPECTION", "true", "serve __schema (GraphiQL needs it)"},
		{"SAILGRAPH_UPSTREAM_TIMEOUT", "30s", "bound on a request's upstream work, waits included"},
		{"SAILGRAPH_READ_TIMEOUT", "10s", "bound on reading a request's headers, then its body (1 MiB at most)"},
		{"SAILGRAPH_SHUTDOWN_TIMEOUT", "20s", "how long in-flight requests may finish at shutdown"},
		{"SAILGRAPH_READY_REQUIRE_REDIS", "true", "/readyz fails while Redis is unreachable"},
		{"SAILGRAPH_METRICS_ADDR", "empty", "serve /metrics on this address alone, e.g. 127.0.0.1:9090; empty: on the main address, behind a key when there are keys"},
		{"SAILGRAPH_LOG_LEVEL", "info", "debug, info, warn or error (JSON lines on stderr)"},
		{"SAILGRAPH_SIM_IDENTITIES", "2000", "size of the embedded simulated tenant"},
		{"SAILGRAPH_SIM_SEED", "1", "seed of the embedded simulated tenant"},
	}
}

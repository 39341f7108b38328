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
		{"SAILGRAPH_CLIENT_ID", "empty", "the tenant's OAuth2 client id (required with a tenant URL)"},
		{"SAILGRAPH_CLIENT_SECRET", "empty", "the tenant's OAuth2 client secret (required with a tenant URL)"},
		{"SAILGRAPH_REDIS_URL", "empty", "redis://host:6379/0, or redis://h1:7000,h2:7001 for a Redis Cluster; empty: in memory"},
		{"SAILGRAPH_RATE_LIMIT", "100/10s", "the tenant's budget per client id and API version"},
		{"SAILGRAPH_API_KEYS_FILE", "empty", "the gateway's API keys, hashed, with scopes (make lines with `sailgraph hash-key`)"},
		{"SAILGRAPH_ALLOW_ANONYMOUS", "false", "true: serve a real tenant without API keys on a non-loopback address"},
		{"SAILGRAPH_CORS_ORIGINS", "empty", "browser origins allowed to call the gateway, e.g. https://portal.example.com; * only while it serves anonymously"},
		{"SAILGRAPH_AUTH_MODE", "gateway", "passthrough: call the tenant with each caller's own ISC token"},
		{"SAILGRAPH_KEY_RATE", "off", "each API key's request rate, e.g. 10/1s"},
		{"SAILGRAPH_KEY_COST", "600/1m", "each API key's allowance of upstream calls"},
		{"SAILGRAPH_CACHE_POLICY", "built in", "cache lifetimes per data class, e.g. slow=2m/5m/1h,volatile=0"},
		{"SAILGRAPH_CACHE_MEMORY_MB", "64", "size of the in-memory cache (without Redis)"},
		{"SAILGRAPH_MAX_COST", "200", "most upstream calls one GraphQL operation may be estimated to make"},
		{"SAILGRAPH_MAX_DEPTH", "12", "deepest nesting of a GraphQL operation"},
		{"SAILGRAPH_INTROSPECTION", "true", "serve __schema (GraphiQL needs it)"},
		{"SAILGRAPH_UPSTREAM_TIMEOUT", "30s", "bound on a request's upstream work, waits included"},
		{"SAILGRAPH_SHUTDOWN_TIMEOUT", "20s", "how long in-flight requests may finish at shutdown"},
		{"SAILGRAPH_READY_REQUIRE_REDIS", "true", "/readyz fails while Redis is unreachable"},
		{"SAILGRAPH_LOG_LEVEL", "info", "debug, info, warn or error (JSON lines on stderr)"},
		{"SAILGRAPH_SIM_IDENTITIES", "2000", "size of the embedded simulated tenant"},
		{"SAILGRAPH_SIM_SEED", "1", "seed of the embedded simulated tenant"},
	}
}

// Package config reads sailgraph's configuration from environment
// variables into one typed struct and validates it once, at start.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sailgraph/sailgraph/cache"
	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// Config is everything the gateway is configured with.
type Config struct {
	// Addr is the listen address (SAILGRAPH_ADDR, default "127.0.0.1:8080":
	// loopback only, so that nothing is served to other hosts unless asked
	// for, e.g. with ":8080").
	Addr string
	// TenantURL is the tenant's API root, e.g. https://acme.api.identitynow.com
	// (SAILGRAPH_TENANT_URL). The APIs are under it (/beta, /v2024 and the
	// v1 ones, such as /task-status/v1) and the token endpoint
	// /oauth/token. Empty means the embedded simulated tenant.
	TenantURL string
	// ClientID and ClientSecret are the tenant's OAuth2 client credentials
	// (SAILGRAPH_CLIENT_ID, SAILGRAPH_CLIENT_SECRET). Required with a
	// TenantURL, except in pass-through mode; the simulated tenant has its
	// own defaults.
	ClientID     string
	ClientSecret string
	// RedisURL selects Redis for the cache and the shared rate budget
	// (SAILGRAPH_REDIS_URL). Empty means in-memory. redis://host:port/db for
	// one node; redis://host1:port1,host2:port2 (or ?cluster=true) for a
	// Redis Cluster; rediss:// for TLS.
	RedisURL string
	// RedisTimeout bounds one Redis call of the cache, the token and
	// circuit state (SAILGRAPH_REDIS_TIMEOUT, default 100ms); the budget's
	// calls get twice as long. Past it the gateway goes on without Redis
	// (the cache fails open, the budget falls back to its local share): a
	// slow Redis costs a request milliseconds, never seconds.
	RedisTimeout time.Duration
	// RateLimit is the tenant's budget per client id and API version
	// (SAILGRAPH_RATE_LIMIT, default "100/10s").
	RateLimit Rate
	// RateLimits overrides RateLimit for some of the APIs SailPoint counts
	// apart (SAILGRAPH_RATE_LIMITS, e.g. "history-v1=200/10s,beta=100/10s";
	// the names are op.APIs(): beta, v2024, history-v1, tasks-v1,
	// reports-v1, rolemining-v1).
	RateLimits map[string]Rate
	// UpstreamTimeout bounds one upstream call including waits for the
	// budget (SAILGRAPH_UPSTREAM_TIMEOUT, default 30s).
	UpstreamTimeout time.Duration
	// ReadTimeout bounds reading a request's headers, and then its body
	// (SAILGRAPH_READ_TIMEOUT, default 10s): a caller that sends slowly
	// holds a connection for no longer.
	ReadTimeout time.Duration
	// ShutdownTimeout bounds the graceful shutdown (SAILGRAPH_SHUTDOWN_TIMEOUT,
	// default 20s).
	ShutdownTimeout time.Duration
	// LogLevel is debug, info, warn or error (SAILGRAPH_LOG_LEVEL, default info).
	LogLevel string

	// CachePolicy gives each data class its cache lifetimes
	// (SAILGRAPH_CACHE_POLICY, e.g. "slow=2m/5m/1h,volatile=0"; see
	// the README's "Cache lifetimes"). Unset classes keep their defaults.
	CachePolicy cache.Policy
	// CacheMemoryBytes caps the in-memory cache used without Redis
	// (SAILGRAPH_CACHE_MEMORY_MB, default 64).
	CacheMemoryBytes int64
	// ResultCacheBytes caps the in-process cache of whole GraphQL answers
	// (SAILGRAPH_RESULT_CACHE_MB, default 32; 0 turns the result cache
	// off). With Redis the answers are shared there too.
	ResultCacheBytes int64

	// Introspection serves __schema queries, which GraphiQL needs
	// (SAILGRAPH_INTROSPECTION, default true).
	Introspection bool
	// MaxCost is the most upstream calls one GraphQL operation may be
	// estimated to make (SAILGRAPH_MAX_COST, default 200); MaxDepth the
	// deepest nesting (SAILGRAPH_MAX_DEPTH, default 12).
	MaxCost  int
	MaxDepth int
	// The document limits, measured before validation in linear time
	// (see the README's "Limits"): tokens (SAILGRAPH_MAX_TOKENS, default
	// 15000), aliases (SAILGRAPH_MAX_ALIASES, 30), root fields
	// (SAILGRAPH_MAX_ROOT_FIELDS, 20), fields in one selection set
	// (SAILGRAPH_MAX_SELECTION_FIELDS, 100), fields with fragments
	// expanded (SAILGRAPH_MAX_COMPLEXITY, 5000) and the depth under
	// __schema/__type (SAILGRAPH_MAX_INTROSPECTION_DEPTH, 20).
	MaxTokens, MaxAliases, MaxRootFields, MaxSelectionFields, MaxComplexity, MaxIntrospectionDepth int
	// TokenRecheck is how long the tenant's acceptance of a pass-through
	// token lets the cache answer it before the tenant is asked again
	// (SAILGRAPH_TOKEN_RECHECK, default 60s).
	TokenRecheck time.Duration

	// APIKeysFile lists the gateway's API keys, hashed, with their scopes
	// (SAILGRAPH_API_KEYS_FILE; see package access). Empty: no keys, and
	// then the gateway serves anonymously only on a loopback address,
	// unless AllowAnonymous (SAILGRAPH_ALLOW_ANONYMOUS=true).
	APIKeysFile    string
	AllowAnonymous bool
	// CORSOrigins are the browser origins allowed to call the gateway
	// (SAILGRAPH_CORS_ORIGINS, comma-separated, each scheme://host[:port]
	// as a browser sends it; "*" alone for any origin, which the gateway
	// accepts only while it serves anonymously). Empty: no CORS headers,
	// so browsers keep pages of other origins out.
	CORSOrigins []string
	// PassThrough sends each caller's own ISC token upstream instead of the
	// gateway's client credentials (SAILGRAPH_AUTH_MODE=passthrough; the
	// default is gateway).
	PassThrough bool
	// KeyRate and KeyCost are each API key's fair share: requests
	// (SAILGRAPH_KEY_RATE, default off: a request that costs the tenant
	// nothing is never refused) and upstream calls made
	// (SAILGRAPH_KEY_COST, default 600/1m).
	KeyRate Rate
	KeyCost Rate
	// MaxSubscriptionsPerKey is how many subscriptions one API key (or
	// pass-through token, or the anonymous caller) may have open at once,
	// across every replica with Redis
	// (SAILGRAPH_MAX_SUBSCRIPTIONS_PER_KEY, default 1000).
	MaxSubscriptionsPerKey int

	// BreakerFailures is how many upstream calls to one API in a row must
	// fail before its circuit opens (SAILGRAPH_BREAKER_FAILURES, default
	// 5; 0 turns the breaker off); BreakerCoolOff how long it stays open
	// before one probe call may close it (SAILGRAPH_BREAKER_COOLOFF,
	// default 10s).
	BreakerFailures int
	BreakerCoolOff  time.Duration

	// MetricsAddr, when set, serves /metrics on that address of its own
	// (e.g. 127.0.0.1:9090, for the scraper), and no longer on Addr
	// (SAILGRAPH_METRICS_ADDR). Unset, /metrics is on Addr, and needs an
	// API key when keys are configured.
	MetricsAddr string

	// ReadyRequireRedis makes /readyz fail while Redis is unreachable
	// (SAILGRAPH_READY_REQUIRE_REDIS, default true). A replica without
	// Redis still serves, on its share of the budget.
	ReadyRequireRedis bool

	// UpstreamAPI chooses, per API family (identity history, task
	// management, reports, role mining), the upstream API generation:
	// legacy (/beta, /v2024), v1 (the per-resource APIs) or auto, which
	// asks the tenant (SAILGRAPH_UPSTREAM_API, default auto; e.g. "v1" or
	// "history=v1,reports=legacy").
	UpstreamAPI UpstreamAPI

	// SimIdentities and SimSeed size the embedded simulated tenant
	// (SAILGRAPH_SIM_IDENTITIES default 2000, SAILGRAPH_SIM_SEED default 1).
	SimIdentities int
	SimSeed       uint64
}

// Rate is the tenant's budget: N requests per window Per.
type Rate = ratelimit.Rate

// Simulated reports whether the gateway runs on its embedded tenant.
func (c Config) Simulated() bool { return c.TenantURL == "" }

// FromEnv reads the configuration with getenv (os.Getenv in production)
// and validates it. The error names every bad variable.
func FromEnv(getenv func(string) string) (Config, error) {
	var errs []error
	str := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	dur := func(name string, def time.Duration) time.Duration {
		v := str(name, "")
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a positive duration such as 30s", name, v))
			return def
		}
		return d
	}
	c := Config{
		Addr:            str("SAILGRAPH_ADDR", "127.0.0.1:8080"),
		TenantURL:       strings.TrimRight(str("SAILGRAPH_TENANT_URL", ""), "/"),
		ClientID:        str("SAILGRAPH_CLIENT_ID", ""),
		ClientSecret:    getenv("SAILGRAPH_CLIENT_SECRET"),
		RedisURL:        str("SAILGRAPH_REDIS_URL", ""),
		UpstreamTimeout: dur("SAILGRAPH_UPSTREAM_TIMEOUT", 30*time.Second),
		ShutdownTimeout: dur("SAILGRAPH_SHUTDOWN_TIMEOUT", 20*time.Second),
		ReadTimeout:     dur("SAILGRAPH_READ_TIMEOUT", 10*time.Second),
		RedisTimeout:    dur("SAILGRAPH_REDIS_TIMEOUT", 100*time.Millisecond),
		MetricsAddr:     str("SAILGRAPH_METRICS_ADDR", ""),
		BreakerCoolOff:  dur("SAILGRAPH_BREAKER_COOLOFF", 10*time.Second),
		TokenRecheck:    dur("SAILGRAPH_TOKEN_RECHECK", time.Minute),
		LogLevel:        strings.ToLower(str("SAILGRAPH_LOG_LEVEL", "info")),
		SimIdentities:   2000,
		SimSeed:         1,
		CachePolicy:     cache.DefaultPolicy(),
	}
	// Booleans are spelled true or false (in any case), everywhere, and
	// nothing else: "yes" or "1" would be a second spelling to document.
	boolVar := func(name string, def bool) bool {
		v := str(name, "")
		if v == "" {
			return def
		}
		b, err := parseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", name, v, err))
			return def
		}
		return b
	}
	posInt := func(name string, def, max int) int {
		v := str(name, "")
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > max {
			errs = append(errs, fmt.Errorf("%s=%q: want an integer from 1 to %d", name, v, max))
			return def
		}
		return n
	}
	c.CacheMemoryBytes = int64(posInt("SAILGRAPH_CACHE_MEMORY_MB", 64, 1<<20)) << 20
	if str("SAILGRAPH_RESULT_CACHE_MB", "") != "0" {
		c.ResultCacheBytes = int64(posInt("SAILGRAPH_RESULT_CACHE_MB", 32, 1<<20)) << 20
	}
	c.MaxCost = posInt("SAILGRAPH_MAX_COST", 200, 1_000_000)
	c.MaxSubscriptionsPerKey = posInt("SAILGRAPH_MAX_SUBSCRIPTIONS_PER_KEY", 1000, 1_000_000)
	c.MaxDepth = posInt("SAILGRAPH_MAX_DEPTH", 12, 100)
	c.MaxTokens = posInt("SAILGRAPH_MAX_TOKENS", 15000, 1_000_000)
	c.MaxAliases = posInt("SAILGRAPH_MAX_ALIASES", 30, 10_000)
	c.MaxRootFields = posInt("SAILGRAPH_MAX_ROOT_FIELDS", 20, 10_000)
	c.MaxSelectionFields = posInt("SAILGRAPH_MAX_SELECTION_FIELDS", 100, 100_000)
	c.MaxComplexity = posInt("SAILGRAPH_MAX_COMPLEXITY", 5000, 1_000_000)
	c.MaxIntrospectionDepth = posInt("SAILGRAPH_MAX_INTROSPECTION_DEPTH", 20, 1000)
	c.BreakerFailures = 5
	if v := str("SAILGRAPH_BREAKER_FAILURES", ""); v == "0" {
		c.BreakerFailures = 0
	} else {
		c.BreakerFailures = posInt("SAILGRAPH_BREAKER_FAILURES", 5, 1000)
	}
	if v := str("SAILGRAPH_CACHE_POLICY", ""); v != "" {
		p, err := cache.ParsePolicy(v, cache.DefaultPolicy())
		if err != nil {
			errs = append(errs, fmt.Errorf("SAILGRAPH_CACHE_POLICY: %w", err))
		} else {
			c.CachePolicy = p
		}
	}
	c.APIKeysFile = str("SAILGRAPH_API_KEYS_FILE", "")
	c.AllowAnonymous = boolVar("SAILGRAPH_ALLOW_ANONYMOUS", false)
	if v := str("SAILGRAPH_CORS_ORIGINS", ""); v != "" {
		origins, err := ParseOrigins(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("SAILGRAPH_CORS_ORIGINS: %w", err))
		}
		c.CORSOrigins = origins
	}
	switch v := strings.ToLower(str("SAILGRAPH_AUTH_MODE", "gateway")); v {
	case "gateway":
	case "passthrough":
		c.PassThrough = true
	default:
		errs = append(errs, fmt.Errorf("SAILGRAPH_AUTH_MODE=%q: want gateway or passthrough", v))
	}
	for _, rv := range []struct {
		name, def string
		into      *Rate
	}{{"SAILGRAPH_KEY_RATE", "off", &c.KeyRate}, {"SAILGRAPH_KEY_COST", "600/1m", &c.KeyCost}} {
		v := str(rv.name, rv.def)
		if rv.name == "SAILGRAPH_KEY_RATE" && strings.EqualFold(v, "off") {
			continue
		}
		r, err := ratelimit.ParseRate(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", rv.name, err))
			continue
		}
		*rv.into = r
	}
	c.Introspection = boolVar("SAILGRAPH_INTROSPECTION", true)
	c.ReadyRequireRedis = boolVar("SAILGRAPH_READY_REQUIRE_REDIS", true)
	// A bad rate keeps the default, so that Validate does not report the
	// same variable a second time.
	c.RateLimit = Rate{N: 100, Per: 10 * time.Second}
	if v := str("SAILGRAPH_RATE_LIMIT", ""); v != "" {
		if r, err := ratelimit.ParseRate(v); err != nil {
			errs = append(errs, fmt.Errorf("SAILGRAPH_RATE_LIMIT: %w", err))
		} else {
			c.RateLimit = r
		}
	}
	if v := str("SAILGRAPH_RATE_LIMITS", ""); v != "" {
		if rl, err := parseRateLimits(v); err != nil {
			errs = append(errs, fmt.Errorf("SAILGRAPH_RATE_LIMITS=%q: %w", v, err))
		} else {
			c.RateLimits = rl
		}
	}
	if u, err := ParseUpstreamAPI(str("SAILGRAPH_UPSTREAM_API", "")); err != nil {
		errs = append(errs, fmt.Errorf("SAILGRAPH_UPSTREAM_API=%q: %w", str("SAILGRAPH_UPSTREAM_API", ""), err))
	} else {
		c.UpstreamAPI = u
	}
	if v := str("SAILGRAPH_SIM_IDENTITIES", ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			errs = append(errs, fmt.Errorf("SAILGRAPH_SIM_IDENTITIES=%q: want an integer from 1 to 1000000", v))
		} else {
			c.SimIdentities = n
		}
	}
	if v := str("SAILGRAPH_SIM_SEED", ""); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			errs = append(errs, fmt.Errorf("SAILGRAPH_SIM_SEED=%q: want a positive integer", v))
		} else {
			c.SimSeed = n
		}
	}
	if err := c.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("invalid configuration: %w", errors.Join(errs...))
	}
	return c, nil
}

// Validate checks the values that FromEnv does not check while parsing.
func (c Config) Validate() error {
	var errs []error
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		errs = append(errs, fmt.Errorf("SAILGRAPH_ADDR=%q: want host:port or :port", c.Addr))
	}
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || port == "" {
			errs = append(errs, fmt.Errorf("SAILGRAPH_METRICS_ADDR=%q: want host:port", c.MetricsAddr))
		}
	}
	if c.TenantURL != "" {
		u, err := url.Parse(c.TenantURL)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
			errs = append(errs, fmt.Errorf("SAILGRAPH_TENANT_URL=%q: want https://<tenant>.api.identitynow.com", c.TenantURL))
		case u.Path != "":
			errs = append(errs, fmt.Errorf("SAILGRAPH_TENANT_URL=%q: give the tenant's root, without /beta or /v2024", c.TenantURL))
		}
		// In pass-through mode every call carries its caller's own token,
		// so the gateway may have no credentials of its own.
		if (c.ClientID == "" || c.ClientSecret == "") && !c.PassThrough {
			errs = append(errs, errors.New("SAILGRAPH_CLIENT_ID and SAILGRAPH_CLIENT_SECRET are required with SAILGRAPH_TENANT_URL (unless SAILGRAPH_AUTH_MODE=passthrough)"))
		}
	}
	if c.RedisURL != "" {
		if _, err := RedisOptions(c.RedisURL); err != nil {
			errs = append(errs, fmt.Errorf("SAILGRAPH_REDIS_URL: %w", err))
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("SAILGRAPH_LOG_LEVEL=%q: want debug, info, warn or error", c.LogLevel))
	}
	if c.RateLimit.N <= 0 || c.RateLimit.Per <= 0 {
		errs = append(errs, errors.New("SAILGRAPH_RATE_LIMIT must be positive"))
	}
	return errors.Join(errs...)
}

// parseRateLimits reads "api=rate,api=rate".
func parseRateLimits(v string) (map[string]Rate, error) {
	known := map[string]bool{}
	var names []string
	for _, a := range op.APIs() {
		known[string(a)] = true
		names = append(names, string(a))
	}
	out := map[string]Rate{}
	for part := range strings.SplitSeq(v, ",") {
		name, rate, ok := strings.Cut(strings.TrimSpace(part), "=")
		name = strings.TrimSpace(name)
		if !ok || !known[name] {
			return nil, fmt.Errorf("want api=rate pairs, the api one of %s", strings.Join(names, ", "))
		}
		r, err := ratelimit.ParseRate(strings.TrimSpace(rate))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = r
	}
	return out, nil
}

// RedisOptions turns SAILGRAPH_REDIS_URL into options for
// redis.NewUniversalClient: several comma-separated hosts, or
// ?cluster=true, make a Redis Cluster client. The error never repeats the
// URL, which may hold a password.
func RedisOptions(raw string) (*redis.UniversalOptions, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("not a URL (want redis://host:port/0)")
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("scheme %q: want redis:// or rediss://", u.Scheme)
	}
	hosts := strings.Split(u.Host, ",")
	q := u.Query()
	cluster := len(hosts) > 1
	if v := q.Get("cluster"); v != "" {
		c, err := parseBool(v)
		if err != nil {
			return nil, fmt.Errorf("cluster=%s: %w", v, err)
		}
		cluster = cluster || c
	}
	q.Del("cluster")
	single := *u
	single.Host = hosts[0]
	single.RawQuery = q.Encode()
	if cluster {
		single.Path = ""
	}
	o, err := redis.ParseURL(single.String())
	if err != nil {
		return nil, errors.New("cannot be parsed (want redis://[user:password@]host:port/db)")
	}
	uo := &redis.UniversalOptions{
		Addrs:         hosts,
		DB:            o.DB,
		Username:      o.Username,
		Password:      o.Password,
		TLSConfig:     o.TLSConfig,
		DialTimeout:   500 * time.Millisecond,
		ReadTimeout:   250 * time.Millisecond,
		WriteTimeout:  250 * time.Millisecond,
		PoolTimeout:   500 * time.Millisecond,
		MaxRetries:    1,
		IsClusterMode: cluster,
	}
	return uo, nil
}

// AnyOrigin is SAILGRAPH_CORS_ORIGINS=*.
const AnyOrigin = "*"

// ParseOrigins reads a comma-separated list of exact browser origins, as
// a browser writes them in its Origin header (scheme://host[:port],
// lower case, without the scheme's default port), or "*" alone. An origin
// given with another case, a default port or a trailing slash is written
// the browser's way; a path, a wildcard or another scheme is an error.
func ParseOrigins(v string) ([]string, error) {
	var out []string
	for o := range strings.SplitSeq(v, ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		if o == AnyOrigin {
			out = append(out, o)
			continue
		}
		u, err := url.Parse(o)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
			return nil, fmt.Errorf("%q: want an origin such as https://portal.example.com", o)
		case strings.Contains(u.Host, "*"):
			return nil, fmt.Errorf("%q: list each origin exactly; wildcards are not served", o)
		case u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
			return nil, fmt.Errorf("%q: an origin is scheme://host[:port], without a path", o)
		}
		host := strings.ToLower(u.Hostname())
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		scheme := strings.ToLower(u.Scheme)
		if p := u.Port(); p != "" && !(scheme == "https" && p == "443") && !(scheme == "http" && p == "80") {
			host += ":" + p
		}
		out = append(out, scheme+"://"+host)
	}
	if slices.Contains(out, AnyOrigin) && len(out) > 1 {
		return nil, errors.New(`"*" stands alone: it allows every origin`)
	}
	return out, nil
}

// errNotBool is the one spelling rule for booleans.
var errNotBool = errors.New("want true or false")

// parseBool reads a boolean spelled true or false, in any case.
func parseBool(v string) (bool, error) {
	switch {
	case strings.EqualFold(v, "true"):
		return true, nil
	case strings.EqualFold(v, "false"):
		return false, nil
	}
	return false, errNotBool
}

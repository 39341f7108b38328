package config

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Introspection || c.PassThrough || c.AllowAnonymous || c.KeyRate.N != 0 || c.KeyCost.N != 600 || c.MaxCost != 200 {
		t.Fatalf("defaults: %+v", c)
	}
	if c.Addr != "127.0.0.1:8080" || !c.Simulated() || c.RateLimit != (Rate{N: 100, Per: 10 * time.Second}) || c.RedisURL != "" || c.SimIdentities != 2000 {
		t.Fatalf("defaults: %+v", c)
	}
}

// The per-key request rate is off unless asked for; "off" says so too.
func TestKeyRate(t *testing.T) {
	for v, want := range map[string]int{"": 0, "off": 0, "OFF": 0, "20/1s": 20} {
		c, err := FromEnv(env(map[string]string{"SAILGRAPH_KEY_RATE": v}))
		if err != nil || c.KeyRate.N != want {
			t.Errorf("SAILGRAPH_KEY_RATE=%q: %v, %v; want %d", v, c.KeyRate, err, want)
		}
	}
	if _, err := FromEnv(env(map[string]string{"SAILGRAPH_KEY_RATE": "garbage"})); err == nil {
		t.Error("a bad rate was accepted")
	}
}

func TestTenantNeedsCredentials(t *testing.T) {
	_, err := FromEnv(env(map[string]string{"SAILGRAPH_TENANT_URL": "https://acme.api.identitynow.com"}))
	if err == nil || !strings.Contains(err.Error(), "SAILGRAPH_CLIENT_ID") {
		t.Fatalf("missing credentials accepted: %v", err)
	}
	if _, err := FromEnv(env(map[string]string{
		"SAILGRAPH_TENANT_URL": "https://acme.api.identitynow.com", "SAILGRAPH_AUTH_MODE": "passthrough",
	})); err != nil {
		t.Fatalf("pass-through without gateway credentials refused: %v", err)
	}
	c, err := FromEnv(env(map[string]string{
		"SAILGRAPH_TENANT_URL": "https://acme.api.identitynow.com/", "SAILGRAPH_CLIENT_ID": "id", "SAILGRAPH_CLIENT_SECRET": "s",
	}))
	if err != nil || c.Simulated() || c.TenantURL != "https://acme.api.identitynow.com" {
		t.Fatalf("%+v %v", c, err)
	}
}

func TestBadValuesAreNamed(t *testing.T) {
	_, err := FromEnv(env(map[string]string{
		"SAILGRAPH_ADDR":             "nope",
		"SAILGRAPH_RATE_LIMIT":       "lots",
		"SAILGRAPH_TENANT_URL":       "ftp://x/beta",
		"SAILGRAPH_REDIS_URL":        "http://user:hunter2@h:1",
		"SAILGRAPH_UPSTREAM_TIMEOUT": "-1s",
		"SAILGRAPH_LOG_LEVEL":        "loud",
		"SAILGRAPH_SIM_IDENTITIES":   "0",
		"SAILGRAPH_AUTH_MODE":        "magic",
		"SAILGRAPH_KEY_RATE":         "x",
		"SAILGRAPH_KEY_COST":         "10/0s",
		"SAILGRAPH_ALLOW_ANONYMOUS":  "maybe",
		"SAILGRAPH_INTROSPECTION":    "perhaps",
		"SAILGRAPH_CACHE_POLICY":     "slow=forever",
		"SAILGRAPH_MAX_COST":         "-5",
	}))
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for _, name := range []string{"SAILGRAPH_ADDR", "SAILGRAPH_RATE_LIMIT", "SAILGRAPH_TENANT_URL", "SAILGRAPH_REDIS_URL", "SAILGRAPH_UPSTREAM_TIMEOUT", "SAILGRAPH_LOG_LEVEL", "SAILGRAPH_SIM_IDENTITIES", "SAILGRAPH_AUTH_MODE", "SAILGRAPH_KEY_RATE", "SAILGRAPH_KEY_COST", "SAILGRAPH_ALLOW_ANONYMOUS", "SAILGRAPH_INTROSPECTION", "SAILGRAPH_CACHE_POLICY", "SAILGRAPH_MAX_COST"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatal("error repeats the Redis password")
	}
}

func TestRedisOptions(t *testing.T) {
	o, err := RedisOptions("redis://:pw@127.0.0.1:6379/2")
	if err != nil || o.IsClusterMode || o.DB != 2 || o.Password != "pw" || len(o.Addrs) != 1 {
		t.Fatalf("single: %+v %v", o, err)
	}
	o, err = RedisOptions("redis://127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002")
	if err != nil || !o.IsClusterMode || len(o.Addrs) != 3 {
		t.Fatalf("cluster: %+v %v", o, err)
	}
	o, err = RedisOptions("rediss://cfg.example:6379?cluster=true")
	if err != nil || !o.IsClusterMode || o.TLSConfig == nil {
		t.Fatalf("cluster endpoint: %+v %v", o, err)
	}
	if o.ReadTimeout > time.Second {
		t.Fatalf("Redis read timeout %v is not short", o.ReadTimeout)
	}
}

// Variables lists exactly what FromEnv reads, and each documented default
// is the default: setting a variable to it changes nothing.
func TestVariablesAreWhatFromEnvReads(t *testing.T) {
	read := map[string]bool{}
	if _, err := FromEnv(func(k string) string { read[k] = true; return "" }); err != nil {
		t.Fatal(err)
	}
	base, _ := FromEnv(env(nil))
	listed := map[string]bool{}
	for _, v := range Variables() {
		listed[v.Name] = true
		if !read[v.Name] {
			t.Errorf("Variables lists %s, which FromEnv does not read", v.Name)
		}
		if v.Meaning == "" || v.Default == "" {
			t.Errorf("%s: no meaning or default", v.Name)
		}
		switch v.Default {
		case "empty", "built in":
			continue
		}
		c, err := FromEnv(env(map[string]string{v.Name: v.Default}))
		if err != nil || !reflect.DeepEqual(c, base) {
			t.Errorf("%s=%s (its documented default) is not the default: %v", v.Name, v.Default, err)
		}
	}
	for name := range read {
		if !listed[name] {
			t.Errorf("FromEnv reads %s, which Variables does not list", name)
		}
	}
}

// Booleans are spelled true or false, in any case, and nothing else, in
// every boolean variable and in the Redis URL's cluster parameter.
func TestBooleansHaveOneSpelling(t *testing.T) {
	for _, name := range []string{"SAILGRAPH_ALLOW_ANONYMOUS", "SAILGRAPH_INTROSPECTION", "SAILGRAPH_READY_REQUIRE_REDIS"} {
		for _, v := range []string{"true", "TRUE", "True", "false", "FALSE", " false "} {
			if _, err := FromEnv(env(map[string]string{name: v})); err != nil {
				t.Errorf("%s=%q refused: %v", name, v, err)
			}
		}
		for _, v := range []string{"yes", "no", "1", "0", "on", "off", "t", "enabled"} {
			_, err := FromEnv(env(map[string]string{name: v}))
			if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "want true or false") {
				t.Errorf("%s=%q: %v", name, v, err)
			}
		}
	}
	c, err := FromEnv(env(map[string]string{"SAILGRAPH_ALLOW_ANONYMOUS": "True", "SAILGRAPH_INTROSPECTION": "FALSE"}))
	if err != nil || !c.AllowAnonymous || c.Introspection {
		t.Errorf("True/FALSE read as %v/%v: %v", c.AllowAnonymous, c.Introspection, err)
	}
	for v, want := range map[string]bool{"true": true, "TRUE": true, "false": false} {
		o, err := RedisOptions("redis://cfg.example:6379?cluster=" + v)
		if err != nil || o.IsClusterMode != want {
			t.Errorf("cluster=%s: %+v %v", v, o, err)
		}
	}
	if _, err := RedisOptions("redis://cfg.example:6379?cluster=yes"); err == nil || !strings.Contains(err.Error(), "want true or false") {
		t.Errorf("cluster=yes: %v", err)
	}
}

// One bad variable is one line of the error, naming it.
func TestOneLinePerBadVariable(t *testing.T) {
	for _, v := range Variables() {
		// With credentials, so that a bad tenant URL is only itself.
		_, err := FromEnv(env(map[string]string{"SAILGRAPH_CLIENT_ID": "id", "SAILGRAPH_CLIENT_SECRET": "s", v.Name: "garbage"}))
		if err == nil {
			continue // a value anything may be: an id, a secret, a file name
		}
		if lines := strings.Split(err.Error(), "\n"); len(lines) != 1 || !strings.Contains(err.Error(), v.Name) {
			t.Errorf("%s=garbage: %d lines:\n%v", v.Name, len(lines), err)
		}
	}
}

// CORS origins are exact, written as a browser sends them; "*" stands
// alone.
func TestCORSOrigins(t *testing.T) {
	for v, want := range map[string][]string{
		"https://portal.example.com":                                {"https://portal.example.com"},
		" https://Portal.Example.com:443/ , http://localhost:3000 ": {"https://portal.example.com", "http://localhost:3000"},
		"http://127.0.0.1:80,http://[::1]:5173":                     {"http://127.0.0.1", "http://[::1]:5173"},
		"*":                                                         {"*"},
		"https://a.example.com,https://b.example.com:8443":          {"https://a.example.com", "https://b.example.com:8443"},
	} {
		c, err := FromEnv(env(map[string]string{"SAILGRAPH_CORS_ORIGINS": v}))
		if err != nil || !slices.Equal(c.CORSOrigins, want) {
			t.Errorf("SAILGRAPH_CORS_ORIGINS=%q: %q, %v; want %q", v, c.CORSOrigins, err, want)
		}
	}
	for _, v := range []string{"portal.example.com", "https://*.example.com", "https://portal.example.com/app", "ftp://x.example",
		"*,https://portal.example.com", "https://user@portal.example.com", "https://portal.example.com?x=1", "null"} {
		_, err := FromEnv(env(map[string]string{"SAILGRAPH_CORS_ORIGINS": v}))
		if err == nil || !strings.Contains(err.Error(), "SAILGRAPH_CORS_ORIGINS") {
			t.Errorf("SAILGRAPH_CORS_ORIGINS=%q accepted: %v", v, err)
		}
	}
	if c, _ := FromEnv(env(nil)); c.CORSOrigins != nil {
		t.Errorf("CORS origins by default: %q", c.CORSOrigins)
	}
}

// Open subscriptions per key: 1000 unless set; a bad value is named.
func TestMaxSubscriptionsPerKey(t *testing.T) {
	for v, want := range map[string]int{"": 1000, "5": 5} {
		c, err := FromEnv(env(map[string]string{"SAILGRAPH_MAX_SUBSCRIPTIONS_PER_KEY": v}))
		if err != nil || c.MaxSubscriptionsPerKey != want {
			t.Errorf("SAILGRAPH_MAX_SUBSCRIPTIONS_PER_KEY=%q: %d, %v; want %d", v, c.MaxSubscriptionsPerKey, err, want)
		}
	}
	for _, v := range []string{"0", "-1", "many"} {
		_, err := FromEnv(env(map[string]string{"SAILGRAPH_MAX_SUBSCRIPTIONS_PER_KEY": v}))
		if err == nil || !strings.Contains(err.Error(), "SAILGRAPH_MAX_SUBSCRIPTIONS_PER_KEY") {
			t.Errorf("SAILGRAPH_MAX_SUBSCRIPTIONS_PER_KEY=%q: %v", v, err)
		}
	}
}

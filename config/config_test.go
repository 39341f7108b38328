package config

import (
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
	if c.Addr != ":8080" || !c.Simulated() || c.RateLimit != (Rate{N: 100, Per: 10 * time.Second}) || c.RedisURL != "" || c.SimIdentities != 2000 {
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

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sailgraph/sailgraph/access"
	"github.com/sailgraph/sailgraph/internal/logtest"
	"github.com/sailgraph/sailgraph/simtenant"
)

// A real tenant (here a simulated one given by URL, as a real one would
// be): without API keys the gateway refuses to listen beyond loopback;
// with keys, a caller needs one, and gets only the fields its scopes allow.
func TestTenantByURLWithAPIKeys(t *testing.T) {
	tn := simtenant.New(simtenant.Options{Identities: 20, Clients: map[string]string{"acme-client": "acme-secret"}})
	up := httptest.NewServer(tn.Handler())
	t.Cleanup(up.Close)
	env := map[string]string{
		"SAILGRAPH_TENANT_URL":    up.URL,
		"SAILGRAPH_CLIENT_ID":     "acme-client",
		"SAILGRAPH_CLIENT_SECRET": "acme-secret",
		"SAILGRAPH_ADDR":          "0.0.0.0:0",
	}
	err := run(context.Background(), nil, func(k string) string { return env[k] }, io.Discard)
	if !errors.Is(err, access.ErrAnonymousNotLoopback) {
		t.Fatalf("anonymous gateway on 0.0.0.0 in front of a tenant: %v", err)
	}

	// A key that may read identity history only, made by the hash-key command.
	var line, shown bytes.Buffer
	if err := runHashKey([]string{"-name", "portal", "-scopes", "idn:identity-history:read", "-new"}, stdio{out: &line, err: &shown}); err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(shown.String()[strings.LastIndex(shown.String(), " ")+1:])
	if !strings.HasPrefix(key, "sgk_") || strings.Contains(line.String(), key) {
		t.Fatalf("hash-key: key %q, line %q", key, line.String())
	}
	keysFile := filepath.Join(t.TempDir(), "keys.jsonl")
	if err := os.WriteFile(keysFile, line.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	env["SAILGRAPH_API_KEYS_FILE"] = keysFile
	env["SAILGRAPH_ADDR"] = freeAddr(t)
	var logs logtest.Buffer
	startRun(t, nil, env, &logs)
	base := "http://" + env["SAILGRAPH_ADDR"]
	waitHTTP(t, base+"/healthz")

	query := `{"query":"{ identities(first: 1) { nodes { displayName } } task(id: \"x\") { id } }"}`
	send := func(key string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(query))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("X-API-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := send(""); status != 401 || !strings.Contains(body, "UNAUTHENTICATED") {
		t.Fatalf("no key: %d %s", status, body)
	}
	if status, _ := send("sgk_wrong"); status != 401 {
		t.Fatalf("wrong key: %d", status)
	}
	status, body := send(key)
	if status != 200 || !strings.Contains(body, `"displayName"`) || !strings.Contains(body, "FORBIDDEN") {
		t.Fatalf("identity-history key: %d %s", status, body)
	}
	if tn.Stats().Requests["getTaskStatus"] != nil || tn.Stats().Requests["getTaskStatusList"] != nil {
		t.Fatal("a forbidden field reached the tenant")
	}
	// The REST side is authorized like the fields it mirrors.
	rest := func(path, key string) int {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		if key != "" {
			req.Header.Set("X-API-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := rest("/beta/historical-identities?limit=1", key); got != 200 {
		t.Fatalf("REST identity list with an identity-history key: %d", got)
	}
	if got := rest("/beta/task-status?limit=1", key); got != 403 {
		t.Fatalf("REST task list with an identity-history key: %d", got)
	}
	if got := rest("/beta/historical-identities?limit=1", ""); got != 401 {
		t.Fatalf("REST without a key: %d", got)
	}
	if strings.Contains(logs.String(), key) || strings.Contains(logs.String(), "acme-secret") {
		t.Fatal("a secret reached the log")
	}
}

// Pass-through in front of a tenant, with no gateway credentials at all:
// each caller's own ISC token does the work, and a caller without one is
// refused.
func TestPassThroughWithoutGatewayCredentials(t *testing.T) {
	tn := simtenant.New(simtenant.Options{Identities: 10, Clients: map[string]string{"alice": "a-secret"}})
	up := httptest.NewServer(tn.Handler())
	t.Cleanup(up.Close)
	resp, err := http.PostForm(up.URL+"/oauth/token", map[string][]string{
		"grant_type": {"client_credentials"}, "client_id": {"alice"}, "client_secret": {"a-secret"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %v", err)
	}
	resp.Body.Close()

	addr := freeAddr(t)
	var logs logtest.Buffer
	startRun(t, nil, map[string]string{
		"SAILGRAPH_TENANT_URL": up.URL,
		"SAILGRAPH_AUTH_MODE":  "passthrough",
		"SAILGRAPH_ADDR":       addr,
	}, &logs)
	base := "http://" + addr
	waitHTTP(t, base+"/healthz")
	send := func(token string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(`{"query":"{ identities(first: 1) { nodes { displayName } } }"}`))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("X-ISC-Token", token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := send(tok.AccessToken); status != 200 || !strings.Contains(body, `"displayName"`) {
		t.Fatalf("with the caller's token: %d %s", status, body)
	}
	if status, _ := send(""); status != 401 {
		t.Fatalf("without a token: %d", status)
	}
	if tn.Stats().TokenRequests != 1 {
		t.Fatalf("the gateway fetched tokens of its own: %d token requests", tn.Stats().TokenRequests)
	}
	if strings.Contains(logs.String(), tok.AccessToken) {
		t.Fatal("the caller's token reached the log")
	}
}

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sailgraph/sailgraph/access"
	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/gateway"
	"github.com/sailgraph/sailgraph/internal/logtest"
	"github.com/sailgraph/sailgraph/internal/waittest"
	"github.com/sailgraph/sailgraph/simtenant"
)

// logLine is one JSON line of the gateway's log.
type logLine struct {
	Level string `json:"level"`
	Msg   string `json:"msg"`
	raw   string
}

// logLines decodes every line of logs.
func logLines(t *testing.T, logs string) []logLine {
	t.Helper()
	var out []logLine
	for raw := range strings.SplitSeq(strings.TrimSpace(logs), "\n") {
		var l logLine
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, raw)
		}
		l.raw = raw
		out = append(out, l)
	}
	return out
}

// waitLog polls logs until a line holds substr.
func waitLog(t *testing.T, logs *logtest.Buffer, substr string) {
	t.Helper()
	waittest.Until(t, fmt.Sprintf("the log to say %q", substr), func() bool { return strings.Contains(logs.String(), substr) })
}

// `go run .` with nothing set: the first log line announces the simulated
// tenant (as the README says), and nothing else is shouted: the embedded
// default listens on loopback, where anonymous access to a simulated
// tenant is no cause for alarm, and no variable nobody set is named.
func TestEmbeddedDefaultSaysWhatIsTrue(t *testing.T) {
	var logs logtest.Buffer
	// The default address is 127.0.0.1:8080 (config's tests check it);
	// this test takes a free loopback port so as not to collide with
	// whatever else runs on the machine.
	startRun(t, nil, map[string]string{"SAILGRAPH_ADDR": "127.0.0.1:0", "SAILGRAPH_SIM_IDENTITIES": "20"}, &logs)
	waitLog(t, &logs, "sailgraph listening")
	lines := logLines(t, logs.String())
	if first := lines[0]; !strings.HasPrefix(first.Msg, "SIMULATED TENANT") || first.Level != "WARN" {
		t.Fatalf("first log line: %s", first.raw)
	}
	for _, l := range lines[1:] {
		if l.Level == "WARN" || l.Level == "ERROR" || strings.Contains(l.Msg, "ANONYMOUS") {
			t.Errorf("the embedded default shouts: %s", l.raw)
		}
	}
	if strings.Contains(logs.String(), "SAILGRAPH_ALLOW_ANONYMOUS") {
		t.Errorf("the log names SAILGRAPH_ALLOW_ANONYMOUS, which nobody set:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), `"graphiql":"http://127.0.0.1:`) {
		t.Errorf("the listening line does not point at loopback:\n%s", logs.String())
	}
}

// Help is asked for in every usual way, answered on stdout, and is a
// success; it lists the commands and every variable.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}, {"-help"}} {
		var out, errOut strings.Builder
		if err := runCommand(t.Context(), args, noEnv, stdio{out: &out, err: &errOut}); err != nil {
			t.Errorf("%v: %v", args, err)
		}
		for _, want := range []string{"sailgraph simulate", "sailgraph hash-key", "sailgraph check", "sailgraph healthcheck", "sailgraph help", `"Configuration"`} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%v: help lacks %q:\n%s", args, want, out.String())
			}
		}
		for _, v := range config.Variables() {
			if !strings.Contains(out.String(), v.Name) {
				t.Errorf("%v: help lacks %s", args, v.Name)
			}
		}
		if errOut.Len() > 0 {
			t.Errorf("%v: help wrote to stderr: %s", args, errOut.String())
		}
	}
	for _, args := range [][]string{{"simulate", "-h"}, {"hash-key", "-h"}, {"help", "simulate"}, {"simulate", "--help"}, {"check", "-h"}, {"healthcheck", "-h"}} {
		var out strings.Builder
		if err := runCommand(t.Context(), args, noEnv, stdio{out: &out, err: io.Discard}); err != nil {
			t.Errorf("%v: %v", args, err)
		}
		if !strings.Contains(out.String(), "Usage: sailgraph "+strings.TrimPrefix(args[0]+" ", "help ")) || !strings.Contains(out.String(), "Flags:") {
			t.Errorf("%v: usage:\n%s", args, out.String())
		}
	}
	for _, args := range [][]string{{"frobnicate"}, {"-addr", ":9"}, {"simulate", "stray"}, {"simulate", "-nope"}} {
		err := runCommand(t.Context(), args, noEnv, stdio{out: io.Discard, err: io.Discard})
		if err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	if err := runCommand(t.Context(), []string{"frobnicate"}, noEnv, stdio{out: io.Discard, err: io.Discard}); err == nil || !strings.Contains(err.Error(), "sailgraph help") {
		t.Errorf("unknown command: %v", err)
	}
}

func noEnv(string) string { return "" }

// hash-key's errors name the flag to change, never a Go function.
func TestHashKeyErrorsNameTheFlag(t *testing.T) {
	for _, c := range []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{"-scopes", "sp:report:read", "-new"}, "", "-name"},
		{[]string{"-name", "two words", "-scopes", "sp:report:read", "-new"}, "", "-name"},
		{[]string{"-name", "portal", "-new"}, "", "-scopes"},
		{[]string{"-name", "portal", "-scopes", "sp:report:reed", "-new"}, "", "-scopes"},
		{[]string{"-name", "portal", "-scopes", "sp:report:read"}, "sgk_short\n", "-new"},
		{[]string{"-name", "portal", "-scopes", "sp:report:read"}, "", "-new"},
	} {
		err := runHashKey(c.args, stdio{in: strings.NewReader(c.stdin), out: io.Discard, err: io.Discard})
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "GenerateKey") {
			t.Errorf("hash-key %v: %v; want an error naming %s", c.args, err, c.want)
		}
	}
	var line strings.Builder
	key := "sgk_" + strings.Repeat("k", 40)
	if err := runHashKey([]string{"-name", "portal", "-scopes", "sp:report:read, sp:report:manage"}, stdio{in: strings.NewReader(key + "\n"), out: &line, err: io.Discard}); err != nil {
		t.Fatal(err)
	}
	ring, err := access.ParseKeys(strings.NewReader(line.String()))
	if err != nil || ring.Len() != 1 {
		t.Fatalf("hash-key's line %q: %v", line.String(), err)
	}
}

// The README's "Configuration" table lists every variable with its real
// default (config's tests hold the defaults to FromEnv).
func TestReadmeConfigurationTable(t *testing.T) {
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	start := strings.Index(readme, "\n## Configuration\n")
	if start < 0 {
		t.Fatal("README.md has no Configuration section")
	}
	section := readme[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	documented := map[string]string{}
	for row := range strings.SplitSeq(section, "\n") {
		cells := strings.Split(row, "|")
		if len(cells) < 4 || !strings.Contains(cells[1], "`SAILGRAPH_") {
			continue
		}
		names := strings.Split(strings.TrimSpace(cells[1]), ", ")
		defaults := strings.Split(strings.TrimSpace(cells[2]), ", ")
		if len(defaults) == 1 {
			for len(defaults) < len(names) {
				defaults = append(defaults, defaults[0])
			}
		}
		if len(names) != len(defaults) {
			t.Errorf("README row %q: %d names, %d defaults", row, len(names), len(defaults))
			continue
		}
		for i, n := range names {
			documented[strings.Trim(n, "`")] = strings.Trim(defaults[i], "`")
		}
	}
	for _, v := range config.Variables() {
		got, ok := documented[v.Name]
		switch {
		case !ok:
			t.Errorf("README's Configuration table lacks %s", v.Name)
		case got != v.Default:
			t.Errorf("README: %s defaults to %q; it is %q", v.Name, got, v.Default)
		}
		delete(documented, v.Name)
	}
	for name := range documented {
		t.Errorf("README documents %s, which the gateway does not read", name)
	}
}

// sailgraph check builds the gateway as sailgraph would and says whether
// it would start, without listening: what a container platform runs once
// before the gateway, so that a configuration that cannot start stops
// there instead of restarting in a loop.
func TestCheckCommand(t *testing.T) {
	tn := simtenant.New(simtenant.Options{Identities: 10})
	up := httptest.NewServer(tn.Handler())
	t.Cleanup(up.Close)
	id, secret := tn.ClientID()
	keys := filepath.Join(t.TempDir(), "keys.jsonl")
	line, err := access.EntryFor("portal", access.GenerateKey(), "sp:report:read")
	if err != nil || os.WriteFile(keys, append(line, '\n'), 0o600) != nil {
		t.Fatal(err)
	}
	tenant := map[string]string{"SAILGRAPH_TENANT_URL": up.URL, "SAILGRAPH_CLIENT_ID": id, "SAILGRAPH_CLIENT_SECRET": secret}
	with := func(extra map[string]string) func(string) string {
		m := map[string]string{}
		for k, v := range tenant {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return func(k string) string { return m[k] }
	}
	check := func(getenv func(string) string) (string, error) {
		var out strings.Builder
		err := runCommand(t.Context(), []string{"check"}, getenv, stdio{out: &out, err: io.Discard})
		return out.String(), err
	}

	// As in a container: a real tenant on every interface, no keys.
	if _, err := check(with(map[string]string{"SAILGRAPH_ADDR": ":8080"})); !errors.Is(err, access.ErrAnonymousNotLoopback) {
		t.Fatalf("a real tenant without keys on :8080: %v", err)
	}
	if _, err := check(with(map[string]string{"SAILGRAPH_ADDR": ":8080", "SAILGRAPH_API_KEYS_FILE": filepath.Join(t.TempDir(), "missing")})); err == nil || !strings.Contains(err.Error(), "SAILGRAPH_API_KEYS_FILE") {
		t.Fatalf("a missing keys file: %v", err)
	}
	if _, err := check(with(map[string]string{"SAILGRAPH_ADDR": ":8080", "SAILGRAPH_RATE_LIMIT": "lots"})); err == nil || !strings.Contains(err.Error(), "SAILGRAPH_RATE_LIMIT") {
		t.Fatalf("a bad variable: %v", err)
	}
	// With keys it would start; the check binds nothing, it builds the
	// gateway and closes it.
	out, err := check(with(map[string]string{"SAILGRAPH_ADDR": ":8080", "SAILGRAPH_API_KEYS_FILE": keys}))
	if err != nil || !strings.Contains(out, "configuration ok") {
		t.Fatalf("a real tenant with keys: %q, %v", out, err)
	}
	if out, err := check(func(k string) string {
		return map[string]string{"SAILGRAPH_ADDR": ":8080", "SAILGRAPH_SIM_IDENTITIES": "10"}[k]
	}); err != nil {
		t.Fatalf("the simulated tenant on :8080: %q, %v", out, err)
	}
}

// sailgraph healthcheck asks a running gateway's /readyz: the container
// health check, in an image without curl.
func TestHealthcheckCommand(t *testing.T) {
	healthcheck := func(addr string, args ...string) error {
		return runCommand(t.Context(), append([]string{"healthcheck"}, args...),
			func(k string) string { return map[string]string{"SAILGRAPH_ADDR": addr}[k] }, stdio{out: io.Discard, err: io.Discard})
	}
	addr := freeAddr(t)
	if err := healthcheck(addr); err == nil {
		t.Fatal("ready with nothing listening")
	}
	startRun(t, nil, map[string]string{"SAILGRAPH_ADDR": addr, "SAILGRAPH_SIM_IDENTITIES": "10"}, io.Discard)
	waitHTTP(t, "http://"+addr+"/healthz")
	if err := healthcheck(addr); err != nil {
		t.Fatalf("a ready gateway: %v", err)
	}
	// Listening on every interface, it is asked on loopback.
	if _, port, _ := net.SplitHostPort(addr); healthcheck(":"+port) != nil {
		t.Fatalf("a gateway on :%s, asked on loopback", port)
	}

	// A gateway whose tenant refuses its credentials is alive, not ready.
	tn := simtenant.New(simtenant.Options{Identities: 10})
	up := httptest.NewServer(tn.Handler())
	t.Cleanup(up.Close)
	id, _ := tn.ClientID()
	unready := freeAddr(t)
	startRun(t, nil, map[string]string{"SAILGRAPH_ADDR": unready, "SAILGRAPH_TENANT_URL": up.URL,
		"SAILGRAPH_CLIENT_ID": id, "SAILGRAPH_CLIENT_SECRET": "wrong"}, io.Discard)
	waitHTTP(t, "http://"+unready+"/healthz")
	if err := healthcheck(unready); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("a gateway whose credentials fail: %v", err)
	}
	if err := healthcheck(unready, "-url", "http://"+unready+"/healthz"); err != nil {
		t.Fatalf("-url /healthz: %v", err)
	}
}

// SAILGRAPH_CORS_ORIGINS=* would let every web page use a caller's key or
// token from a browser; it stops the start unless the gateway serves
// anonymously.
func TestCORSAnyOriginNeedsAnonymity(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "keys.jsonl")
	line, err := access.EntryFor("portal", access.GenerateKey(), "sp:report:read")
	if err != nil || os.WriteFile(keys, append(line, '\n'), 0o600) != nil {
		t.Fatal(err)
	}
	tn := simtenant.New(simtenant.Options{Identities: 10})
	up := httptest.NewServer(tn.Handler())
	t.Cleanup(up.Close)
	for name, env := range map[string]map[string]string{
		"API keys":     {"SAILGRAPH_API_KEYS_FILE": keys},
		"pass-through": {"SAILGRAPH_TENANT_URL": up.URL, "SAILGRAPH_AUTH_MODE": "passthrough"},
	} {
		env["SAILGRAPH_ADDR"], env["SAILGRAPH_SIM_IDENTITIES"], env["SAILGRAPH_CORS_ORIGINS"] = "127.0.0.1:0", "10", "*"
		quiet := stdio{out: io.Discard, err: io.Discard}
		err := runCommand(t.Context(), []string{"check"}, func(k string) string { return env[k] }, quiet)
		if !errors.Is(err, gateway.ErrCORSAnyOrigin) {
			t.Errorf("* with %s: %v", name, err)
		}
		delete(env, "SAILGRAPH_CORS_ORIGINS")
		if err := runCommand(t.Context(), []string{"check"}, func(k string) string { return env[k] }, quiet); err != nil {
			t.Errorf("%s without CORS: %v", name, err)
		}
	}
}

package access_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sailgraph/sailgraph/access"
)

func TestGeneratedKeysRoundTrip(t *testing.T) {
	k1, k2 := access.GenerateKey(), access.GenerateKey()
	if k1 == k2 || !strings.HasPrefix(k1, access.KeyPrefix) || len(k1) < 40 {
		t.Fatalf("keys %q %q", k1, k2)
	}
	line := must(access.EntryFor("bot", k1, "sp:report:read", "sp:report:manage"))
	if strings.Contains(string(line), k1) || !strings.Contains(string(line), access.HashKey(k1)) {
		t.Fatalf("entry %s must hold the hash and never the key", line)
	}
	path := filepath.Join(t.TempDir(), "keys.jsonl")
	if err := os.WriteFile(path, append(line, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	ring := must(access.LoadKeys(path))
	if ring.Len() != 1 {
		t.Fatalf("%d keys", ring.Len())
	}
	if _, err := access.EntryFor("bot", "short", "sp:report:read"); err == nil {
		t.Error("a key without the prefix was accepted")
	}
	if _, err := access.EntryFor("bot", k1, "sp:report:write"); err == nil {
		t.Error("an unknown scope was accepted")
	}
}

func TestParseKeysRefusesBadEntries(t *testing.T) {
	good := access.HashKey(access.GenerateKey())
	for name, file := range map[string]string{
		"not JSON":       `name=bot`,
		"unknown field":  `{"name":"bot","sha256":"` + good + `","scopes":["sp:report:read"],"key":"sgk_x"}`,
		"key in clear":   `{"name":"bot","sha256":"sgk_0123456789","scopes":["sp:report:read"]}`,
		"unknown scope":  `{"name":"bot","sha256":"` + good + `","scopes":["sp:report:write"]}`,
		"no scopes":      `{"name":"bot","sha256":"` + good + `","scopes":[]}`,
		"no name":        `{"sha256":"` + good + `","scopes":["sp:report:read"]}`,
		"anonymous name": `{"name":"anonymous","sha256":"` + good + `","scopes":["sp:report:read"]}`,
		"bad rate":       `{"name":"bot","sha256":"` + good + `","scopes":["sp:report:read"],"rate":"fast"}`,
		"name twice":     `{"name":"bot","sha256":"` + good + `","scopes":["sp:report:read"]}` + "\n" + `{"name":"bot","sha256":"` + access.HashKey("other") + `","scopes":["sp:report:read"]}`,
		"same key twice": `{"name":"a","sha256":"` + good + `","scopes":["sp:report:read"]}` + "\n" + `{"name":"b","sha256":"` + good + `","scopes":["sp:report:read"]}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := access.ParseKeys(strings.NewReader("# keys\n" + file + "\n"))
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), "line ") {
				t.Errorf("error %q does not name the line", err)
			}
		})
	}
	if _, err := access.LoadKeys(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing file was accepted")
	}
}

// CheckAnonymous says exactly what is true: the simulated tenant on
// loopback is no cause for alarm, a real tenant or a network address open
// to callers without a key is, and SAILGRAPH_ALLOW_ANONYMOUS is named only
// when it was set and made the difference.
func TestCheckAnonymous(t *testing.T) {
	for _, c := range []struct {
		e       access.Exposure
		level   slog.Level
		notice  []string // substrings of the notice; nil: no notice
		wantErr bool
	}{
		// The embedded default: simulated tenant, loopback, no keys.
		{e: access.Exposure{Addr: "127.0.0.1:8080", Simulated: true}, level: slog.LevelInfo, notice: []string{"this machine", "simulated tenant"}},
		{e: access.Exposure{Addr: "localhost:8080", Simulated: true}, level: slog.LevelInfo, notice: []string{"simulated tenant"}},
		{e: access.Exposure{Addr: ":8080", Simulated: true}, level: slog.LevelWarn, notice: []string{"ANONYMOUS ACCESS ON A NETWORK ADDRESS", "reach :8080", "simulated tenant"}},
		{e: access.Exposure{Addr: ":8080", Simulated: true, AllowAnonymous: true}, level: slog.LevelWarn, notice: []string{"simulated tenant"}},
		// A real tenant.
		{e: access.Exposure{Addr: "127.0.0.1:8080"}, level: slog.LevelWarn, notice: []string{"ANONYMOUS ACCESS", "this machine", "loopback only"}},
		{e: access.Exposure{Addr: "[::1]:8080"}, level: slog.LevelWarn, notice: []string{"loopback only"}},
		{e: access.Exposure{Addr: ":8080"}, wantErr: true},
		{e: access.Exposure{Addr: "0.0.0.0:8080"}, wantErr: true},
		{e: access.Exposure{Addr: "10.1.2.3:8080"}, wantErr: true},
		{e: access.Exposure{Addr: ":8080", AllowAnonymous: true}, level: slog.LevelWarn, notice: []string{"ANONYMOUS ACCESS ON A NETWORK ADDRESS", "SAILGRAPH_ALLOW_ANONYMOUS=true", "reach :8080"}},
		// Not anonymous at all.
		{e: access.Exposure{Addr: ":8080", Keys: 2}},
		{e: access.Exposure{Addr: ":8080", PassThrough: true}},
		{e: access.Exposure{Addr: "127.0.0.1:8080", PassThrough: true}},
		{e: access.Exposure{Addr: "nonsense"}, wantErr: true},
	} {
		n, err := access.CheckAnonymous(c.e)
		if (err != nil) != c.wantErr || (n.Message != "") != (c.notice != nil) {
			t.Errorf("CheckAnonymous(%+v) = %+v, %v", c.e, n, err)
			continue
		}
		if c.wantErr && c.e.Addr != "nonsense" && !strings.Contains(err.Error(), "SAILGRAPH_ALLOW_ANONYMOUS") {
			t.Errorf("error %q does not say how to proceed", err)
		}
		if c.notice == nil {
			continue
		}
		if n.Level != c.level {
			t.Errorf("CheckAnonymous(%+v): level %v, want %v", c.e, n.Level, c.level)
		}
		for _, want := range c.notice {
			if !strings.Contains(n.Message, want) {
				t.Errorf("CheckAnonymous(%+v): notice %q lacks %q", c.e, n.Message, want)
			}
		}
		if !c.e.AllowAnonymous && strings.Contains(n.Message, "SAILGRAPH_ALLOW_ANONYMOUS") {
			t.Errorf("CheckAnonymous(%+v): notice %q names a variable nobody set", c.e, n.Message)
		}
	}
}

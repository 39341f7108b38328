package access_test

import (
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

func TestCheckAnonymous(t *testing.T) {
	for _, c := range []struct {
		addr          string
		allow         bool
		keys          int
		wantErr, warn bool
	}{
		{addr: "127.0.0.1:8080", warn: true},
		{addr: "[::1]:8080", warn: true},
		{addr: "localhost:8080", warn: true},
		{addr: ":8080", wantErr: true},
		{addr: "0.0.0.0:8080", wantErr: true},
		{addr: "10.1.2.3:8080", wantErr: true},
		{addr: ":8080", allow: true, warn: true},
		{addr: ":8080", keys: 2},
		{addr: "nonsense", wantErr: true},
	} {
		warn, err := access.CheckAnonymous(c.addr, c.allow, c.keys)
		if (err != nil) != c.wantErr || (warn != "") != c.warn {
			t.Errorf("CheckAnonymous(%q, %v, %d) = %q, %v", c.addr, c.allow, c.keys, warn, err)
		}
		if c.wantErr && c.addr != "nonsense" && !strings.Contains(err.Error(), "SAILGRAPH_ALLOW_ANONYMOUS") {
			t.Errorf("error %q does not say how to proceed", err)
		}
	}
}

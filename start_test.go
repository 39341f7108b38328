package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/logtest"
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
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logs.String(), substr) {
		if time.Now().After(deadline) {
			t.Fatalf("the log never said %q:\n%s", substr, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
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

package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sailgraph/sailgraph/internal/logtest"
)

// SAILGRAPH_METRICS_ADDR serves /metrics on an address of its own, and
// only there.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	addr, maddr := freeAddr(t), freeAddr(t)
	var logs logtest.Buffer
	startRun(t, nil, map[string]string{"SAILGRAPH_ADDR": addr, "SAILGRAPH_METRICS_ADDR": maddr, "SAILGRAPH_SIM_IDENTITIES": "20"}, &logs)
	waitHTTP(t, "http://"+addr+"/healthz")
	resp, err := http.Get("http://" + maddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	buf := make([]byte, 4096)
	n, _ := resp.Body.Read(buf)
	b.Write(buf[:n])
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(b.String(), "# HELP") {
		t.Fatalf("metrics address: %d %.200s", resp.StatusCode, b.String())
	}
	resp, err = http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/metrics on the main address: %d", resp.StatusCode)
	}
}

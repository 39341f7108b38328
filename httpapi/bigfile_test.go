package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"
)

// bigReport is the size of the report file the heap test streams.
const bigReport = 500 << 20

// heapCeiling is what the whole test process (gateway and tenant) may
// hold in its heap while the file streams.
const heapCeiling = 64 << 20

// TestBigReportStreamsWithFlatHeap downloads a 500 MB report through the
// gateway's download endpoint and through its REST side, sampling the
// process's heap during each transfer: gateway and tenant both stream, so
// it stays under 64 MB. It takes about 2 s, 11 s under -race, on 2 cores.
func TestBigReportStreamsWithFlatHeap(t *testing.T) {
	const size = int64(bigReport)
	e := newEnv(t, envOptions{lean: true, reportDuration: time.Millisecond})
	e.tn.SetReportFileBytes(size)
	id := finishedReport(t, e)

	for name, path := range map[string]string{
		"downloads": "/download/reports/" + id + "?format=csv",
		"rest":      "/v2024/reports/" + id + "?fileFormat=csv",
	} {
		t.Run(name, func(t *testing.T) {
			n, peak := streamSampled(t, e.client, e.gateway+path)
			t.Logf("%s: %d bytes, peak heap in use %.1f MB", path, n, float64(peak)/(1<<20))
			if n != size {
				t.Fatalf("read %d bytes, want %d", n, size)
			}
			if peak >= heapCeiling {
				t.Fatalf("heap in use reached %.1f MB while streaming, want under %d MB", float64(peak)/(1<<20), heapCeiling>>20)
			}
		})
	}
}

// finishedReport starts a report through the REST side and polls until it
// is done (the env's tenant runs reports in a millisecond).
func finishedReport(t *testing.T, e *env) string {
	t.Helper()
	x := e.call(e.client, e.gateway, http.MethodPost, "/v2024/reports/run", "application/json", `{"reportType":"IDENTITIES","arguments":{}}`)
	if x.status != http.StatusOK {
		t.Fatalf("start report: %d %s", x.status, x.body)
	}
	var run withID
	if err := json.Unmarshal(x.body, &run); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		r := e.call(e.client, e.gateway, http.MethodGet, "/v2024/reports/"+run.ID+"/result", "", "")
		var res struct {
			Status string `json:"status"`
		}
		if r.status == http.StatusOK && json.Unmarshal(r.body, &res) == nil && res.Status == "SUCCESS" {
			return run.ID
		}
		select {
		case <-ctx.Done():
			t.Fatalf("report %s did not finish: %d %s", run.ID, r.status, r.body)
		case <-tick.C:
		}
	}
}

// streamSampled reads url to its end, sampling the heap until it is done;
// it returns the bytes read and the highest HeapInuse seen.
func streamSampled(t *testing.T, c *http.Client, url string) (int64, uint64) {
	t.Helper()
	runtime.GC()
	done := make(chan struct{})
	peakc := make(chan uint64, 1)
	go func() {
		var peak uint64
		var ms runtime.MemStats
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse, ms.HeapAlloc)
			select {
			case <-done:
				peakc <- peak
				return
			case <-tick.C:
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		close(done)
		t.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	close(done)
	peak := <-peakc
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d after %d bytes: %v", url, resp.StatusCode, n, err)
	}
	return n, peak
}

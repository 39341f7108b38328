package transport

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

func TestChainOrder(t *testing.T) {
	var order []string
	layer := func(name string) Layer {
		return func(next http.RoundTripper) http.RoundTripper {
			return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
				order = append(order, name)
				return next.RoundTrip(r)
			})
		}
	}
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { order = append(order, "base") })
	rt := Chain(http.DefaultTransport, layer("a"), layer("b"), layer("c"))
	status, _ := call(t, ctxFor(t, 10*time.Second), rt, "GET", srv.URL+"/beta/task-status/1", "")
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	if want := []string{"a", "b", "c", "base"}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"120", 2 * time.Minute, true},
		{"999999", maxCooldown, true},
		{now.Add(5 * time.Second).Format(http.TimeFormat), 5 * time.Second, true},
		{now.Add(-5 * time.Second).Format(http.TimeFormat), 0, true},
		{"Sun, 06 Nov 1994 08:49:37 GMT", 0, true},
		{"", 0, false},
		{"-1", 0, false},
		{"soon", 0, false},
		{"1.5", 0, false},
	}
	for _, c := range cases {
		got, ok := parseRetryAfter(c.in, now)
		if got != c.want || ok != c.ok {
			t.Errorf("parseRetryAfter(%q) = %s, %v; want %s, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestMetricsObservesEveryExchange(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotFound) })
	obs := NewCounter()
	rt := Chain(http.DefaultTransport, Metrics(obs))
	ctx := ctxFor(t, 10*time.Second)
	call(t, ctx, rt, "GET", srv.URL+"/beta/task-status/abc", "")
	call(t, ctx, rt, "POST", srv.URL+"/v2024/reports/run", "{}")
	call(t, ctx, rt, "GET", srv.URL+"/v3/other", "")
	dead := serve(t, nil)
	dead.Close()
	if _, err := send(ctx, rt, "GET", dead.URL+"/beta/task-status", ""); err == nil {
		t.Fatal("request to a closed server succeeded")
	}
	got := obs.Snapshot().Upstream
	want := map[Exchange]int{
		{"beta", "getTaskStatus", 404}:   1,
		{"v2024", "startReport", 404}:    1,
		{"v3", "unknown", 404}:           1,
		{"beta", "getTaskStatusList", 0}: 1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Upstream[%+v] = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
}

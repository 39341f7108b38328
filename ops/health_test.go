package ops_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/logtest"

	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sailgraph/sailgraph/internal/redistest"
	"github.com/sailgraph/sailgraph/ops"
)

type readyBody struct {
	Status string `json:"status"`
	Checks []struct {
		Name, Status, Error string
		Optional            bool
	} `json:"checks"`
}

func decodeReady(t *testing.T, a answer) readyBody {
	t.Helper()
	var b readyBody
	if err := json.Unmarshal(a.body, &b); err != nil {
		t.Fatalf("readiness body is not JSON: %s", a.body)
	}
	return b
}

func TestReadyWhenTokenAndRedisAnswer(t *testing.T) {
	s := newStack(t, stackOptions{})
	if a := s.do(http.MethodGet, "/healthz", "", nil); a.status != http.StatusOK {
		t.Fatalf("/healthz: %d", a.status)
	}
	a := s.do(http.MethodGet, "/readyz", "", nil)
	b := decodeReady(t, a)
	if a.status != http.StatusOK || b.Status != "ready" || len(b.Checks) != 2 ||
		b.Checks[0].Name != "tenant_token" || b.Checks[0].Status != "ok" ||
		b.Checks[1].Name != "redis" || b.Checks[1].Status != "ok" {
		t.Fatalf("/readyz: %d %s", a.status, a.body)
	}
}

func TestNotReadyWithWrongCredentials(t *testing.T) {
	const wrong = "definitely-wrong-secret-5150"
	s := newStack(t, stackOptions{clientSecret: wrong})
	a := s.do(http.MethodGet, "/readyz", "", nil)
	b := decodeReady(t, a)
	if a.status != http.StatusServiceUnavailable || b.Status != "unavailable" ||
		b.Checks[0].Name != "tenant_token" || b.Checks[0].Status != "failed" || !strings.Contains(b.Checks[0].Error, "401") ||
		b.Checks[1].Status != "ok" {
		t.Fatalf("/readyz with a wrong secret: %d %s", a.status, a.body)
	}
	if strings.Contains(string(a.body), wrong) || strings.Contains(s.logs.String(), wrong) {
		t.Fatal("the secret is in the answer or the log")
	}
	if !strings.Contains(s.logs.String(), "readiness check failed") {
		t.Fatal("the failed check was not logged")
	}
}

func TestNotReadyWhenTokenEndpointFails(t *testing.T) {
	var calls atomic.Int32
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		http.Error(w, `{"error":"server_error"}`, http.StatusInternalServerError)
	}))
	t.Cleanup(tokens.Close)
	cfg := &clientcredentials.Config{ClientID: "id", ClientSecret: "s3cret-value", TokenURL: tokens.URL, AuthStyle: oauth2.AuthStyleInHeader}
	h := ops.Readyz([]ops.Check{ops.TokenCheck(cfg, ops.TokenCheckOptions{})}, ops.ReadyOptions{})
	for range 3 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		a := answer{status: rec.Code, body: rec.Body.Bytes()}
		b := decodeReady(t, a)
		if a.status != http.StatusServiceUnavailable || b.Checks[0].Status != "failed" || !strings.Contains(b.Checks[0].Error, "500") {
			t.Fatalf("/readyz with a failing token endpoint: %d %s", a.status, a.body)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("token endpoint asked %d times within the failure TTL, want 1", n)
	}
}

func TestTokenCheckCachesAndShares(t *testing.T) {
	var calls atomic.Int32
	release := make(chan struct{})
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"bearer","expires_in":749}`))
	}))
	t.Cleanup(tokens.Close)
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	check := ops.TokenCheck(&clientcredentials.Config{ClientID: "id", ClientSecret: "x", TokenURL: tokens.URL},
		ops.TokenCheckOptions{TTL: time.Minute, Now: func() time.Time { return time.Unix(0, now.Load()) }})

	// Five probes at once share one fetch.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for range 5 {
		wg.Go(func() { errs <- check.Probe(ctx) })
	}
	deadline := time.After(time.Minute)
	for calls.Load() == 0 {
		select {
		case <-deadline:
			t.Fatal("no fetch started")
		case <-time.After(5 * time.Millisecond):
		}
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := check.Probe(ctx); err != nil || calls.Load() != 1 {
		t.Fatalf("within the TTL: err %v, %d fetches, want 1", err, calls.Load())
	}
	now.Add(int64(2 * time.Minute))
	if err := check.Probe(ctx); err != nil || calls.Load() != 2 {
		t.Fatalf("after the TTL: err %v, %d fetches, want 2", err, calls.Load())
	}
}

func TestRedisCheck(t *testing.T) {
	rs := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr(), DialTimeout: time.Second, MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	log := &logtest.Buffer{}
	h := ops.Readyz([]ops.Check{ops.RedisCheck(rdb)}, ops.ReadyOptions{Logger: slog.New(slog.NewJSONHandler(log, nil))})
	get := func() answer {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return answer{status: rec.Code, body: rec.Body.Bytes()}
	}
	if a := get(); a.status != http.StatusOK {
		t.Fatalf("redis up: %d %s", a.status, a.body)
	}
	rs.Stop()
	a := get()
	if b := decodeReady(t, a); a.status != http.StatusServiceUnavailable || b.Checks[0].Name != "redis" || b.Checks[0].Status != "failed" {
		t.Fatalf("redis down: %d %s", a.status, a.body)
	}
}

func TestOptionalCheckDoesNotFailReadiness(t *testing.T) {
	h := ops.Readyz([]ops.Check{
		{Name: "required", Probe: func(context.Context) error { return nil }},
		{Name: "extra", Optional: true, Probe: func(context.Context) error { return errors.New("degraded") }},
	}, ops.ReadyOptions{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	b := decodeReady(t, answer{status: rec.Code, body: rec.Body.Bytes()})
	if rec.Code != http.StatusOK || b.Status != "ready" || b.Checks[1].Status != "failed" || !b.Checks[1].Optional {
		t.Fatalf("optional failure: %d %s", rec.Code, rec.Body)
	}
}

package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/ratelimit"
)

const someIdentities = "/beta/historical-identities?limit=2"

// A short 429 from the tenant is absorbed: the chain waits out its
// Retry-After and retries, and the caller gets the answer.
func TestRESTAbsorbsAShortUpstream429(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.tn.ForceRateLimit("beta", time.Second)
	x := e.viaGateway(http.MethodGet, someIdentities, "", "")
	if x.status != http.StatusOK {
		t.Fatalf("GET through a 1 s upstream 429: %d %s", x.status, x.body)
	}
	st := e.tn.Stats()
	if st.Sent429 != 1 || st.EarlyRetries != 0 {
		t.Fatalf("tenant sent %d 429s and saw %d early retries; want 1 and 0", st.Sent429, st.EarlyRetries)
	}
}

// A 429 longer than the caller's deadline passes through as the tenant's
// own 429 with Retry-After; while the cooldown lasts, further calls are
// refused by the gateway without reaching the tenant, still with
// Retry-After. Other API versions keep flowing.
func TestRESTPassesOnALongUpstream429(t *testing.T) {
	e := newEnv(t, envOptions{timeout: 2 * time.Second})
	e.tn.ForceRateLimit("beta", 30*time.Second)
	for i := range 2 {
		x := e.viaGateway(http.MethodGet, someIdentities, "", "")
		assert429(t, x, 30)
		if i == 0 && e.tn.Stats().Sent429 != 1 {
			t.Fatalf("tenant sent %d 429s, want 1", e.tn.Stats().Sent429)
		}
	}
	if st := e.tn.Stats(); st.Sent429 != 1 || st.EarlyRetries != 0 {
		t.Fatalf("the cooldown was not honoured: tenant sent %d 429s, saw %d early retries", st.Sent429, st.EarlyRetries)
	}
	if x := e.viaGateway(http.MethodPost, "/v2024/reports/run", "application/json", `{"reportType":"IDENTITIES","arguments":{}}`); x.status != http.StatusOK {
		t.Fatalf("v2024 during a beta cooldown: %d %s", x.status, x.body)
	}
}

// The gateway's own budget refuses a call it cannot fit before the
// caller's deadline with 429 and Retry-After, and the tenant never sees it.
func TestRESTLocalBudgetRefusal(t *testing.T) {
	e := newEnv(t, envOptions{budget: ratelimit.Rate{N: 2, Per: time.Minute}, timeout: 2 * time.Second})
	// Distinct URLs, so that the cache answers none of them.
	for i := range 10 {
		before := e.tenantRequests()
		x := e.viaGateway(http.MethodGet, someIdentities+"&offset="+strconv.Itoa(i), "", "")
		if x.status == http.StatusOK {
			continue
		}
		if i == 0 {
			t.Fatalf("the first call was refused: %d %s", x.status, x.body)
		}
		assert429(t, x, 60)
		if after := e.tenantRequests(); after != before {
			t.Fatalf("a call over the budget reached the tenant (%d requests)", after-before)
		}
		return
	}
	t.Fatal("10 calls in a moment all passed a budget of 2 a minute")
}

// assert429 checks a 429 in the tenant's shape, with a Retry-After of 1
// to most seconds.
func assert429(t *testing.T, x exchange, most int) {
	t.Helper()
	secs, err := strconv.Atoi(x.header.Get("Retry-After"))
	if x.status != http.StatusTooManyRequests || err != nil || secs < 1 || secs > most {
		t.Fatalf("got %d with Retry-After %q, want 429 with 1..%d s: %s", x.status, x.header.Get("Retry-After"), most, x.body)
	}
	var body struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(x.body, &body) != nil || body.Message == "" {
		t.Fatalf("429 body %s is not the tenant's {message}", x.body)
	}
}

package httpcache

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/optest"
	"github.com/sailgraph/sailgraph/record"

	"github.com/sailgraph/sailgraph/cache"
	"github.com/sailgraph/sailgraph/upstream/isc"
)

// echo answers every request with JSON naming what was asked and for whom,
// and an X-Total-Count, so that a served answer shows which call made it.
func echo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Total-Count", "7")
	w.Header().Set("X-Request-Id", "per-exchange")
	fmt.Fprintf(w, `{"path":%q,"query":%q,"for":%q}`, r.URL.Path, r.URL.RawQuery, r.Header.Get("X-Test-Principal"))
}

func status(code int, header ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"detailCode":"%d","messages":[{"text":"scripted"}]}`, code)
	}
}

func TestEqualRequestsMeetAndHeadersSurvive(t *testing.T) {
	e := newEnv(t, nil, echo)
	ctx := as(alice)
	first := e.do(ctx, "GET", "/beta/historical-identities/i1/access-items?count=true&limit=250")
	if first.header.Get(HeaderCache) != "miss" || first.header.Get("X-Total-Count") != "7" || first.header.Get("Content-Type") != "application/json" {
		t.Fatalf("first answer headers: %v", first.header)
	}
	// Same request: parameters reordered, defaults spelled out.
	again := e.do(ctx, "GET", "/beta/historical-identities/i1/access-items?type=account&offset=0&count=true&limit=250")
	if again.header.Get(HeaderCache) != "hit" || again.body != first.body || again.status != 200 {
		t.Fatalf("equal request: %v %q", again.header, again.body)
	}
	if again.header.Get("X-Total-Count") != "7" || again.header.Get("Content-Type") != "application/json" || again.header.Get("Age") != "0" {
		t.Fatalf("hit lost headers: %v", again.header)
	}
	if again.header.Get("X-Request-Id") != "" {
		t.Fatal("a per-exchange header was replayed from the cache")
	}
	if n := e.up.total(); n != 1 {
		t.Fatalf("upstream called %d times, want 1", n)
	}
	// Different requests do not meet.
	for _, path := range []string{
		"/beta/historical-identities/i1/access-items?count=true&limit=250&type=role",
		"/beta/historical-identities/i1/access-items?count=true&limit=250&offset=250",
		"/beta/historical-identities/i1/access-items",
		"/beta/historical-identities/i2/access-items?count=true&limit=250",
	} {
		if r := e.do(ctx, "GET", path); r.header.Get(HeaderCache) != "miss" {
			t.Errorf("%s was served from another request's entry", path)
		}
	}
	// Array parameters are sets.
	e.do(ctx, "GET", "/beta/historical-identities/i1/events?eventTypes=b&eventTypes=a")
	if r := e.do(ctx, "GET", "/beta/historical-identities/i1/events?eventTypes=a&eventTypes=b"); r.header.Get(HeaderCache) != "hit" {
		t.Fatal("reordered array parameter missed")
	}
}

func TestWhatIsNeverCached(t *testing.T) {
	cases := []struct {
		name, method, path string
		answer             func(http.ResponseWriter, *http.Request)
		noPrincipal        bool
	}{
		{"HEAD", "HEAD", "/beta/task-status/pending-tasks", echo, false},
		{"report file", "GET", "/v2024/reports/r1?fileFormat=csv", echo, false},
		{"export zip", "GET", "/beta/role-mining-sessions/s1/potential-roles/p1/export-async/e1/download", echo, false},
		{"401", "GET", "/beta/historical-identities/i1", status(401), false},
		{"403", "GET", "/beta/historical-identities/i1", status(403), false},
		{"400", "GET", "/beta/historical-identities/i1", status(400), false},
		{"429", "GET", "/beta/historical-identities/i1", status(429, "Retry-After", "3"), false},
		{"500", "GET", "/beta/historical-identities/i1", status(500), false},
		{"503", "GET", "/beta/historical-identities/i1", status(503), false},
		{"204", "GET", "/beta/task-status/pending-tasks", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }, false},
		{"unknown path", "GET", "/beta/not-an-operation", echo, false},
		{"no principal", "GET", "/beta/historical-identities/i1", echo, true},
		{"start report", "POST", "/v2024/reports/run", echo, false},
		{"bad query", "GET", "/beta/historical-identities/i1/events?eventTypes=%zz", echo, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil, tc.answer)
			ctx := as(alice)
			if tc.noPrincipal {
				ctx = context.Background()
			}
			for range 2 {
				r := e.do(ctx, tc.method, tc.path)
				if h := r.header.Get(HeaderCache); h == "hit" || h == "stale" {
					t.Fatalf("answer served from the cache (%s)", h)
				}
			}
			if n := e.up.total(); n != 2 {
				t.Fatalf("upstream called %d times for two requests, want 2", n)
			}
		})
	}
}

func TestNotFoundIsCachedBriefly(t *testing.T) {
	e := newEnv(t, nil, status(404))
	ctx := as(alice)
	e.do(ctx, "GET", "/beta/task-status/nope")
	if r := e.do(ctx, "GET", "/beta/task-status/nope"); r.status != 404 || r.header.Get(HeaderCache) != "hit" {
		t.Fatalf("404 again: %d %s", r.status, r.header.Get(HeaderCache))
	}
	e.clk.Advance(cache.DefaultPolicy()[cache.NotFound].Fresh + time.Second)
	if r := e.do(ctx, "GET", "/beta/task-status/nope"); r.header.Get(HeaderCache) != "miss" {
		t.Fatalf("404 after its lifetime: %s", r.header.Get(HeaderCache))
	}
	if n := e.up.total(); n != 2 {
		t.Fatalf("upstream called %d times, want 2", n)
	}
}

func TestServesStaleWhenUpstreamRefuses(t *testing.T) {
	hangUp := func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}
	cases := []struct {
		name   string
		answer func(http.ResponseWriter, *http.Request)
		reason cache.StaleReason
	}{
		{"429", status(429, "Retry-After", "3"), cache.StaleRateLimited},
		{"500", status(500), cache.StaleUnavailable},
		{"503", status(503), cache.StaleUnavailable},
		{"connection dropped", hangUp, cache.StaleUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil, echo)
			fresh := e.do(as(alice), "GET", "/beta/historical-identities/i1")
			life := cache.DefaultPolicy()[cache.Slow]
			age := life.Fresh + life.Revalidate + 10*time.Minute
			e.clk.Advance(age)
			e.up.setAnswer(tc.answer)

			rec := record.New("r")
			rec.SetLabeler(func(context.Context) string { return "identity" })
			r := e.do(record.With(as(alice), rec), "GET", "/beta/historical-identities/i1")
			if r.status != 200 || r.body != fresh.body || r.header.Get(HeaderCache) != "stale" {
				t.Fatalf("got %d %s %q; want the stored answer, stale", r.status, r.header.Get(HeaderCache), r.body)
			}
			if got, want := r.header.Get("Age"), fmt.Sprint(int(age.Seconds())); got != want {
				t.Fatalf("Age = %s, want %s", got, want)
			}
			want := record.Stale{Field: "identity", Operation: "getHistoricalIdentity", Resource: "i1", Age: age, Reason: tc.reason.String()}
			if got := rec.StaleServes(); len(got) != 1 || got[0] != want || rec.CacheHits() != 0 {
				t.Fatalf("stale serves = %+v, want [%+v]", got, want)
			}
		})
	}
	t.Run("nothing stale: the refusal passes through", func(t *testing.T) {
		e := newEnv(t, nil, status(429, "Retry-After", "3"))
		r := e.do(as(alice), "GET", "/beta/historical-identities/i2")
		if r.status != 429 || r.header.Get("Retry-After") != "3" {
			t.Fatalf("got %d Retry-After %q", r.status, r.header.Get("Retry-After"))
		}
		e.up.setAnswer(hangUp)
		if _, err := e.try(as(alice), "GET", "/beta/historical-identities/i3"); err == nil {
			t.Fatal("a dropped connection with nothing stale gave no error")
		}
	})
}

func TestPrincipalsNeverMeet(t *testing.T) {
	e := newEnv(t, nil, echo)
	const path = "/beta/historical-identities/i1/access-items?type=role"
	for range 3 {
		for _, p := range []struct {
			ctx  context.Context
			want string
		}{{as(alice), `"for":"client-a"`}, {as(bob), `"for":"client-b"`}} {
			if r := e.do(p.ctx, "GET", path); !strings.Contains(r.body, p.want) {
				t.Fatalf("answer %q, want one made %s", r.body, p.want)
			}
		}
	}
	if n := e.up.total(); n != 2 {
		t.Fatalf("upstream called %d times, want once per principal", n)
	}
}

func TestMutationsDropWhatTheyChange(t *testing.T) {
	e := newEnv(t, nil, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method != http.MethodGet:
			w.WriteHeader(http.StatusNoContent)
		case strings.HasPrefix(r.URL.Path, "/beta/task-status/pending"):
			fmt.Fprint(w, `[{"id":"t2","completionStatus":null}]`)
		case r.URL.Path == "/beta/task-status":
			fmt.Fprint(w, `[{"id":"t1","completionStatus":"SUCCESS"}]`)
		case strings.HasPrefix(r.URL.Path, "/beta/task-status/"):
			fmt.Fprint(w, `{"id":"t1","completionStatus":"SUCCESS"}`)
		case strings.HasPrefix(r.URL.Path, "/v2024/reports/"):
			fmt.Fprint(w, `{"status":"SUCCESS"}`)
		default:
			fmt.Fprint(w, `{"id":"i1"}`)
		}
	})
	type read struct {
		ctx  context.Context
		path string
	}
	var (
		task        = read{as(alice), "/beta/task-status/t1"}
		tasks       = read{as(alice), "/beta/task-status?filters=completionStatus%20eq%20%22Success%22"}
		pending     = read{as(alice), "/beta/task-status/pending-tasks"}
		bobsTasks   = read{as(bob), "/beta/task-status"}
		report      = read{as(alice), "/v2024/reports/r1/result"}
		reportDone  = read{as(alice), "/v2024/reports/r1/result?completed=true"}
		otherReport = read{as(alice), "/v2024/reports/r2/result"}
		identity    = read{as(alice), "/beta/historical-identities/i1"}
	)
	all := []read{task, tasks, pending, bobsTasks, report, reportDone, otherReport, identity}
	expect := func(step string, misses ...read) {
		t.Helper()
		for _, rd := range all {
			want := "hit"
			for _, m := range misses {
				if m == rd {
					want = "miss"
				}
			}
			if got := e.do(rd.ctx, "GET", rd.path).header.Get(HeaderCache); got != want {
				t.Errorf("%s: %s was a %s, want a %s", step, rd.path, got, want)
			}
		}
	}
	for _, rd := range all {
		e.do(rd.ctx, "GET", rd.path)
	}
	expect("warm")

	e.do(as(alice), "PATCH", "/beta/task-status/t1")
	expect("after PATCH task", task, tasks, pending, bobsTasks)

	e.do(as(alice), "POST", "/v2024/reports/r1/cancel")
	expect("after cancel report", report, reportDone)

	e.do(as(alice), "POST", "/v2024/reports/run")
	e.do(as(alice), "POST", "/beta/role-mining-sessions/s1/potential-roles/p1/export-async")
	expect("after starting a report and an export")
}

func TestLifetimeFollowsContent(t *testing.T) {
	body := `{"id":"t1","completionStatus":null}`
	e := newEnv(t, nil, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	})
	ctx := as(alice)
	e.do(ctx, "GET", "/beta/task-status/t1")
	e.clk.Advance(cache.DefaultPolicy()[cache.Volatile].Fresh + time.Second)
	body = `{"id":"t1","completionStatus":"SUCCESS"}`
	if r := e.do(ctx, "GET", "/beta/task-status/t1"); r.header.Get(HeaderCache) != "miss" || r.body != body {
		t.Fatalf("pending task after its seconds: %s %q; want the new state", r.header.Get(HeaderCache), r.body)
	}
	e.clk.Advance(12 * time.Hour)
	if r := e.do(ctx, "GET", "/beta/task-status/t1"); r.header.Get(HeaderCache) != "hit" {
		t.Fatalf("completed task after 12h: %s, want hit", r.header.Get(HeaderCache))
	}
}

// A stored answer's body names it (isc.Identified), for what is decoded
// from it: the same name for every serve of one stored answer, another
// once it is stored again; a stale serve has no name (it is not the
// stored answer of now), nor an answer that passed the cache (a
// request without a principal).
func TestStoredAnswersAreNamed(t *testing.T) {
	e := newEnv(t, nil, echo)
	ctx := as(alice)
	const path = "/beta/historical-identities/i1"
	name := func(ctx context.Context, path string) (string, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(optest.WithCall(ctx, http.MethodGet, path), http.MethodGet, e.up.srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := e.tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if id, ok := resp.Body.(isc.Identified); ok {
			return id.CacheIdentity(), resp.Header.Get(HeaderCache)
		}
		return "", resp.Header.Get(HeaderCache)
	}
	first, miss := name(ctx, path)
	again, hit := name(ctx, path)
	if first == "" || again != first || miss != "miss" || hit != "hit" {
		t.Fatalf("stored answer named %q (%s), then %q (%s)", first, miss, again, hit)
	}
	life := cache.DefaultPolicy()[cache.Slow]
	e.clk.Advance(life.Fresh + life.Revalidate + time.Minute)
	e.up.setAnswer(status(503))
	if stale, how := name(ctx, path); stale != "" || how != "stale" {
		t.Fatalf("a stale serve (%s) is named %q", how, stale)
	}
	e.up.setAnswer(echo)
	if renewed, how := name(ctx, path); renewed == "" || renewed == first || how != "miss" {
		t.Fatalf("stored again (%s): named %q, first %q", how, renewed, first)
	}
	if passed, how := name(context.Background(), path); passed != "" || how != "" {
		t.Fatalf("an answer that passed the cache (%s) is named %q", how, passed)
	}
}

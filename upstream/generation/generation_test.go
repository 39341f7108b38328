package generation_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sailgraph/sailgraph/internal/clocktest"
	"github.com/sailgraph/sailgraph/internal/logtest"
	"github.com/sailgraph/sailgraph/internal/spectest"
	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/generation"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
	"github.com/sailgraph/sailgraph/upstream/principal"
	"github.com/sailgraph/sailgraph/upstream/transport"
)

// tenant is a simulated tenant on loopback, behind a switch that can hide
// some of its paths (answering as the tenant does for a path it does not
// serve), and the gateway's transport chain to it, every exchange but the
// method probes held to the spec.
type tenant struct {
	*simtenant.Tenant
	url    string
	hc     *http.Client // the chain (token, budget, retries), no cache
	clock  *clocktest.Clock
	logs   *logtest.Buffer
	hidden atomic.Pointer[[]string] // path prefixes answered 404

	mu    sync.Mutex
	auths []string // the Authorization of each API request
	paths []string // "METHOD /path" of each API request
}

// asked counts the API requests to "METHOD /path".
func (tn *tenant) asked(what string) int {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	n := 0
	for _, p := range tn.paths {
		if p == what {
			n++
		}
	}
	return n
}

func startTenant(t *testing.T, gens simtenant.Generations) *tenant {
	t.Helper()
	tn := &tenant{
		Tenant: simtenant.New(simtenant.Options{Seed: 2, Identities: 20, RateLimit: -1, Generations: gens}),
		clock:  clocktest.New(time.Now()),
		logs:   &logtest.Buffer{},
	}
	tn.hidden.Store(&[]string{})
	h := tn.Tenant.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth/token" {
			tn.mu.Lock()
			tn.auths = append(tn.auths, r.Header.Get("Authorization"))
			tn.paths = append(tn.paths, r.Method+" "+r.URL.Path)
			tn.mu.Unlock()
		}
		for _, p := range *tn.hidden.Load() {
			if strings.HasPrefix(r.URL.Path, p) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				io.WriteString(w, `{"detailCode":"404 Not found","trackingId":"x","messages":[{"locale":"en-US","localeOrigin":"DEFAULT","text":"The server did not find a current representation for the target resource: `+r.URL.Path+`"}]}`)
				return
			}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	tn.url = srv.URL
	spec := spectest.NewTransport(t, srv.Client().Transport)
	base := roundTripper(func(r *http.Request) (*http.Response, error) {
		if generation.IsProbe(r) {
			return srv.Client().Transport.RoundTrip(r)
		}
		return spec.RoundTrip(r)
	})
	id, secret := tn.ClientID()
	tn.hc = &http.Client{Transport: transport.New(transport.Config{
		Base:        base,
		Principal:   principal.ForClient("sim", id),
		Credentials: &clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader},
		Retry:       transport.RetryPolicy{MaxAttempts: 1},
	})}
	return tn
}

// hide makes the tenant answer 404 under each prefix, as for a path it
// does not serve.
func (tn *tenant) hide(prefixes ...string) { tn.hidden.Store(&prefixes) }

func (tn *tenant) chooser(fixed map[op.Family]op.Generation) *generation.Chooser {
	return generation.New(generation.Options{
		Fixed:  fixed,
		Prober: generation.NewProber(tn.url, tn.hc),
		Logger: slog.New(slog.NewJSONHandler(tn.logs, nil)),
		Now:    tn.clock.Now,
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// choices waits for the first detection of every family and returns
// what was chosen, by family name.
func choices(t *testing.T, c *generation.Chooser) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range op.Families() {
		g, err := c.GenerationFor(t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		out[f.String()] = g.String()
	}
	return out
}

func all(gen string) map[string]string {
	return map[string]string{"history": gen, "tasks": gen, "reports": gen, "rolemining": gen}
}

func sameChoices(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Auto picks v1 for a tenant that serves it, and legacy for one that does
// not, per family: with both generations on, with either switched off,
// and with one family's v1 API missing. Each family is logged once.
func TestAutoPicksWhatTheTenantServes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		gens   simtenant.Generations
		hidden []string
		want   map[string]string
	}{
		{"both served", simtenant.GenAll, nil, all("v1")},
		{"v1 only", simtenant.GenV1, nil, all("v1")},
		{"legacy only", simtenant.GenLegacy, nil, all("legacy")},
		{"reports and role mining not yet on v1", simtenant.GenAll, []string{"/reports/v1/", "/role-mining-sessions/v1/"},
			map[string]string{"history": "v1", "tasks": "v1", "reports": "legacy", "rolemining": "legacy"}},
		{"history not yet on v1", simtenant.GenAll, []string{"/historical-identities/v1"},
			map[string]string{"history": "legacy", "tasks": "v1", "reports": "v1", "rolemining": "v1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tn := startTenant(t, tc.gens)
			tn.hide(tc.hidden...)
			c := tn.chooser(nil)
			c.Start(context.Background())
			if got := choices(t, c); !sameChoices(got, tc.want) {
				t.Fatalf("chose %v, want %v", got, tc.want)
			}
			for _, f := range op.Families() {
				if n := tn.logs.Count(`"msg":"upstream API generation chosen","family":"` + f.String() + `"`); n != 1 {
					t.Errorf("%s logged %d times:\n%s", f, n, tn.logs)
				}
			}
			// The method probes were answered 405 (v1 served) or 404,
			// never routed to an operation.
			st := tn.Stats()
			if tc.want["reports"] == "v1" && st.Unrouted[http.StatusMethodNotAllowed] != 2 {
				t.Errorf("unrouted %v, want the two method probes answered 405", st.Unrouted)
			}
			if len(st.Requests["getReportV1"])+len(st.Requests["cancelReportV1"])+len(st.Requests["exportRoleMiningPotentialRoleAsyncV1"]) != 0 {
				t.Errorf("a probe reached an operation: %v", st.Requests)
			}
		})
	}
}

// A fixed family is never probed; an automatic one next to it is.
func TestFixedFamiliesAreNotProbed(t *testing.T) {
	tn := startTenant(t, simtenant.GenAll)
	c := tn.chooser(map[op.Family]op.Generation{op.History: op.Legacy, op.Tasks: op.V1, op.Reports: op.Legacy})
	c.Start(context.Background())
	want := map[string]string{"history": "legacy", "tasks": "v1", "reports": "legacy", "rolemining": "v1"}
	if got := choices(t, c); !sameChoices(got, want) {
		t.Fatalf("chose %v, want %v", got, want)
	}
	generation.WaitProbes(c)
	st := tn.Stats()
	if len(st.Requests) != 0 || st.Unrouted[http.StatusMethodNotAllowed] != 1 {
		t.Fatalf("probes: %v, unrouted %v; want only role mining's", st.Requests, st.Unrouted)
	}
}

// A probe the tenant cannot answer (5xx, a refused token) keeps legacy and
// says so once; the family's first call after the retry time asks again
// (30 s, then twice as long each time), and a clear answer then switches.
// (The method probes of reports and role mining are answered by the
// tenant's router, before the part that fails.)
func TestUnsureProbesAreRetriedLater(t *testing.T) {
	tn := startTenant(t, simtenant.GenAll)
	tn.SetFailureRate(1)
	c := tn.chooser(nil)
	c.Start(context.Background())
	want := map[string]string{"history": "legacy", "tasks": "legacy", "reports": "v1", "rolemining": "v1"}
	if got := choices(t, c); !sameChoices(got, want) {
		t.Fatalf("chose %v while the tenant fails, want %v", got, want)
	}
	if n := tn.logs.Count("upstream API generation not detected"); n != 2 || !strings.Contains(tn.logs.String(), `answered 500`) {
		t.Fatalf("%d warnings:\n%s", n, tn.logs)
	}
	ctx := t.Context()
	probed := func() int { return tn.Stats().Total(500) }
	before := probed()
	tn.clock.Advance(29 * time.Second)
	c.GenerationFor(ctx, op.History)
	generation.WaitProbes(c)
	if probed() != before {
		t.Fatal("asked again before the retry time")
	}
	tn.clock.Advance(time.Second)
	c.GenerationFor(ctx, op.History)
	generation.WaitProbes(c)
	if probed() != before+1 {
		t.Fatalf("%d probes at the retry time, want 1", probed()-before)
	}
	// Unsure again: the next retry is 60 s later, and not logged again.
	tn.clock.Advance(59 * time.Second)
	c.GenerationFor(ctx, op.History)
	generation.WaitProbes(c)
	if probed() != before+1 || tn.logs.Count("upstream API generation not detected") != 2 {
		t.Fatalf("%d probes, logs:\n%s", probed()-before, tn.logs)
	}
	tn.SetFailureRate(0)
	tn.clock.Advance(time.Second)
	if g, _ := c.GenerationFor(ctx, op.History); g != op.Legacy {
		t.Fatal("the retry was waited for")
	}
	generation.WaitProbes(c)
	if g := c.Generation(op.History); g != op.V1 {
		t.Fatalf("history is %s after the tenant recovered", g)
	}
	if c.Generation(op.Tasks) != op.Legacy {
		t.Fatal("tasks changed without a call of its own")
	}
}

// Without credentials of its own (pass-through), a family is detected on
// its first call, with the caller's token, and that call waits for the
// answer; a call whose context ends first gets its error.
func TestFirstCallDetectsWithItsOwnToken(t *testing.T) {
	tn := startTenant(t, simtenant.GenV1)
	c := tn.chooser(nil)
	id, secret := tn.ClientID()
	cc := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: tn.url + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
	tok, err := cc.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	caller := principal.ForBearer("sim", tok.AccessToken)
	cancelled, cancel := context.WithCancel(principal.With(t.Context(), caller))
	cancel()
	if _, err := c.GenerationFor(cancelled, op.Tasks); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled caller: %v", err)
	}
	g, err := c.GenerationFor(principal.With(t.Context(), caller), op.Tasks)
	if err != nil || g != op.V1 {
		t.Fatalf("first call: %v %v", g, err)
	}
	tn.mu.Lock()
	defer tn.mu.Unlock()
	if len(tn.auths) != 1 || tn.auths[0] != "Bearer "+tok.AccessToken {
		t.Fatalf("the probe was sent with %v, want the caller's token once", tn.auths)
	}
	if c.Generation(op.History) != op.Legacy {
		t.Fatal("history was detected without a call")
	}
}

// A family on v1 whose API disappears (its calls answer 404 for the path)
// is asked again, and moves to legacy; a 404 for an unknown object asks
// nothing; the trigger fires at most once a minute.
func TestWholePathGoneRedetects(t *testing.T) {
	tn := startTenant(t, simtenant.GenAll)
	c := tn.chooser(nil)
	c.Start(context.Background())
	if got := choices(t, c); !sameChoices(got, all("v1")) {
		t.Fatalf("chose %v", got)
	}
	tasksClient := func() *isc.Client {
		cl, err := isc.New(tn.url, &http.Client{Transport: c.Layer(tn.hc.Transport)}, isc.WithGenerations(c))
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}()
	ctx := t.Context()
	get := func(id string) error {
		_, err := tasksClient.JSON(ctx, isc.Call{Op: op.GetTaskStatus, Params: []string{id}}, nil)
		return err
	}
	probes := func() int { return tn.asked("GET /task-status/v1") }
	before := probes()
	if err := get("00000000000000000000000000000000"); !errors.Is(err, isc.ErrNotFound) {
		t.Fatalf("unknown task: %v", err)
	}
	generation.WaitProbes(c)
	if probes() != before || c.Generation(op.Tasks) != op.V1 {
		t.Fatal("an unknown object's 404 started a probe")
	}

	tn.hide("/task-status/v1")
	if err := get("00000000000000000000000000000000"); !errors.Is(err, isc.ErrNotFound) {
		t.Fatalf("gone path: %v", err)
	}
	generation.WaitProbes(c)
	if c.Generation(op.Tasks) != op.Legacy {
		t.Fatal("tasks stayed on v1 after its path went away")
	}
	if !strings.Contains(tn.logs.String(), `"previous":"v1"`) || !strings.Contains(tn.logs.String(), "asking the tenant again") {
		t.Errorf("the change was not logged:\n%s", tn.logs)
	}
	if c.Generation(op.History) != op.V1 {
		t.Fatal("another family moved")
	}

	// Now v1 comes back and legacy goes: a whole-path 404 in legacy asks
	// again, but not within a minute of the last time.
	tn.hide("/beta/task-status")
	n := probes()
	if err := get("00000000000000000000000000000000"); !errors.Is(err, isc.ErrNotFound) {
		t.Fatal(err)
	}
	generation.WaitProbes(c)
	if probes() != n || c.Generation(op.Tasks) != op.Legacy {
		t.Fatalf("%d probes within a minute of the last, generation %s", probes()-n, c.Generation(op.Tasks))
	}
	tn.clock.Advance(time.Minute)
	if err := get("00000000000000000000000000000000"); !errors.Is(err, isc.ErrNotFound) {
		t.Fatal(err)
	}
	generation.WaitProbes(c)
	if c.Generation(op.Tasks) != op.V1 {
		t.Fatal("tasks did not come back to v1")
	}
}

// blocking is a Prober that answers when told.
type blocking struct {
	answer chan generation.Verdict
	calls  atomic.Int32
}

func (b *blocking) Probe(ctx context.Context, f op.Family) generation.Verdict {
	b.calls.Add(1)
	select {
	case v := <-b.answer:
		return v
	case <-ctx.Done():
		return generation.Verdict{Detail: ctx.Err().Error()}
	}
}

// Calls wait for their family's first answer; many callers make one
// probe; Generation never waits; Close waits for running probes.
func TestCallsWaitForTheFirstAnswer(t *testing.T) {
	b := &blocking{answer: make(chan generation.Verdict)}
	c := generation.New(generation.Options{Prober: b, Fixed: map[op.Family]op.Generation{op.History: op.V1, op.Tasks: op.V1, op.RoleMining: op.V1}})
	results := make(chan op.Generation, 8)
	for range 8 {
		go func() {
			g, _ := c.GenerationFor(t.Context(), op.Reports)
			results <- g
		}()
	}
	if g := c.Generation(op.Reports); g != op.Legacy {
		t.Fatalf("before any answer: %s", g)
	}
	select {
	case g := <-results:
		t.Fatalf("a call went on before the answer, in %s", g)
	default:
	}
	b.answer <- generation.Verdict{Sure: true, Gen: op.V1, Detail: "test"}
	for range 8 {
		if g := <-results; g != op.V1 {
			t.Fatalf("a call got %s", g)
		}
	}
	if n := b.calls.Load(); n != 1 {
		t.Fatalf("%d probes for 8 callers", n)
	}
	if g, err := c.GenerationFor(t.Context(), op.History); g != op.V1 || err != nil || b.calls.Load() != 1 {
		t.Fatal("a fixed family was probed")
	}
	c.Redetect(t.Context(), op.Reports, "test")
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if err := c.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close with a probe running: %v", err)
	}
	b.answer <- generation.Verdict{Sure: true, Gen: op.Legacy}
	if err := c.Close(t.Context()); err != nil || c.Generation(op.Reports) != op.Legacy {
		t.Fatalf("Close: %v, reports %s", err, c.Generation(op.Reports))
	}
	c.Redetect(t.Context(), op.Reports, "after close")
	if b.calls.Load() != 2 {
		t.Fatal("a probe started after Close")
	}
}

// Package faulttest runs the sailgraph binary as a fleet of real
// processes in front of one simulated tenant and one real Redis, under
// steady load, and breaks things: Redis is killed and restarted, then the
// tenant fails 30% of its calls, then all of them.
package faulttest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/sailgraph/sailgraph/internal/redistest"
	"github.com/sailgraph/sailgraph/simtenant"
)

// The fleet's configuration: the tenant's own rate limit and the budget
// it is given are the documented 100 per 10 s; slow data is fresh for 5 s
// (so that it goes stale within a phase) and kept an hour for
// stale-if-error; the breaker opens after the default 5 failures and stays
// open longer than the phase that measures it.
var fleetEnv = map[string]string{
	"SAILGRAPH_RATE_LIMIT":       "100/10s",
	"SAILGRAPH_CACHE_POLICY":     "slow=5s/0s/1h",
	"SAILGRAPH_BREAKER_FAILURES": "5",
	"SAILGRAPH_BREAKER_COOLOFF":  "40s",
	"SAILGRAPH_LOG_LEVEL":        "warn",
	"SAILGRAPH_UPSTREAM_TIMEOUT": "8s",
}

const replicas = 3

// TestFleetUnderFaults: three replicas and one Redis under steady load.
// Load is two kinds of query: "cached" asks for one of four identities
// the fleet has read before, "new" for an identity never asked for. It
// counts, per phase, the answers without data (none allowed for cached
// identities, whatever fails: the cache holds them), the tenant's 429s
// (none: the fleet spends one budget) and, once the tenant fails every
// call, the upstream calls per query while the breaker is open (none).
func TestFleetUnderFaults(t *testing.T) {
	bin := buildSailgraph(t)
	rdb := redistest.Start(t)
	tenant := startTenant(t)
	ids := tenant.identityIDs(t, 300)
	cached, fresh := ids[:4], ids[4:]

	fleet := make([]*replica, replicas)
	for i := range fleet {
		fleet[i] = startReplica(t, bin, i, tenant.url, rdb.URL())
	}
	for _, r := range fleet {
		for _, id := range cached {
			if a := r.identity(id); !a.data {
				t.Fatalf("warming replica %d: %s", r.n, a)
			}
		}
	}

	// Phase 1: Redis is killed, then comes back empty.
	ld := startLoad(tenant, fleet, cached, fresh, "redis killed")
	defer ld.stop()
	rdb.Stop()
	ld.run(5 * time.Second)
	ld.phase("redis restarted")
	rdb.Restart()
	ld.run(5 * time.Second)

	// Phase 2: the tenant fails 30% of its calls.
	ld.phase("tenant fails 30%")
	tenant.SetFailureRate(0.3)
	ld.run(6 * time.Second)

	// Phase 3: the tenant fails every call. Once every replica refuses
	// new identities with the breaker's wait, and the retries already
	// under way have ended, no call may reach the tenant.
	ld.phase("tenant fails 100%")
	tenant.SetFailureRate(1)
	for _, r := range fleet {
		r.waitBreakerOpen(t, fresh)
	}
	ld.run(2 * time.Second)
	ld.phase("breaker open")
	ld.run(6 * time.Second)
	ld.stop()

	tenant.SetFailureRate(0)
	var report strings.Builder
	for _, p := range ld.phases {
		fmt.Fprintf(&report, "\n  %-18s %s", p.name, p)
	}
	sent429 := tenant.Stats().Sent429
	t.Logf("%d replicas, one Redis, %d cached and %d new identities:%s\n  upstream 429s: %d", replicas, len(cached), len(fresh), report.String(), sent429)

	for _, p := range ld.phases {
		if n := p.cachedNoData.Load(); n != 0 {
			t.Errorf("%s: %d answers for cached identities without data (%s)", p.name, n, p.sampleError())
		}
		if p.cachedQueries.Load() == 0 {
			t.Errorf("%s: no load ran", p.name)
		}
	}
	if sent429 != 0 {
		t.Errorf("the tenant answered 429 %d times", sent429)
	}
	open := ld.phases[len(ld.phases)-1]
	if open.upstream != 0 {
		t.Errorf("breaker open: %d upstream calls for %d queries", open.upstream, open.queries())
	}
	if open.stale.Load() == 0 {
		t.Errorf("breaker open: no cached answer was marked stale")
	}
	if open.freshQueries.Load() == 0 || open.freshNoData.Load() != open.freshQueries.Load() {
		t.Errorf("breaker open: %d of %d new identities answered without data, want all", open.freshNoData.Load(), open.freshQueries.Load())
	}
	for _, r := range fleet {
		r.shutdown(t)
	}
}

// buildSailgraph builds the command into the test's temporary folder.
func buildSailgraph(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build sailgraph: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "sailgraph")
	cmd := exec.Command(goBin, "build", "-o", bin, "github.com/sailgraph/sailgraph")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// tenant is the simulated tenant, served by the test. Its own Stats count
// the API calls that reach it and its 429s.
type tenant struct {
	*simtenant.Tenant
	url string
}

func startTenant(t *testing.T) *tenant {
	tn := &tenant{Tenant: simtenant.New(simtenant.Options{Seed: 3, Identities: 300})}
	srv := httptest.NewServer(tn.Handler())
	t.Cleanup(srv.Close)
	tn.url = srv.URL
	return tn
}

// calls is the number of API calls (the token endpoint aside) the tenant
// has answered, whatever the answer.
func (tn *tenant) calls() int64 {
	st := tn.Stats()
	n := 0
	for _, byStatus := range st.Requests {
		for _, c := range byStatus {
			n += c
		}
	}
	for _, c := range st.Unrouted {
		n += c
	}
	return int64(n)
}

// identityIDs reads n identity ids straight from the tenant.
func (tn *tenant) identityIDs(t *testing.T, n int) []string {
	t.Helper()
	cc := clientcredentials.Config{ClientID: simtenant.DefaultClientID, ClientSecret: simtenant.DefaultClientSecret, TokenURL: tn.url + "/oauth/token"}
	hc := cc.Client(t.Context())
	var ids []string
	for off := 0; len(ids) < n; off += 250 {
		resp, err := hc.Get(fmt.Sprintf("%s/beta/historical-identities?limit=250&offset=%d", tn.url, off))
		if err != nil {
			t.Fatal(err)
		}
		var page []struct{ ID string }
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || len(page) == 0 {
			t.Fatalf("identities at %d: %v", off, err)
		}
		for _, p := range page {
			ids = append(ids, p.ID)
		}
	}
	return ids[:n]
}

// replica is one sailgraph process.
type replica struct {
	n    int
	base string
	cmd  *exec.Cmd
	done chan error
	log  string
	hc   *http.Client
}

func startReplica(t *testing.T, bin string, n int, tenantURL, redisURL string) *replica {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r := &replica{n: n, base: "http://" + addr, done: make(chan error, 1), log: filepath.Join(t.TempDir(), "replica.log"), hc: &http.Client{Timeout: 20 * time.Second}}
	logf, err := os.Create(r.log)
	if err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"SAILGRAPH_ADDR=" + addr,
		"SAILGRAPH_TENANT_URL=" + tenantURL,
		"SAILGRAPH_CLIENT_ID=" + simtenant.DefaultClientID,
		"SAILGRAPH_CLIENT_SECRET=" + simtenant.DefaultClientSecret,
		"SAILGRAPH_REDIS_URL=" + redisURL,
	}
	for k, v := range fleetEnv {
		env = append(env, k+"="+v)
	}
	r.cmd = exec.Command(bin)
	r.cmd.Env = env
	r.cmd.Stdout, r.cmd.Stderr = logf, logf
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- r.cmd.Wait(); logf.Close() }()
	t.Cleanup(func() {
		if r.cmd.ProcessState == nil {
			_ = r.cmd.Process.Kill()
			<-r.done
		}
		if t.Failed() {
			t.Logf("replica %d log (last lines):\n%s", n, tail(r.log, 25))
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := r.hc.Get(r.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return r
			}
		}
		select {
		case err := <-r.done:
			t.Fatalf("replica %d exited: %v\n%s", n, err, tail(r.log, 25))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica %d not ready: %v\n%s", n, err, tail(r.log, 25))
		}
	}
}

// shutdown stops the replica as an orchestrator would, and expects a clean
// exit.
func (r *replica) shutdown(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("replica %d: %v", r.n, err)
		return
	}
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("replica %d exited with %v", r.n, err)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("replica %d did not stop", r.n)
	}
}

// answer is what one query got.
type answer struct {
	data  bool
	stale bool
	codes []string
	retry bool // an UPSTREAM_UNAVAILABLE error with the breaker's wait
	err   error
}

func (a answer) String() string {
	if a.err != nil {
		return a.err.Error()
	}
	return fmt.Sprintf("data %v, stale %v, errors %v", a.data, a.stale, a.codes)
}

// identity asks the replica for one identity.
func (r *replica) identity(id string) answer {
	body, _ := json.Marshal(map[string]any{"query": `query($id: ID!) { identity(id: $id) { id displayName } }`, "variables": map[string]any{"id": id}})
	resp, err := r.hc.Post(r.base+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			Identity *struct{ ID string }
		}
		Errors []struct {
			Extensions map[string]any
		}
		Extensions struct {
			Stale []any
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return answer{err: fmt.Errorf("status %d: %w", resp.StatusCode, err)}
	}
	a := answer{data: out.Data.Identity != nil && out.Data.Identity.ID == id && len(out.Errors) == 0, stale: len(out.Extensions.Stale) > 0}
	for _, e := range out.Errors {
		code, _ := e.Extensions["code"].(string)
		a.codes = append(a.codes, code)
		if _, ok := e.Extensions["retryAfterSeconds"]; ok && code == "UPSTREAM_UNAVAILABLE" {
			a.retry = true
		}
	}
	return a
}

// waitBreakerOpen asks the replica for new identities until it refuses
// one with the breaker's wait.
func (r *replica) waitBreakerOpen(t *testing.T, ids []string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		if a := r.identity(ids[len(ids)-1-i%50]); a.retry {
			return
		}
	}
	t.Fatalf("replica %d: the breaker did not open", r.n)
}

// phase counts what the load saw while it lasted.
type phase struct {
	name                        string
	cachedQueries, cachedNoData atomic.Int64
	freshQueries, freshNoData   atomic.Int64
	stale                       atomic.Int64
	upstream                    int64 // calls that reached the tenant
	mu                          sync.Mutex
	firstError                  string
}

func (p *phase) queries() int64 { return p.cachedQueries.Load() + p.freshQueries.Load() }

func (p *phase) String() string {
	q := p.queries()
	perQuery := 0.0
	if q > 0 {
		perQuery = float64(p.upstream) / float64(q)
	}
	return fmt.Sprintf("cached: %d queries, %d without data, %d stale; new: %d queries, %d without data; upstream calls %d (%.2f per query)",
		p.cachedQueries.Load(), p.cachedNoData.Load(), p.stale.Load(), p.freshQueries.Load(), p.freshNoData.Load(), p.upstream, perQuery)
}

func (p *phase) sampleError() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.firstError
}

// load is the steady load: three workers asking cached identities every
// 100 ms and two asking a new identity every 700 ms, each query at the
// next replica in turn.
type load struct {
	tenant *tenant
	cancel context.CancelFunc
	wg     sync.WaitGroup
	cur    atomic.Pointer[phase]
	phases []*phase
	mark   int64
	next   atomic.Int64
}

func startLoad(tn *tenant, fleet []*replica, cached, fresh []string, first string) *load {
	ctx, cancel := context.WithCancel(context.Background())
	ld := &load{tenant: tn, cancel: cancel}
	ld.phase(first)
	var freshNext atomic.Int64
	worker := func(every time.Duration, ask func() (string, bool)) {
		defer ld.wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			id, isCached := ask()
			r := fleet[int(ld.next.Add(1))%len(fleet)]
			a := r.identity(id)
			p := ld.cur.Load()
			switch {
			case ctx.Err() != nil:
				return
			case isCached:
				p.cachedQueries.Add(1)
				if !a.data {
					p.cachedNoData.Add(1)
					p.mu.Lock()
					if p.firstError == "" {
						p.firstError = fmt.Sprintf("replica %d, %s: %s", r.n, id, a)
					}
					p.mu.Unlock()
				}
				if a.stale {
					p.stale.Add(1)
				}
			default:
				p.freshQueries.Add(1)
				if !a.data {
					p.freshNoData.Add(1)
				}
			}
		}
	}
	var cachedNext atomic.Int64
	for range 3 {
		ld.wg.Add(1)
		go worker(100*time.Millisecond, func() (string, bool) { return cached[int(cachedNext.Add(1))%len(cached)], true })
	}
	for range 2 {
		ld.wg.Add(1)
		go worker(700*time.Millisecond, func() (string, bool) { return fresh[int(freshNext.Add(1))%len(fresh)], false })
	}
	return ld
}

// phase starts counting a new phase; the previous one ends.
func (ld *load) phase(name string) {
	now := ld.tenant.calls()
	if len(ld.phases) > 0 {
		ld.phases[len(ld.phases)-1].upstream = now - ld.mark
	}
	ld.mark = now
	p := &phase{name: name}
	ld.phases = append(ld.phases, p)
	ld.cur.Store(p)
}

// run lets the load run for d: the load is the test's subject, not a wait
// for something to happen.
func (ld *load) run(d time.Duration) { time.Sleep(d) }

// stop ends the load and the last phase.
func (ld *load) stop() {
	if ld.cancel == nil {
		return
	}
	ld.cancel()
	ld.wg.Wait()
	ld.cancel = nil
	ld.phase("")
	ld.phases = ld.phases[:len(ld.phases)-1]
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

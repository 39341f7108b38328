// Command pagebench measures the gateway on its users' main job, an
// identity page, from outside over loopback HTTP, against a baseline in
// the same run:
//
//	go run ./bench/pagebench -mode cached   # the same page again and again, against a bare net/http handler writing the same bytes
//	go run ./bench/pagebench -mode cold     # a new identity each request, the tenant 40 ms away
//
// The gateway is built by gateway.New with the default configuration,
// apart from the tenant's address and credentials (and -redis). The cold
// mode runs it twice: on the defaults, one page at a time within the
// documented tenant budget (100 calls per 10 s); then, since the simulated
// tenant here has no rate limit, with the budget lifted, several workers
// at once. It prints requests per second, latency percentiles, the ratio
// to the baseline and the tenant's calls per page.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/gateway"
	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/simtenant"
)

// page is the identity page.
const page = `query Page($id: ID!) { identity(id: $id) { id displayName snapshotDate accessItemCounts { type count }
  snapshots(first: 250) { nodes { date } }
  accessItems(type: ROLE, first: 250) { nodes { id accessType displayName } }
  events(first: 250) { nodes { eventType dateTime } } } }`

func main() {
	mode := flag.String("mode", "cached", "cached or cold")
	workers := flag.Int("workers", 0, "concurrent clients (default 16 cached, 4 cold)")
	dur := flag.Duration("duration", 5*time.Second, "how long each measurement runs")
	latency := flag.Duration("latency", 0, "latency the simulated tenant adds (default 0 cached, 40ms cold)")
	redisURL := flag.String("redis", "", "SAILGRAPH_REDIS_URL for the gateway (default: in memory)")
	rounds := flag.Int("rounds", 2, "cached mode: alternate rounds of baseline and gateway")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (gateway, tenant and clients) to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	if *workers == 0 {
		*workers = map[string]int{"cached": 16, "cold": 4}[*mode]
	}
	if *latency == 0 && *mode == "cold" {
		*latency = 40 * time.Millisecond
	}
	tn := simtenant.New(simtenant.Options{Seed: 1, Identities: 2000, RateLimit: -1, Latency: *latency})
	tenantURL := serve(tn.Handler())
	id, secret := tn.ClientID()
	// The gateway runs on its defaults, apart from the tenant's address and
	// credentials (and -redis).
	gwURL, closeGW := startGateway(tenantURL, id, secret, *redisURL, false)
	defer closeGW()
	ids := identityIDs(gwURL, 1000)

	switch *mode {
	case "cached":
		body := request(ids[0])
		want, status := post(http.DefaultClient, gwURL, body)
		if status != http.StatusOK || !bytes.Contains(want, []byte(`"displayName"`)) || bytes.Contains(want, []byte(`"errors"`)) {
			log.Fatalf("the page failed: %d %s", status, want)
		}
		bare := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", strconv.Itoa(len(want)))
			_, _ = w.Write(want)
		}))
		fmt.Printf("identity page, cached: %d bytes, %d workers, %s per round, %d rounds\n", len(want), *workers, *dur, *rounds)
		var b, g []result
		for range *rounds {
			b = append(b, load(bare, *workers, *dur, func(int) []byte { return body }, want))
			g = append(g, load(gwURL, *workers, *dur, func(int) []byte { return body }, want))
		}
		bb, gg := best(b), best(g)
		fmt.Printf("%-34s %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms\n", "bare net/http, same bytes", bb.rate, ms(bb.p50), ms(bb.p99))
		fmt.Printf("%-34s %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms\n", "sailgraph ("+storeName(*redisURL)+")", gg.rate, ms(gg.p50), ms(gg.p99))
		fmt.Printf("ratio sailgraph / bare: %.2f\n", gg.rate/bb.rate)
	case "cold":
		// The simulated tenant builds an identity's history the first time
		// it is asked for it, which a real tenant does not: build them all
		// first, so that the 40 ms is the tenant's whole answer time.
		warm(tenantURL, id, secret, ids)
		tn.ResetStats()
		// Each request a new identity, never one asked before (ids[0] is
		// left for nothing): a page nothing has cached.
		n := atomic.Int64{}
		next := func(int) []byte {
			i := int(n.Add(1))
			if i >= len(ids) {
				return nil // out of identities: the run ends early
			}
			return request(ids[i])
		}
		fmt.Printf("identity page, cold (a new identity each request): tenant latency %s\n", *latency)
		// The defaults hold the gateway to the documented tenant budget of
		// 100 calls per 10 s (a steady 8.7 calls/s and a burst of 9): pages
		// one after another would wait for the budget, not the tenant. A
		// page every 500 ms (8 calls/s) is within it, like people opening
		// pages.
		r := paced(gwURL, 500*time.Millisecond, *dur, next)
		report(tn, "sailgraph, default configuration, 2 pages/s", r)
		// The simulated tenant here has no rate limit: told so (the budget
		// and the caller's fair share lifted), the gateway shows what it
		// does under load, 4 workers at once.
		liftedURL, closeLifted := startGateway(tenantURL, id, secret, *redisURL, true)
		defer closeLifted()
		r = load(liftedURL, *workers, *dur, next, nil)
		report(tn, fmt.Sprintf("sailgraph, budget lifted, %d workers", *workers), r)
	default:
		log.Fatalf("unknown -mode %q", *mode)
	}
}

// startGateway starts a gateway built by gateway.New on the default
// configuration, apart from the tenant's address and credentials, the
// Redis URL and, when lift is set, the tenant budget and the caller's fair
// share (for a tenant with no rate limit). It returns the GraphQL URL.
func startGateway(tenantURL, id, secret, redisURL string, lift bool) (string, func()) {
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		log.Fatal(err)
	}
	cfg.TenantURL, cfg.ClientID, cfg.ClientSecret, cfg.Addr, cfg.RedisURL = tenantURL, id, secret, "127.0.0.1:0", redisURL
	if lift {
		cfg.RateLimit = ratelimit.Rate{N: 1_000_000, Per: 10 * time.Second}
		cfg.KeyCost = ratelimit.Rate{N: 6_000_000, Per: time.Minute}
	}
	gw, err := gateway.New(context.Background(), cfg, gateway.WithLogger(gateway.NewLogger(io.Discard, cfg.LogLevel)))
	if err != nil {
		log.Fatal(err)
	}
	return serve(gw.Handler()) + "/graphql", func() { gw.Close(context.Background()) }
}

// report prints a cold run's figures and the tenant's calls per page, and
// resets the tenant's counts.
func report(tn *simtenant.Tenant, name string, r result) {
	st := tn.Stats()
	tn.ResetStats()
	fmt.Printf("%-44s %7.1f req/s  p50 %6.2f ms  p99 %6.2f ms  (%d pages)\n", name, r.rate, ms(r.p50), ms(r.p99), r.n)
	var names []string
	for op := range st.Requests {
		names = append(names, op)
	}
	sort.Strings(names)
	for _, op := range names {
		total := 0
		for _, c := range st.Requests[op] {
			total += c
		}
		fmt.Printf("  upstream %-34s %6d calls, %.2f per page\n", op, total, float64(total)/float64(max(r.n, 1)))
	}
}

func storeName(redisURL string) string {
	if redisURL != "" {
		return "Redis"
	}
	return "in memory"
}

func request(id string) []byte {
	b, _ := json.Marshal(map[string]any{"query": page, "operationName": "Page", "variables": map[string]any{"id": id}})
	return b
}

type result struct {
	rate     float64
	p50, p99 time.Duration
	n        int
}

func best(rs []result) result {
	return slices.MaxFunc(rs, func(a, b result) int {
		switch {
		case a.rate < b.rate:
			return -1
		case a.rate > b.rate:
			return 1
		}
		return 0
	})
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// load sends requests from workers clients for d, each waiting for its
// answer before the next; want, when set, must be every answer's body.
func load(url string, workers int, d time.Duration, body func(worker int) []byte, want []byte) result {
	tr := &http.Transport{MaxIdleConnsPerHost: workers, MaxIdleConns: workers, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var (
		mu  sync.Mutex
		lat []time.Duration
		wg  sync.WaitGroup
	)
	stop := time.Now().Add(d)
	for w := range workers {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(stop) {
				b := body(w)
				if b == nil {
					break
				}
				start := time.Now()
				got, status := post(client, url, b)
				if status != http.StatusOK || (want != nil && !bytes.Equal(got, want)) {
					log.Fatalf("bad answer %d: %.200s", status, got)
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(lat)
	if len(lat) == 0 {
		return result{}
	}
	took := min(d, time.Since(stop.Add(-d)))
	return result{rate: float64(len(lat)) / took.Seconds(), p50: lat[len(lat)/2], p99: lat[len(lat)*99/100], n: len(lat)}
}

// paced sends a request every interval for d, each waiting for its
// answer, and measures them.
func paced(url string, interval, d time.Duration, body func(worker int) []byte) result {
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var lat []time.Duration
	start := time.Now()
	for i := 0; time.Duration(i)*interval < d; i++ {
		time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		b := body(0)
		if b == nil {
			break
		}
		t := time.Now()
		got, status := post(client, url, b)
		if status != http.StatusOK {
			log.Fatalf("bad answer %d: %.200s", status, got)
		}
		lat = append(lat, time.Since(t))
	}
	slices.Sort(lat)
	if len(lat) == 0 {
		return result{}
	}
	return result{rate: float64(len(lat)) / d.Seconds(), p50: lat[len(lat)/2], p99: lat[len(lat)*99/100], n: len(lat)}
}

func post(c *http.Client, url string, body []byte) ([]byte, int) {
	resp, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		log.Fatal(err)
	}
	return b, resp.StatusCode
}

func identityIDs(gwURL string, n int) []string {
	b, _ := json.Marshal(map[string]any{"query": fmt.Sprintf(`{ identities(first: %d) { nodes { id } } }`, n)})
	raw, status := post(http.DefaultClient, gwURL, b)
	var out struct {
		Data struct {
			Identities struct{ Nodes []struct{ ID string } }
		}
	}
	if err := json.Unmarshal(raw, &out); err != nil || status != http.StatusOK || len(out.Data.Identities.Nodes) < 2 {
		log.Fatalf("identities: %d %s", status, raw)
	}
	ids := make([]string, len(out.Data.Identities.Nodes))
	for i, n := range out.Data.Identities.Nodes {
		ids[i] = n.ID
	}
	return ids
}

// warm asks the tenant directly for every identity's history once.
func warm(tenantURL, id, secret string, ids []string) {
	cc := &clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: tenantURL + "/oauth/token"}
	client := cc.Client(context.Background())
	var wg sync.WaitGroup
	work := make(chan string)
	for range 16 {
		wg.Go(func() {
			for id := range work {
				resp, err := client.Get(tenantURL + "/beta/historical-identities/" + id + "/events?limit=1")
				if err != nil {
					log.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
}

// serve serves h on a loopback port and returns its root URL.
func serve(h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Print(err)
		}
	}()
	return "http://" + ln.Addr().String()
}

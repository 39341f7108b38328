// Package redistest starts real redis-server processes for tests: a single
// node, or a small Redis Cluster. Nothing here is a mock; the tests talk to
// the same server binary production uses.
//
// A test that needs Redis calls Start (or StartCluster). When redis-server is
// not installed the test fails under CI (CI=true) and is skipped elsewhere
// with a message saying how to install it; skipreport counts it, so a
// package whose TestMain calls skipreport.Main says so without -v.
package redistest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sailgraph/sailgraph/internal/skipreport"
)

// Server is one redis-server process bound to 127.0.0.1.
type Server struct {
	t    testing.TB
	dir  string
	port int
	args []string

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Addr is host:port of the server.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// URL is a redis:// URL for the server, as SAILGRAPH_REDIS_URL takes it.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Client returns a new client for the server, closed when the test ends.
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	s.t.Cleanup(func() { _ = c.Close() })
	return c
}

// Require ends t (skipped, or failed under CI) when redis-server is not
// installed. A test that starts a server on another test's behalf (a
// shared server on the parent test, started from a subtest) calls it with
// its own t first: skipping belongs to the test that is running.
func Require(t testing.TB) {
	t.Helper()
	redisServerPath(t)
}

func redisServerPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("redis-server")
	if err != nil {
		skipreport.Note(t, "redis-server not found (apt-get install -y redis-server)")
	}
	return p
}

// freePort asks the kernel for a free loopback port. Redis Cluster also
// uses port+10000 for its bus, so for cluster nodes that port must be free
// as well.
func freePort(t testing.TB, withBus bool) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("redistest: listen: %v", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if !withBus {
			return port
		}
		if port+10000 > 65535 {
			continue
		}
		bl, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+10000)))
		if err != nil {
			continue
		}
		_ = bl.Close()
		return port
	}
	t.Fatal("redistest: no free port")
	return 0
}

// Start runs a single redis-server for the test and stops it at cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	s := newServer(t, false)
	s.start()
	t.Cleanup(s.Stop)
	return s
}

func newServer(t testing.TB, cluster bool, extra ...string) *Server {
	bin := redisServerPath(t)
	dir := t.TempDir()
	port := freePort(t, cluster)
	args := []string{
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", dir,
		"--protected-mode", "no",
	}
	args = append(args, extra...)
	return &Server{t: t, dir: dir, port: port, args: append([]string{bin}, args...)}
}

func (s *Server) start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	cmd := exec.Command(s.args[0], s.args[1:]...)
	logf, err := os.Create(filepath.Join(s.dir, "redis.log"))
	if err != nil {
		s.t.Fatalf("redistest: %v", err)
	}
	cmd.Stdout = logf
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("redistest: start redis-server: %v", err)
	}
	s.cmd = cmd
	go func() { _ = cmd.Wait(); _ = logf.Close() }()
	if err := waitPing(s.Addr(), 10*time.Second); err != nil {
		s.t.Fatalf("redistest: redis-server on %s did not answer: %v", s.Addr(), err)
	}
}

func waitPing(addr string, within time.Duration) error {
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(within)
	var err error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		err = c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// Stop kills the server (as a crash would: no shutdown handshake). It is
// safe to call more than once; Restart brings it back on the same port.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", s.Addr(), 50*time.Millisecond)
		if err != nil {
			break
		}
		_ = c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	s.cmd = nil
}

// Restart starts a stopped server again on the same port (with no data).
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}

// Cluster is a Redis Cluster of n master nodes on loopback.
type Cluster struct {
	Nodes []*Server
}

// Addrs lists the nodes' host:port, as redis.UniversalOptions.Addrs takes them.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.Addr()
	}
	return out
}

// URL is a redis:// URL naming every node, in the form sailgraph's config
// accepts for a cluster: redis://host1:port1,host2:port2,...
func (c *Cluster) URL() string {
	return "redis://" + strings.Join(c.Addrs(), ",")
}

// Client returns a cluster client, closed when the test ends.
func (c *Cluster) Client(t testing.TB) *redis.ClusterClient {
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
	t.Cleanup(func() { _ = cc.Close() })
	return cc
}

// StartCluster starts n (at least 3) masters, assigns the 16384 slots among
// them with CLUSTER ADDSLOTSRANGE, joins them with CLUSTER MEET and waits
// until every node reports cluster_state:ok.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	if n < 3 {
		t.Fatalf("redistest: a cluster needs at least 3 nodes, not %d", n)
	}
	cl := &Cluster{}
	for range n {
		s := newServer(t, true,
			"--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "2000",
		)
		s.start()
		t.Cleanup(s.Stop)
		cl.Nodes = append(cl.Nodes, s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	per := 16384 / n
	for i, s := range cl.Nodes {
		c := redis.NewClient(&redis.Options{Addr: s.Addr()})
		lo, hi := i*per, (i+1)*per-1
		if i == n-1 {
			hi = 16383
		}
		if err := c.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", lo, hi).Err(); err != nil {
			t.Fatalf("redistest: ADDSLOTSRANGE on %s: %v", s.Addr(), err)
		}
		if i > 0 {
			if err := c.Do(ctx, "CLUSTER", "MEET", "127.0.0.1", cl.Nodes[0].port).Err(); err != nil {
				t.Fatalf("redistest: CLUSTER MEET: %v", err)
			}
		}
		_ = c.Close()
	}
	for _, s := range cl.Nodes {
		c := redis.NewClient(&redis.Options{Addr: s.Addr()})
		for {
			info, err := c.Do(ctx, "CLUSTER", "INFO").Text()
			if err == nil && clusterOK(info, n) {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("redistest: cluster did not converge: %v\n%s", err, info)
			case <-time.After(50 * time.Millisecond):
			}
		}
		_ = c.Close()
	}
	return cl
}

func clusterOK(info string, n int) bool {
	sc := bufio.NewScanner(strings.NewReader(info))
	ok, known := false, false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "cluster_state:ok":
			ok = true
		case line == fmt.Sprintf("cluster_known_nodes:%d", n):
			known = true
		}
	}
	return ok && known
}

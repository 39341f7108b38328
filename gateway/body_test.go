package gateway_test

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
)

// A body that drips in is cut at the read timeout with 408 and a code,
// and its connection closed: it cannot hold a connection and a goroutine
// indefinitely. The probe's reproduction: Content-Length 100000, one byte
// at a time.
func TestSlowBodyIsCut(t *testing.T) {
	g := gatewaytest.New(t, gatewaytest.Options{Config: func(c *config.Config) { c.ReadTimeout = 500 * time.Millisecond }})
	for _, path := range []string{"/graphql", "/beta/task-status/abc"} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(g.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		method := "POST"
		if path != "/graphql" {
			method = "PATCH"
		}
		if _, err := conn.Write([]byte(method + " " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { // keep dripping until the gateway answers
			defer close(done)
			for range 40 {
				time.Sleep(100 * time.Millisecond)
				if _, err := conn.Write([]byte(" ")); err != nil {
					return
				}
			}
		}()
		_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%s: no answer: %v", path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestTimeout || !resp.Close {
			t.Fatalf("%s: %d (close %v), want 408 and the connection closed", path, resp.StatusCode, resp.Close)
		}
		<-done
	}
	if n := g.Calls.Total(); n != 0 {
		t.Fatalf("%d upstream calls", n)
	}
}

// A body over the cap is 413 with a code before anything reads it.
func TestOversizedBodyIsRefused(t *testing.T) {
	g := gatewaytest.New(t, gatewaytest.Options{})
	req, _ := http.NewRequest(http.MethodPost, g.URL+"/graphql", strings.NewReader(`{"query":"`+strings.Repeat("a", 2<<20)+`"}`))
	req.Header.Set("Content-Type", "application/json")
	r := g.Do(req)
	if r.Status != http.StatusRequestEntityTooLarge || len(r.Errors) != 1 || r.Errors[0].Code() != "PAYLOAD_TOO_LARGE" {
		t.Fatalf("%d %+v", r.Status, r.Errors)
	}
}

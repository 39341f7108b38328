package isc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// serve starts a loopback server answering every request with h and a
// Client for it.
func serve(t *testing.T, h http.HandlerFunc, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, srv.Client(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func errorDTO(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"detailCode":%q,"trackingId":"trk-1","messages":[{"locale":"en-US","localeOrigin":"DEFAULT","text":"first"}],"causes":[{"text":"because"}]}`, detail)
}

func TestStatusMapping(t *testing.T) {
	cases := []struct {
		status   int
		sentinel error
	}{
		{400, ErrBadRequest},
		{403, ErrForbidden},
		{404, ErrNotFound},
		{409, ErrBadRequest},
		{500, ErrUnavailable},
		{503, ErrUnavailable},
	}
	for _, tc := range cases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			c := serve(t, func(w http.ResponseWriter, r *http.Request) { errorDTO(w, tc.status, "DC-1") })
			_, err := c.JSON(t.Context(), Call{Op: testOp("getThing", http.MethodGet, "/beta/things/{id}"), Params: []string{"x"}}, new(map[string]any))
			if !errors.Is(err, tc.sentinel) {
				t.Fatalf("err = %v, want %v", err, tc.sentinel)
			}
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err %T is not an *APIError", err)
			}
			if ae.Status != tc.status || ae.Operation != "getThing" || ae.DetailCode != "DC-1" || ae.TrackingID != "trk-1" {
				t.Fatalf("APIError = %+v", ae)
			}
			if strings.Join(ae.Messages, "|") != "first|because" {
				t.Fatalf("messages = %q", ae.Messages)
			}
		})
	}
}

func TestUnauthorizedBody(t *testing.T) {
	c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"error":"JWT validation failed: JWT is expired"}`)
	})
	_, err := c.JSON(t.Context(), Call{Op: testOp("op", http.MethodGet, "/beta/x")}, nil)
	var ae *APIError
	if !errors.Is(err, ErrUnauthorized) || !errors.As(err, &ae) || len(ae.Messages) != 1 || !strings.Contains(ae.Messages[0], "expired") {
		t.Fatalf("err = %v", err)
	}
}

func TestRateLimited(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		lo, hi       time.Duration
	}{
		{"seconds", "7", 7 * time.Second, 7 * time.Second},
		// An HTTP date has one-second resolution and the test may be slow.
		{"date", time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat), 20 * time.Second, 31 * time.Second},
		{"missing", "", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if tc.header != "" {
					w.Header().Set("Retry-After", tc.header)
				}
				w.WriteHeader(429)
				fmt.Fprint(w, `{"message":" Rate Limit Exceeded "}`)
			})
			_, err := c.JSON(t.Context(), Call{Op: testOp("op", http.MethodGet, "/beta/x")}, nil)
			var rl *RateLimitedError
			if !errors.Is(err, ErrRateLimited) || !errors.As(err, &rl) {
				t.Fatalf("err = %v", err)
			}
			if rl.RetryAfter < tc.lo || rl.RetryAfter > tc.hi {
				t.Fatalf("RetryAfter = %v, want within [%v, %v]", rl.RetryAfter, tc.lo, tc.hi)
			}
		})
	}
}

// rtFunc is an http.RoundTripper from a function, standing in for the
// gateway's transport layers.
type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestTransportErrors(t *testing.T) {
	limited := &RateLimitedError{RetryAfter: 3 * time.Second, Reason: "local budget"}
	cause := errors.New("connection reset by peer")
	cases := []struct {
		name  string
		rt    error
		check func(t *testing.T, err error)
	}{
		{"rate limited passes unchanged", limited, func(t *testing.T, err error) {
			var rl *RateLimitedError
			if !errors.As(err, &rl) || rl != limited {
				t.Fatalf("err = %#v, want the transport's *RateLimitedError itself", err)
			}
		}},
		{"wrapped rate limit passes unchanged", fmt.Errorf("limiter: %w", limited), func(t *testing.T, err error) {
			if got, ok := RetryAfter(err); !ok || got != 3*time.Second || !strings.HasPrefix(err.Error(), "limiter: ") {
				t.Fatalf("err = %v", err)
			}
		}},
		{"other errors are unavailable", cause, func(t *testing.T, err error) {
			if !errors.Is(err, ErrUnavailable) || !errors.Is(err, cause) {
				t.Fatalf("err = %v, want ErrUnavailable wrapping the cause", err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New("http://tenant.invalid", &http.Client{Transport: rtFunc(func(*http.Request) (*http.Response, error) { return nil, tc.rt })})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.JSON(t.Context(), Call{Op: testOp("op", http.MethodGet, "/beta/x")}, nil)
			tc.check(t, err)
		})
	}
}

func TestConnectionRefusedIsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, err := New(url, &http.Client{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.JSON(t.Context(), Call{Op: testOp("op", http.MethodGet, "/beta/x")}, nil)
	var opErr *net.OpError
	if !errors.Is(err, ErrUnavailable) || !errors.As(err, &opErr) {
		t.Fatalf("err = %v, want ErrUnavailable wrapping a *net.OpError", err)
	}
}

func TestContextErrorsStayContextErrors(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) })

	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-arrived
		cancel()
	}()
	_, err := c.JSON(ctx, Call{Op: testOp("op", http.MethodGet, "/beta/x")}, nil)
	if err != context.Canceled {
		t.Fatalf("err = %#v, want context.Canceled itself", err)
	}

	ctx, cancel2 := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel2()
	_, err = c.JSON(ctx, Call{Op: testOp("op", http.MethodGet, "/beta/x")}, nil)
	if err != context.DeadlineExceeded {
		t.Fatalf("err = %#v, want context.DeadlineExceeded itself", err)
	}
}

func TestHTTPClientTimeoutIsUnavailable(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	c, err := New(srv.URL, &http.Client{Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.JSON(t.Context(), Call{Op: testOp("op", http.MethodGet, "/beta/x")}, nil)
	if !errors.Is(err, ErrUnavailable) || errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err = %v, want the timeout as its cause", err)
	}
}

func TestNewRejectsBadRoots(t *testing.T) {
	for _, root := range []string{"", "acme.api.identitynow.com", "ftp://x", "https://", "https://h/?q=1", "https://u:p@h"} {
		if _, err := New(root, http.DefaultClient); err == nil {
			t.Errorf("New(%q) accepted", root)
		}
	}
	if _, err := New("https://acme.api.identitynow.com", nil); err == nil {
		t.Error("New accepted a nil *http.Client")
	}
	c, err := New("https://acme.api.identitynow.com/", http.DefaultClient)
	if err != nil || c.Root() != "https://acme.api.identitynow.com" {
		t.Fatalf("Root() = %q, %v", c.Root(), err)
	}
}

func TestCancelWhileReadingTheBody(t *testing.T) {
	wrote := make(chan struct{})
	c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		fmt.Fprint(w, `["partial`)
		w.(http.Flusher).Flush()
		close(wrote)
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-wrote
		cancel()
	}()
	var out []string
	_, err := c.JSON(ctx, Call{Op: testOp("op", http.MethodGet, "/beta/x")}, &out)
	if err != context.Canceled {
		t.Fatalf("err = %#v, want context.Canceled itself", err)
	}
}

package isc

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestJSONDecodesAndReadsTotal(t *testing.T) {
	var got *http.Request
	c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		got = r
		w.Header().Set("X-Total-Count", "1234")
		io.WriteString(w, `[{"a":1},{"a":2}]`)
	})
	q := map[string][]string{"eventTypes": {"A", "B"}, "count": {"true"}}
	page, err := List[struct{ A int }](t.Context(), c, Call{Op: testOp("op", http.MethodGet, "/beta/ids/{id}/events"), Params: []string{"x/y z"}, Query: q})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 2 || page.Items[1].A != 2 || !page.HasTotal || page.Total != 1234 {
		t.Fatalf("page = %+v", page)
	}
	if got.URL.EscapedPath() != "/beta/ids/x%2Fy%20z/events" {
		t.Fatalf("path = %s", got.URL.EscapedPath())
	}
	if got.URL.RawQuery != "count=true&eventTypes=A&eventTypes=B" {
		t.Fatalf("query = %s", got.URL.RawQuery)
	}
	if got.Header.Get("Accept") != "application/json" {
		t.Fatalf("Accept = %q", got.Header.Get("Accept"))
	}
}

func TestNoTotalUnlessSent(t *testing.T) {
	c := serve(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `[]`) })
	page, err := List[int](t.Context(), c, Call{Op: testOp("op", http.MethodGet, "/beta/x")})
	if err != nil || page.HasTotal || len(page.Items) != 0 {
		t.Fatalf("page = %+v, %v", page, err)
	}
}

func TestMalformedTotalAndBody(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"total": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Total-Count", "many")
			io.WriteString(w, `[]`)
		},
		"body": func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `<html>`) },
	} {
		t.Run(name, func(t *testing.T) {
			c := serve(t, h)
			_, err := List[int](t.Context(), c, Call{Op: testOp("listThings", http.MethodGet, "/beta/x")})
			var ce *ContractError
			if !errors.Is(err, ErrUnavailable) || !errors.As(err, &ce) || ce.Op != "listThings" {
				t.Fatalf("err = %v, want a *ContractError for listThings", err)
			}
		})
	}
}

func TestBodyCap(t *testing.T) {
	big := `"` + strings.Repeat("x", 2000) + `"`
	cases := map[string]http.HandlerFunc{
		"with content length": func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, big) },
		"chunked": func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i < len(big); i += 100 {
				io.WriteString(w, big[i:min(i+100, len(big))])
				w.(http.Flusher).Flush()
			}
		},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			c := serve(t, h, WithMaxBody(1000))
			var s string
			_, err := c.JSON(t.Context(), Call{Op: testOp("op", http.MethodGet, "/beta/x")}, &s)
			var tl *TooLargeError
			if !errors.Is(err, ErrUnavailable) || !errors.As(err, &tl) || tl.Limit != 1000 || s != "" {
				t.Fatalf("err = %v", err)
			}
			// Under the cap the same body is fine.
			c = serve(t, h, WithMaxBody(4000))
			if _, err := c.JSON(t.Context(), Call{Op: testOp("op", http.MethodGet, "/beta/x")}, &s); err != nil || len(s) != 2000 {
				t.Fatalf("under the cap: len %d, %v", len(s), err)
			}
		})
	}
}

func TestBodySentWithGetBody(t *testing.T) {
	var ct string
	var body []byte
	var gotGetBody bool
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		ct = r.Header.Get("Content-Type")
		body, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusNoContent)
	})
	// Look at the request as the transport sees it.
	inner := srv.hc.Transport
	if inner == nil {
		inner = http.DefaultTransport
	}
	srv.hc = &http.Client{Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
		if r.GetBody != nil {
			b, err := r.GetBody()
			if err == nil {
				again, _ := io.ReadAll(b)
				gotGetBody = bytes.Equal(again, []byte(`[{"op":"replace"}]`))
			}
		}
		return inner.RoundTrip(r)
	})}
	_, err := srv.Send(t.Context(), Call{
		Op:   testOp("patch", http.MethodPatch, "/beta/x"),
		Body: []map[string]string{{"op": "replace"}}, ContentType: "application/json-patch+json",
	})
	if err != nil {
		t.Fatal(err)
	}
	if ct != "application/json-patch+json" || string(body) != `[{"op":"replace"}]` || !gotGetBody {
		t.Fatalf("content type %q, body %s, rewindable %v", ct, body, gotGetBody)
	}
}

func TestStreamIsNotBuffered(t *testing.T) {
	first := make(chan struct{})
	c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", `attachment; filename="export.zip"`)
		io.WriteString(w, "part1;")
		w.(http.Flusher).Flush()
		// The rest is written only after the client has read the first
		// part: a client that buffered the whole body would never see it.
		select {
		case <-first:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "part2")
	})
	f, err := c.Stream(t.Context(), Call{Op: testOp("download", http.MethodGet, "/beta/x")})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Body.Close()
	if f.ContentType != "application/zip" || f.FileName != "export.zip" || f.ContentLength != -1 {
		t.Fatalf("file = %+v", f)
	}
	buf := make([]byte, len("part1;"))
	if _, err := io.ReadFull(f.Body, buf); err != nil || string(buf) != "part1;" {
		t.Fatalf("first chunk %q, %v", buf, err)
	}
	close(first)
	rest, err := io.ReadAll(f.Body)
	if err != nil || string(rest) != "part2" {
		t.Fatalf("rest %q, %v", rest, err)
	}
}

func TestStreamMapsErrors(t *testing.T) {
	c := serve(t, func(w http.ResponseWriter, r *http.Request) { errorDTO(w, 404, "404 Not found") })
	_, err := c.Stream(t.Context(), Call{Op: testOp("download", http.MethodGet, "/beta/x")})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{
		`attachment; filename="report.csv"`:   "report.csv",
		`attachment;filename=\"fileName"`:     "fileName",
		`attachment; filename=plain.pdf`:      "plain.pdf",
		`attachment; filename="../../etc/pw"`: "pw",
		`inline`:                              "",
		``:                                    "",
	} {
		if got := FileName(in); got != want {
			t.Errorf("FileName(%q) = %q, want %q", in, got, want)
		}
	}
}

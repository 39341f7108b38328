package httpcache

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

func TestExchangeRoundTrip(t *testing.T) {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Total-Count", "1234")
	h.Set("Etag", `"abc"`)
	h.Add("Warning", "one")
	h.Add("Warning", "two")
	h.Set("Date", "Sun, 01 Mar 2026 12:00:00 GMT")
	body := []byte(`[{"id":"a"}]`)
	req, _ := http.NewRequest(http.MethodGet, "http://tenant/beta/x", nil)
	resp, err := decodeExchange(encodeExchange(404, h, body), req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 404 || resp.Status != "404 Not Found" || !bytes.Equal(got, body) || resp.ContentLength != int64(len(body)) || resp.Request != req {
		t.Fatalf("response = %+v body %q", resp, got)
	}
	for _, name := range []string{"Content-Type", "X-Total-Count", "Etag"} {
		if resp.Header.Get(name) != h.Get(name) {
			t.Errorf("%s = %q, want %q", name, resp.Header.Get(name), h.Get(name))
		}
	}
	if w := resp.Header.Values("Warning"); len(w) != 2 || w[0] != "one" || w[1] != "two" {
		t.Errorf("Warning = %v", w)
	}
	if resp.Header.Get("Date") != "" {
		t.Error("Date was stored")
	}
	for _, bad := range [][]byte{nil, {0x05}, {0xc8, 0x01, 0x02}, {0xc8, 0x01, 0x01, 0x00, 0x09, 'x'}, {0xc8, 0x01, 0x01, 0x30, 0x00}} {
		if _, err := decodeExchange(bad, req); err == nil {
			t.Errorf("corrupt exchange %x decoded", bad)
		}
	}
}

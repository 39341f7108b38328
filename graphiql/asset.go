package graphiql

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// asset is one file served from memory: as it is, or gzipped for clients
// that accept it (compressed once, on first demand).
type asset struct {
	body        []byte
	contentType string
	version     string // a short hash of body: the ?v= of its URL
	etag        string

	gzipOnce sync.Once
	gzipped  []byte // nil when compressing does not pay
}

func newAsset(body []byte, contentType string) *asset {
	sum := sha256.Sum256(body)
	v := hex.EncodeToString(sum[:8])
	return &asset{body: body, contentType: contentType, version: v, etag: `"` + v + `"`}
}

// serve writes the asset, answering a matching If-None-Match with 304.
func (a *asset) serve(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	hdr.Add("Vary", "Accept-Encoding")
	if etagMatches(r.Header.Get("If-None-Match"), a.etag) {
		hdr.Set("ETag", a.etag)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body, etag := a.body, a.etag
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		if gz := a.gzip(); gz != nil {
			body, etag = gz, `"`+a.version+`-gzip"`
			hdr.Set("Content-Encoding", "gzip")
		}
	}
	hdr.Set("ETag", etag)
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func (a *asset) gzip() []byte {
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
		_, _ = zw.Write(a.body)                                  // writes to a bytes.Buffer do not fail
		_ = zw.Close()
		if buf.Len() < len(a.body)*9/10 {
			a.gzipped = buf.Bytes()
		}
	})
	return a.gzipped
}

// etagMatches reports whether an If-None-Match header names etag, in
// either of its encodings (weak comparison, as RFC 9110 asks for it).
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	if strings.TrimSpace(header) == "*" {
		return true
	}
	plain := strings.Trim(etag, `"`)
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.Trim(strings.TrimPrefix(strings.TrimSpace(tag), "W/"), `"`)
		if tag == plain || tag == plain+"-gzip" {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

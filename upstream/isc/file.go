package isc

import (
	"context"
	"io"
	"mime"
	"strings"
)

// File is a download (a report file, an export zip) whose body has not been
// read: it streams from the tenant as the caller reads it. The caller must
// close Body, and keep the call's context alive until it has.
type File struct {
	Body          io.ReadCloser
	ContentType   string
	FileName      string // from Content-Disposition; "" when the tenant sent none
	ContentLength int64  // -1 when unknown
}

// Stream sends call and returns the 2xx answer's body unread.
func (c *Client) Stream(ctx context.Context, call Call) (*File, error) {
	req, err := c.newRequest(ctx, call, "")
	if err != nil {
		return nil, err
	}
	resp, err := c.do(req, call.Op.Name)
	if err != nil {
		return nil, err
	}
	return &File{
		Body:          resp.Body,
		ContentType:   resp.Header.Get("Content-Type"),
		FileName:      FileName(resp.Header.Get("Content-Disposition")),
		ContentLength: resp.ContentLength,
	}, nil
}

// FileName returns the file name a Content-Disposition header value gives,
// reduced to its last path element. It copes with the tenant's own sloppy
// form (the spec's example is attachment;filename=\"fileName").
func FileName(disposition string) string {
	if disposition == "" {
		return ""
	}
	var name string
	if _, params, err := mime.ParseMediaType(disposition); err == nil {
		name = params["filename"]
	} else {
		for part := range strings.SplitSeq(disposition, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "filename") {
				name = strings.Trim(strings.TrimSpace(v), `"\`)
			}
		}
	}
	// Never let a name from upstream point into a directory.
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return name
}

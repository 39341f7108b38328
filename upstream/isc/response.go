package isc

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// Meta is what an answer says beside its body.
type Meta struct {
	// Total is the X-Total-Count header: how many items match, paging
	// aside. The tenant sends it only when count=true was asked; HasTotal
	// says whether it came.
	Total    int
	HasTotal bool
}

// Page is one page of a list operation.
type Page[T any] struct {
	Items []T
	// Total and HasTotal are the Meta of the answer: set when the call
	// asked for count=true.
	Total    int
	HasTotal bool
}

// JSON sends call and decodes the 2xx answer's JSON body into out. A 204 or
// an empty body leaves out untouched. A body that is not the JSON expected
// wraps ErrUnavailable: the tenant broke its contract.
func (c *Client) JSON(ctx context.Context, call Call, out any) (Meta, error) {
	resp, meta, err := c.open(ctx, call)
	if err != nil {
		return Meta{}, err
	}
	defer resp.Body.Close()
	body, err := c.readBody(ctx, call.Op.Name, resp)
	if err != nil {
		return Meta{}, err
	}
	if len(body) == 0 || out == nil {
		return meta, nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return Meta{}, Breach(call.Op.Name, err, "decode %T", out)
	}
	return meta, nil
}

// open sends call for a JSON answer and returns the 2xx answer, its body
// unread (the caller closes it), and its Meta.
func (c *Client) open(ctx context.Context, call Call) (*http.Response, Meta, error) {
	req, err := c.newRequest(ctx, call, "application/json")
	if err != nil {
		return nil, Meta{}, err
	}
	resp, err := c.do(req, call.Op.Name)
	if err != nil {
		return nil, Meta{}, err
	}
	meta, err := readMeta(call.Op.Name, resp.Header)
	if err != nil {
		resp.Body.Close()
		return nil, Meta{}, err
	}
	return resp, meta, nil
}

// List sends call and decodes its answer, a JSON array, into a Page (once
// per stored answer: see Decode).
func List[T any](ctx context.Context, c *Client, call Call) (Page[T], error) {
	return DecodeList[T, T](ctx, c, call, nil)
}

// Send sends call for an answer with no body worth reading (204, HEAD) and
// returns its Meta.
func (c *Client) Send(ctx context.Context, call Call) (Meta, error) {
	req, err := c.newRequest(ctx, call, "")
	if err != nil {
		return Meta{}, err
	}
	resp, err := c.do(req, call.Op.Name)
	if err != nil {
		return Meta{}, err
	}
	discard(resp.Body)
	return readMeta(call.Op.Name, resp.Header)
}

// readMeta reads X-Total-Count.
func readMeta(op string, h http.Header) (Meta, error) {
	v := h.Get("X-Total-Count")
	if v == "" {
		return Meta{}, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return Meta{}, Breach(op, nil, "malformed X-Total-Count %q", v)
	}
	return Meta{Total: n, HasTotal: true}, nil
}

// TooLargeError is an answer whose body is larger than the client reads.
// It wraps ErrUnavailable.
type TooLargeError struct {
	Op    string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s: %s: answer body exceeds %d bytes", ErrUnavailable, e.Op, e.Limit)
}

// Unwrap returns ErrUnavailable.
func (e *TooLargeError) Unwrap() error { return ErrUnavailable }

// readBody reads the whole body, refusing more than c.maxBody bytes.
func (c *Client) readBody(ctx context.Context, op string, resp *http.Response) ([]byte, error) {
	if resp.ContentLength > c.maxBody {
		return nil, &TooLargeError{Op: op, Limit: c.maxBody}
	}
	var (
		b   []byte
		err error
	)
	if resp.ContentLength >= 0 {
		// The transport holds the body to its Content-Length.
		b = make([]byte, resp.ContentLength)
		_, err = io.ReadFull(resp.Body, b)
	} else {
		b, err = io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
		if err == nil && int64(len(b)) > c.maxBody {
			return nil, &TooLargeError{Op: op, Limit: c.maxBody}
		}
	}
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, fmt.Errorf("%w: %s: read answer: %w", ErrUnavailable, op, err)
	}
	return b, nil
}

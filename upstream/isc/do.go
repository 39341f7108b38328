package isc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/sailgraph/sailgraph/upstream/principal"
)

// do sends req and returns the response when its status is 2xx; the caller
// owns and must close its body. Every other outcome is mapped onto this
// package's errors:
//
//   - a transport error that already wraps one of the sentinels (the rate
//     limiter's *RateLimitedError, say) is returned as it is;
//   - when ctx is done, ctx.Err() itself;
//   - any other transport error (refused connection, timeout, reset) wraps
//     ErrUnavailable and the cause;
//   - 429 is a *RateLimitedError with the Retry-After wait;
//   - any other non-2xx status is an *APIError with the ErrorResponseDto
//     details, wrapping the sentinel for its status.
func (c *Client) do(req *http.Request, op string) (*http.Response, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, transportError(req.Context(), op, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer discard(resp.Body)
	err = statusError(op, resp)
	if resp.StatusCode == http.StatusUnauthorized {
		if p, ok := principal.From(req.Context()); ok && p.Bearer() != "" {
			if api, ok := err.(*APIError); ok {
				api.sentinel = ErrCallerToken
			}
		}
	}
	return nil, err
}

// transportError maps an error from http.Client.Do.
func transportError(ctx context.Context, op string, err error) error {
	// http.Client wraps whatever the transport returned in a *url.Error,
	// whose message repeats the URL; drop that layer.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if isSentinel(err) {
		return err
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, op, err)
}

// isSentinel reports whether err wraps one of this package's sentinels.
func isSentinel(err error) bool {
	for _, s := range []error{ErrNotFound, ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrRateLimited, ErrUnavailable, ErrCallerToken} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// statusError maps a non-2xx answer.
func statusError(op string, resp *http.Response) error {
	if resp.StatusCode == http.StatusTooManyRequests {
		wait, _ := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return &RateLimitedError{RetryAfter: wait, Reason: "upstream 429 on " + op}
	}
	if resp.StatusCode < 400 {
		return fmt.Errorf("%w: %s: unexpected status %d", ErrUnavailable, op, resp.StatusCode)
	}
	var dto errorBody
	if b, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody)); err == nil {
		_ = json.Unmarshal(b, &dto) // details are a bonus; the status decides
	}
	return NewAPIError(resp.StatusCode, op, dto.DetailCode, dto.TrackingID, dto.texts())
}

// errorBody is ErrorResponseDto, plus the {"error": ...} of a 401 and the
// {"message": ...} of a 429.
type errorBody struct {
	DetailCode string      `json:"detailCode"`
	TrackingID string      `json:"trackingId"`
	Messages   []errorText `json:"messages"`
	Causes     []errorText `json:"causes"`
	Error      string      `json:"error"`
	Message    string      `json:"message"`
}

type errorText struct {
	Text string `json:"text"`
}

func (b *errorBody) texts() []string {
	var out []string
	for _, list := range [][]errorText{b.Messages, b.Causes} {
		for _, m := range list {
			if m.Text != "" {
				out = append(out, m.Text)
			}
		}
	}
	for _, s := range []string{b.Error, b.Message} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// discard drains a little of body, so the connection can be reused, and
// closes it.
func discard(body io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, body, 4<<10)
	_ = body.Close()
}

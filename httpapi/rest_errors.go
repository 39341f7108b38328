package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/sailgraph/sailgraph/apierr"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// ErrorResponseDto is SailPoint's error body, which the REST side answers
// its own failures with, so that an SDK parses them as it parses the
// tenant's.
type ErrorResponseDto struct {
	DetailCode string            `json:"detailCode"`
	TrackingID string            `json:"trackingId"`
	Messages   []ErrorMessageDto `json:"messages"`
}

// ErrorMessageDto is one localized message of an ErrorResponseDto.
type ErrorMessageDto struct {
	Locale       string `json:"locale"`
	LocaleOrigin string `json:"localeOrigin"`
	Text         string `json:"text"`
}

// rateLimitBody is the tenant's own 429 body (the spec's 429 response).
type rateLimitBody struct {
	Message string `json:"message"`
}

func writeErrorDto(c echo.Context, status int, detailCode, text string) error {
	return c.JSON(status, ErrorResponseDto{
		DetailCode: detailCode,
		TrackingID: trackingID(),
		Messages:   []ErrorMessageDto{{Locale: "en-US", LocaleOrigin: "DEFAULT", Text: text}},
	})
}

// detailCode is SailPoint's fine-grained code for a status the gateway
// answers itself.
func detailFor(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "400.1 Bad Request Content"
	case http.StatusNotFound:
		return "404 Not found"
	case http.StatusRequestEntityTooLarge:
		return "413 Payload Too Large"
	case http.StatusRequestTimeout:
		return "408 Request Timeout"
	case http.StatusMethodNotAllowed:
		return "405 Method Not Allowed"
	case http.StatusGatewayTimeout:
		return "504 Gateway Timeout"
	}
	return "502 Bad Gateway"
}

// transportFailure answers a call the chain could not complete: a budget
// refusal becomes the tenant's own 429 with Retry-After, a timeout 504,
// anything else 502. A caller that went away gets nothing.
func (h *REST) transportFailure(c echo.Context, call *op.Call, err error) error {
	ctx := c.Request().Context()
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil
	}
	if errors.Is(err, isc.ErrRateLimited) {
		secs := 1
		if d, ok := isc.RetryAfter(err); ok {
			secs = apierr.RetryAfterSeconds(d)
		}
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		return c.JSON(http.StatusTooManyRequests, rateLimitBody{Message: " Rate Limit Exceeded "})
	}
	status := http.StatusBadGateway
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		status = http.StatusGatewayTimeout
	}
	h.logger().WarnContext(ctx, "REST call failed", "operation", call.Op.Name, "api", string(call.API()), "status", status, "error", err.Error())
	text := "the tenant could not be reached"
	if status == http.StatusGatewayTimeout {
		text = "the tenant did not answer in time"
	}
	return writeErrorDto(c, status, detailFor(status), text)
}

// trackingID is a fresh id for an error the gateway answers itself.
func trackingID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

package gateway

import (
	"errors"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/sailgraph/sailgraph/access"
	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/ops"
)

// ErrCORSAnyOrigin is returned by New for SAILGRAPH_CORS_ORIGINS=* on a
// gateway whose callers authenticate.
var ErrCORSAnyOrigin = errors.New(`SAILGRAPH_CORS_ORIGINS=* lets every web page call the gateway; it is allowed only while the gateway serves anonymously (no API keys, not pass-through): list the origins instead`)

// corsMaxAge is how long a browser may keep a preflight's answer, in
// seconds: two hours, the most Chromium keeps one.
const corsMaxAge = 2 * 60 * 60

// cors returns the middleware that lets pages of origins call the gateway
// from a browser (nil when origins is empty: no CORS headers at all). It
// answers preflights itself, before authentication, since a browser sends
// them without credentials. The allowed request headers are the ones
// GraphQL clients and the REST side's callers send; the exposed ones are
// those a page may want to read back.
func cors(origins []string, anonymous bool) (echo.MiddlewareFunc, error) {
	if len(origins) == 0 {
		return nil, nil
	}
	if slices.Contains(origins, config.AnyOrigin) && !anonymous {
		return nil, ErrCORSAnyOrigin
	}
	return middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins: origins,
		AllowMethods: []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPatch},
		AllowHeaders: []string{
			echo.HeaderContentType, echo.HeaderAuthorization, access.HeaderAPIKey,
			access.HeaderISCToken, ops.HeaderRequestID,
		},
		ExposeHeaders: []string{ops.HeaderRequestID, echo.HeaderRetryAfter, echo.HeaderContentDisposition},
		MaxAge:        corsMaxAge,
	}), nil
}

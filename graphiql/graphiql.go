// Package graphiql serves GraphiQL, the in-browser GraphQL IDE, with a
// panel of example queries. Everything the page loads comes from this
// package's embedded files (web/): GraphiQL's and React's prebuilt,
// minified browser builds, pinned in npm/package-lock.json and reproduced
// by npm/vendor.sh, and the small script that starts the IDE. The page
// needs no CDN and no network beyond the gateway.
//
// A Handler answers two kinds of paths: AssetsPath and below (the
// scripts and style sheets, cached for a year under content-hashed URLs)
// and any other path with the page itself. Mount it at "/" and at
// AssetsPath.
package graphiql

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// AssetsPath is where a Handler serves its scripts and style sheets.
const AssetsPath = "/graphiql/"

// Example is a query the page offers to open in the editor.
type Example struct {
	// Title names the example in the panel, e.g. "An identity page".
	Title string `json:"title"`
	// Description says in a sentence what the example asks.
	Description string `json:"description,omitempty"`
	// Query is the GraphQL document.
	Query string `json:"query"`
	// Variables is a JSON object for the document's variables, or empty.
	Variables string `json:"variables,omitempty"`
}

// Options configure a Handler.
type Options struct {
	// Endpoint is the GraphQL endpoint the page sends queries to: a path
	// on the gateway (e.g. "/graphql") or an absolute http(s) URL.
	// Required.
	Endpoint string
	// Examples are offered in the page's Examples panel, in this order;
	// the first one is in the editor when the page first opens. Default:
	// none (the panel is left out).
	Examples []Example
	// Title is the page's title. Default "sailgraph".
	Title string
}

// Handler serves the GraphiQL page and its assets. It is safe for
// concurrent use.
type Handler struct {
	page   *asset
	assets map[string]*asset // by path below AssetsPath
	csp    string
}

// New returns the handler for opts, or an error when the endpoint or an
// example is invalid.
func New(opts Options) (*Handler, error) {
	if opts.Title == "" {
		opts.Title = "sailgraph"
	}
	connect, err := connectSource(opts.Endpoint)
	if err != nil {
		return nil, err
	}
	if err := validateExamples(opts.Examples); err != nil {
		return nil, err
	}
	assets, err := loadAssets()
	if err != nil {
		return nil, err
	}
	page, err := renderPage(opts, assets)
	if err != nil {
		return nil, err
	}
	return &Handler{page: page, assets: assets, csp: contentSecurityPolicy(connect)}, nil
}

// ServeHTTP answers GET and HEAD: an asset below AssetsPath, the page
// anywhere else.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	name, isAsset := strings.CutPrefix(r.URL.Path, AssetsPath)
	if !isAsset {
		hdr.Set("Content-Security-Policy", h.csp)
		hdr.Set("Referrer-Policy", "no-referrer")
		hdr.Set("Cache-Control", "no-cache")
		h.page.serve(w, r)
		return
	}
	a, ok := h.assets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.URL.Query().Get("v") == a.version {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "no-cache")
	}
	a.serve(w, r)
}

// connectSource checks the endpoint and returns the origin the page may
// connect to besides its own ("" for a path on the gateway).
func connectSource(endpoint string) (string, error) {
	if endpoint == "" {
		return "", errors.New("graphiql: no endpoint")
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", fmt.Errorf("graphiql: endpoint: %w", err)
	}
	switch {
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/"):
		return "", nil
	case (u.Scheme == "http" || u.Scheme == "https") && u.Host != "":
		return u.Scheme + "://" + u.Host, nil
	}
	return "", fmt.Errorf("graphiql: endpoint %q is neither an absolute path nor an http(s) URL", endpoint)
}

// contentSecurityPolicy lets the page load only the gateway's own scripts
// and styles and talk only to the gateway (and the endpoint's origin).
// GraphiQL's style sheet inlines its fonts and icons as data: URLs, and
// its editor sets inline styles.
func contentSecurityPolicy(connect string) string {
	connectSrc := "'self'"
	if connect != "" {
		connectSrc += " " + connect
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self' 'unsafe-inline'",
		"font-src 'self' data:",
		"img-src 'self' data:",
		"connect-src " + connectSrc,
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

func validateExamples(examples []Example) error {
	seen := make(map[string]bool, len(examples))
	for i, ex := range examples {
		switch {
		case strings.TrimSpace(ex.Title) == "":
			return fmt.Errorf("graphiql: example %d has no title", i)
		case seen[ex.Title]:
			return fmt.Errorf("graphiql: two examples are titled %q", ex.Title)
		case strings.TrimSpace(ex.Query) == "":
			return fmt.Errorf("graphiql: example %q has no query", ex.Title)
		}
		seen[ex.Title] = true
		if ex.Variables != "" {
			var vars map[string]any
			if err := json.Unmarshal([]byte(ex.Variables), &vars); err != nil || vars == nil {
				return fmt.Errorf("graphiql: example %q: variables are not a JSON object", ex.Title)
			}
		}
	}
	return nil
}

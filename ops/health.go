package ops

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Healthz answers 200 while the process serves HTTP at all (liveness).
func Healthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// Check is one readiness condition.
type Check struct {
	// Name names the check in the answer, e.g. "tenant_token" or "redis".
	Name string
	// Probe returns nil when the condition holds. Its error's text is
	// shown in the answer: it must say what failed without a secret.
	Probe func(ctx context.Context) error
	// Optional checks are reported but do not make the gateway unready
	// (for a dependency the gateway degrades without).
	Optional bool
}

// ReadyOptions configure Readyz. The zero value is usable.
type ReadyOptions struct {
	// Timeout bounds each probe (default 5s).
	Timeout time.Duration
	// Logger gets a Warn line for each failed probe (default: none).
	Logger *slog.Logger
}

// Readiness answers, as JSON.
type readiness struct {
	Status string        `json:"status"` // "ready" or "unavailable"
	Checks []checkResult `json:"checks"`
}

type checkResult struct {
	Name     string `json:"name"`
	Status   string `json:"status"` // "ok" or "failed"
	Error    string `json:"error,omitempty"`
	Optional bool   `json:"optional,omitempty"`
}

// Readyz runs every check at once on each request and answers 200
// {"status":"ready",...} when all required checks pass, else 503
// {"status":"unavailable",...}; the body names each check and why it
// failed.
func Readyz(checks []Check, opts ReadyOptions) http.Handler {
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), opts.Timeout)
		defer cancel()
		results := make([]checkResult, len(checks))
		var wg sync.WaitGroup
		for i, c := range checks {
			wg.Go(func() {
				results[i] = checkResult{Name: c.Name, Status: "ok", Optional: c.Optional}
				if err := c.Probe(ctx); err != nil {
					results[i].Status, results[i].Error = "failed", err.Error()
					if opts.Logger != nil {
						opts.Logger.LogAttrs(ctx, slog.LevelWarn, "readiness check failed",
							slog.String("check", c.Name), slog.String("error", err.Error()))
					}
				}
			})
		}
		wg.Wait()
		out, code := readiness{Status: "ready", Checks: results}, http.StatusOK
		for _, res := range results {
			if res.Status != "ok" && !res.Optional {
				out.Status, code = "unavailable", http.StatusServiceUnavailable
			}
		}
		writeJSON(w, code, out)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

package transport

import (
	"net/http"
	"time"
)

// Metrics reports every exchange with the tenant to obs: API version,
// operationId, status (0 for no response) and the time to the response
// headers (a streamed body is not waited for).
func Metrics(obs Observer) Layer {
	obs = orNop(obs)
	return func(next http.RoundTripper) http.RoundTripper {
		return &metrics{next: next, obs: obs}
	}
}

type metrics struct {
	next http.RoundTripper
	obs  Observer
}

func (m *metrics) RoundTrip(req *http.Request) (*http.Response, error) {
	api, op := labels(req)
	start := time.Now()
	resp, err := m.next.RoundTrip(req)
	status := 0
	if err == nil {
		status = resp.StatusCode
	}
	m.obs.ObserveUpstream(api, op, status, time.Since(start))
	return resp, err
}

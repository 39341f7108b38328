package cache

import "fmt"

// StaleReason says why an answer was served stale.
type StaleReason uint8

const (
	// StaleRevalidating: the entry was past its freshness and a refresh
	// was started in the background.
	StaleRevalidating StaleReason = iota + 1
	// StaleRateLimited: the origin refused for its rate limit.
	StaleRateLimited
	// StaleUnavailable: the origin failed or could not be reached.
	StaleUnavailable
)

// String names the reason as a response may show it.
func (r StaleReason) String() string {
	switch r {
	case StaleRevalidating:
		return "revalidating"
	case StaleRateLimited:
		return "rate_limited"
	case StaleUnavailable:
		return "unavailable"
	}
	return fmt.Sprintf("reason(%d)", r)
}

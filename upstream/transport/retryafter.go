package transport

import (
	"time"

	"github.com/sailgraph/sailgraph/upstream/isc"
)

// maxCooldown caps a Retry-After, so a wild value cannot stop an API
// version for a day.
const maxCooldown = 10 * time.Minute

// parseRetryAfter reads a Retry-After header (delay-seconds or an
// HTTP-date, relative to now) as a cooldown of at most maxCooldown. ok is
// false when the header is missing or unreadable.
func parseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	d, ok = isc.ParseRetryAfter(v, now)
	return min(d, maxCooldown), ok
}

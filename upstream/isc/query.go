package isc

import (
	"net/url"
	"strconv"
	"time"
)

// The Set helpers add an optional query parameter, leaving it out when the
// value is the "not given" one, so that the tenant applies its default.

// SetString sets name to s unless s is "".
func SetString(q url.Values, name, s string) {
	if s != "" {
		q.Set(name, s)
	}
}

// SetBool sets name to *b unless b is nil.
func SetBool(q url.Values, name string, b *bool) {
	if b != nil {
		q.Set(name, strconv.FormatBool(*b))
	}
}

// SetTime sets name to t (FormatTime) unless t is the zero time.
func SetTime(q url.Values, name string, t time.Time) {
	if !t.IsZero() {
		q.Set(name, FormatTime(t))
	}
}

package isc

import (
	"net/url"
	"slices"
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

// SetStrings sets name to vals, one parameter each (eventTypes=a&eventTypes=b),
// unless vals is empty. An empty value is an *ArgumentError: the spec's
// array parameters allow no empty value, and "name=" would ask for
// something else than "nothing" anyway.
func SetStrings(q url.Values, name string, vals []string) error {
	for i, v := range vals {
		if v == "" {
			return Invalid(name, "value %d is empty", i)
		}
	}
	if len(vals) > 0 {
		q[name] = slices.Clone(vals)
	}
	return nil
}

// SetTime sets name to t (FormatTime) unless t is the zero time.
func SetTime(q url.Values, name string, t time.Time) {
	if !t.IsZero() {
		q.Set(name, FormatTime(t))
	}
}

package isc

import "time"

// FormatTime writes an instant as the tenant's parameters take it: RFC 3339
// in UTC, e.g. 2024-03-01T13:00:00Z.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// ParseTime reads one of the tenant's date strings (most of which the spec
// types as plain strings). A malformed date is a *ContractError.
func ParseTime(s string) (time.Time, error) {
	// RFC 3339 with any fraction, the same without a zone (read as UTC),
	// and a bare date.
	for _, layout := range [...]string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, Breach("", nil, "malformed date %q", s)
}

// ParseOptionalTime is ParseTime for a nullable field: "" gives nil.
func ParseOptionalTime(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := ParseTime(s)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

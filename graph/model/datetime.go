package model

import (
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// dateTimeLayout is how the gateway writes instants: RFC 3339 in UTC with
// milliseconds, the form ISC itself uses.
const dateTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// MarshalDateTime writes t as the DateTime scalar.
func MarshalDateTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(dateTimeLayout)))
	})
}

// UnmarshalDateTime reads the DateTime scalar: a string in RFC 3339 form,
// with or without fractional seconds. Anything else is an *InputError.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, &InputError{Reason: "a DateTime must be a string in RFC 3339 form, e.g. 2024-03-01T13:00:00Z"}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, &InputError{Reason: strconv.Quote(s) + " is not an RFC 3339 date-time, e.g. 2024-03-01T13:00:00Z"}
	}
	return t, nil
}

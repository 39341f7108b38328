package isc

import "fmt"

// ArgumentError is a request the client refused to send because one of its
// arguments is outside what the spec allows: a limit above 250, a filter on
// a field the operation does not document, an empty id. No upstream call
// was made. It wraps ErrBadRequest.
type ArgumentError struct {
	Param  string // the parameter, as the spec names it (e.g. "limit", "filters")
	Reason string
}

func (e *ArgumentError) Error() string {
	return fmt.Sprintf("%s: %s: %s", ErrBadRequest, e.Param, e.Reason)
}

// Unwrap returns ErrBadRequest.
func (e *ArgumentError) Unwrap() error { return ErrBadRequest }

// Invalid returns an *ArgumentError for param.
func Invalid(param, format string, args ...any) *ArgumentError {
	return &ArgumentError{Param: param, Reason: fmt.Sprintf(format, args...)}
}

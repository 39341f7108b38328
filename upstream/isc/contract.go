package isc

import "fmt"

// ContractError is an answer the client cannot use because it breaks the
// spec: a body that is not the JSON promised, a malformed date or header, a
// header the operation must send but did not, an item of a kind the spec
// does not know. It wraps ErrUnavailable, and the cause when there is one.
type ContractError struct {
	Op     string // operationId, when known
	Detail string
	Err    error // the cause, or nil
}

func (e *ContractError) Error() string {
	s := ErrUnavailable.Error() + ": "
	if e.Op != "" {
		s += e.Op + ": "
	}
	s += "answer breaks the contract: " + e.Detail
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns ErrUnavailable and the cause.
func (e *ContractError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrUnavailable}
	}
	return []error{ErrUnavailable, e.Err}
}

// Breach returns a *ContractError for op.
func Breach(op string, cause error, format string, args ...any) *ContractError {
	return &ContractError{Op: op, Detail: fmt.Sprintf(format, args...), Err: cause}
}

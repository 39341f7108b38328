package model

import "fmt"

// InputError says the caller's input was invalid: a malformed argument, a
// value out of range, a wrong combination of arguments. The GraphQL layer
// presents it as a BAD_USER_INPUT error with its message, so the message
// must say what was wrong in the caller's terms and carry nothing internal.
type InputError struct {
	// Arg names the argument or input field at fault, e.g. "first" or
	// "input.accounts"; empty when no single one is.
	Arg string
	// Reason says what is wrong with it.
	Reason string
}

func (e *InputError) Error() string {
	if e.Arg == "" {
		return e.Reason
	}
	return e.Arg + ": " + e.Reason
}

// BadInput returns an *InputError for arg with a formatted reason.
func BadInput(arg, format string, args ...any) *InputError {
	return &InputError{Arg: arg, Reason: fmt.Sprintf(format, args...)}
}

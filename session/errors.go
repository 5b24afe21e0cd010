package session

import "errors"

// Errors callers can tell apart with errors.Is. Each is wrapped with the
// file name and the offending key or position.
var (
	// ErrSyntax: the session file is not well-formed JSON of the expected shape.
	ErrSyntax = errors.New("session: invalid session file")
	// ErrDuplicateKey: an object repeats a key (encoding/json would silently
	// keep the last one, so two different files could mean the same session).
	ErrDuplicateKey = errors.New("session: duplicate key")
	// ErrUnknownField: a field the format does not define.
	ErrUnknownField = errors.New("session: unknown field")
	// ErrInvalid: well-formed but breaks a rule (empty name, duplicate UDF, ...).
	ErrInvalid = errors.New("session: invalid session")
)

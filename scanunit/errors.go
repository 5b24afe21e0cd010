package scanunit

import (
	"errors"
	"fmt"
)

// ErrSyntax is wrapped by every *SyntaxError, so callers can test
// errors.Is(err, ErrSyntax) for "the filter text is malformed".
var ErrSyntax = errors.New("filter syntax error")

// ErrUnknownColumn reports a predicate column the table does not have.
var ErrUnknownColumn = errors.New("unknown column")

// SyntaxError is a malformed filter: Pos is the byte offset in the text where
// the problem was found.
type SyntaxError struct {
	Pos int
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("filter: at offset %d: %s", e.Pos, e.Msg)
}

// Unwrap lets errors.Is match ErrSyntax.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// ErrAmbiguousColumn reports a predicate column that matches several table
// columns when names are compared case-insensitively, as Delta compares them.
var ErrAmbiguousColumn = errors.New("ambiguous column")

// ErrLiteralType reports a literal that cannot be a value of the column it
// is compared with ('abc' against an integer column). The pruner refuses it
// rather than keeping every file.
var ErrLiteralType = errors.New("literal does not fit the column type")

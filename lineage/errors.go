package lineage

import "errors"

// Sentinel errors. Every error returned by Decode and Analyze wraps one of
// these, so callers can tell bad input apart with errors.Is; walk errors also
// carry the relation path as a *PathError.
var (
	// ErrDecode: the bytes are not a Substrait plan (garbage, truncated
	// protobuf, malformed JSON, a field unknown to the schema).
	ErrDecode = errors.New("lineage: cannot decode plan")
	// ErrUnresolvedFunction: a function reference names an anchor that no
	// extension declaration defines.
	ErrUnresolvedFunction = errors.New("lineage: unresolvable function anchor")
	// ErrFieldOutOfRange: a field reference, emit index or key points past
	// the fields its input provides.
	ErrFieldOutOfRange = errors.New("lineage: field index out of range")
	// ErrUnknownRelation: a relation is empty or of a kind this package does
	// not know, or a plan reference points at no plan relation.
	ErrUnknownRelation = errors.New("lineage: unknown relation")
	// ErrInvalidPlan: the plan is structurally wrong in another way (no
	// relations, a relation missing its input, a reference cycle).
	ErrInvalidPlan = errors.New("lineage: invalid plan")
)

// PathError reports a problem at one relation of the plan. Path is the
// relation path from the plan root, for example "root.project.join.left.read".
type PathError struct {
	Path string
	Err  error
}

func (e *PathError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *PathError) Unwrap() error { return e.Err }

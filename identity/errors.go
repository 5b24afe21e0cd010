package identity

import "errors"

// Errors callers can tell apart with errors.Is.
var (
	// ErrUnresolvedAnchor: a plan references a function, type or type
	// variation anchor that its resolver does not know. Hashing the bare
	// number would make the fingerprint depend on anchor numbering.
	ErrUnresolvedAnchor = errors.New("identity: unresolved extension anchor")
	// ErrDuplicateAnchor: two extension declarations of the same kind use
	// one anchor, so references to it are ambiguous.
	ErrDuplicateAnchor = errors.New("identity: duplicate extension anchor")
	// ErrInvalidDigest: text that should be "sha256:<64 hex>" is not.
	ErrInvalidDigest = errors.New("identity: invalid digest")
	// ErrInvalidComponents: signature components break an invariant
	// (unsorted or duplicate pins or tags, empty names).
	ErrInvalidComponents = errors.New("identity: invalid components")
	// ErrEncoderMisuse: a caller wrote a container with a different number
	// of elements than it announced. This is a bug in the caller, not bad
	// input.
	ErrEncoderMisuse = errors.New("identity: encoder misuse (internal error)")
)

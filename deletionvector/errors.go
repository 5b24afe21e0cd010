package deletionvector

import "errors"

// Sentinel errors; every returned error wraps one of them (or an I/O error)
// with the file it concerns.
var (
	// ErrDescriptor: the descriptor itself is malformed (storage type, path,
	// Z85 text, offset).
	ErrDescriptor = errors.New("deletionvector: bad descriptor")
	// ErrFormat: the stored bytes are not a Delta deletion vector (framing,
	// magic number, bitmap layout, a key with its top bit set).
	ErrFormat = errors.New("deletionvector: bad format")
	// ErrChecksum: the CRC-32 after the bitmap does not match it.
	ErrChecksum = errors.New("deletionvector: checksum mismatch")
	// ErrCardinality: the bitmap holds a different number of rows than the
	// log's cardinality.
	ErrCardinality = errors.New("deletionvector: cardinality mismatch")
)

// Package cachekey builds and decodes the cache keys of the run ledger.
//
// A cache key says what a node's result depends on, and nothing else: the
// key format, the node's name, its code version and the data version of
// every input it keys on. Two keys are equal exactly when those are equal,
// so a scheduler can look a result up by key, and a key can always be read
// back (Decode) to explain itself, without the store that produced it.
//
// The text form is
//
//	dpk1.sha256.<base64url, no padding, of the canonical encoding>
//
// where "dpk1" is the key-format version and "sha256" the hash tag: the hash
// the code and data versions inside are made with. The canonical encoding is
// the node name, the code version, the number of dependencies and each
// dependency (name, data version) in name order, every string length-prefixed
// with a minimal uvarint. A value of the form "sha256:<64 lower-case hex>" is
// stored as its 32 raw bytes (tag 1), any other value as text (tag 0), which
// halves the size of the usual key without making it ambiguous. Decode
// refuses every non-canonical encoding (unsorted or repeated dependencies,
// a digest stored as text, over-long varints, trailing bytes), so
// Decode(s).String() == s for every key it accepts.
//
// The encoding uses no compression: compressed bytes may change between
// library releases, and a key must be the same on every machine and in every
// release of the same key format.
package cachekey

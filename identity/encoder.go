package identity

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"slices"
	"strings"
)

// EncodingName and EncodingVersion open every digest. Bump EncodingVersion
// whenever any byte the Encoder (or a component built on it) writes changes;
// testdata/golden.json catches changes made by accident.
const (
	EncodingName    = "deltaplan-identity"
	EncodingVersion = 2
)

// Type tags. Each value starts with exactly one tag, and every variable-size
// value carries its byte length or element count, so the encoding is
// prefix-free: two different value sequences never produce the same bytes.
const (
	tagNull     = 'N'
	tagTrue     = 'T'
	tagFalse    = 'F'
	tagInt      = 'i' // 8 bytes, big endian, two's complement
	tagUint     = 'u' // 8 bytes, big endian
	tagFloat    = 'd' // 8 bytes, IEEE 754 bits, NaN canonicalized
	tagString   = 's' // uvarint byte length, UTF-8 bytes
	tagBytes    = 'b' // uvarint byte length, bytes
	tagDigest   = 'h' // 32 bytes
	tagList     = 'l' // uvarint element count, elements
	tagMap      = 'm' // uvarint pair count, (key, value) pairs by ascending key
	tagStruct   = 'r' // uvarint field count, (field key, value) pairs
	tagFieldKey = 'k' // uvarint byte length, field name
	tagFieldNum = 'n' // uvarint field number (protobuf structs)
)

// flushAt bounds the buffer: hashing in large blocks is faster than many
// tiny hash.Write calls.
const flushAt = 16 << 10

// Encoder writes values in the canonical encoding into a SHA-256 state.
// Containers announce their element count up front (List, Map, Struct);
// the Encoder checks the announced counts and Sum reports ErrEncoderMisuse
// when they do not match what was written. An Encoder is not safe for
// concurrent use.
type Encoder struct {
	h       hash.Hash
	buf     []byte
	pending []int // elements still owed to each open container, innermost last
	mapKeys []string
	err     error
}

// New starts a digest in the given domain (for example "plan", "udf",
// "runtime"). Digests of different domains never collide by construction.
func New(domain string) *Encoder {
	e := &Encoder{h: sha256.New(), buf: make([]byte, 0, 4096)}
	e.reset(domain)
	return e
}

// reset starts a new digest in domain, keeping the allocated buffers.
func (e *Encoder) reset(domain string) {
	e.h.Reset()
	e.buf = append(e.buf[:0], EncodingName...)
	e.buf = binary.AppendUvarint(e.buf, EncodingVersion)
	e.buf = appendLenPrefixed(e.buf, tagString, domain)
	e.pending = e.pending[:0]
	e.mapKeys = e.mapKeys[:0]
	e.err = nil
}

func appendLenPrefixed(b []byte, tag byte, s string) []byte {
	b = append(b, tag)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// item accounts for one element of the innermost open container.
func (e *Encoder) item() {
	if n := len(e.pending); n > 0 {
		e.pending[n-1]--
		if e.pending[n-1] < 0 && e.err == nil {
			e.err = fmt.Errorf("%w: more elements than announced", ErrEncoderMisuse)
		}
	}
}

// done closes every container whose last element has just been written.
func (e *Encoder) done() {
	for n := len(e.pending); n > 0 && e.pending[n-1] == 0; n = len(e.pending) {
		e.pending = e.pending[:n-1]
	}
	if len(e.buf) >= flushAt {
		e.h.Write(e.buf)
		e.buf = e.buf[:0]
	}
}

func (e *Encoder) open(tag byte, n, elems int) {
	e.item()
	if n < 0 {
		if e.err == nil {
			e.err = fmt.Errorf("%w: negative container size %d", ErrEncoderMisuse, n)
		}
		n, elems = 0, 0
	}
	e.buf = append(e.buf, tag)
	e.buf = binary.AppendUvarint(e.buf, uint64(n))
	if elems > 0 {
		e.pending = append(e.pending, elems)
	}
	e.done()
}

// Null writes the absent value (distinct from "", 0, false and []).
func (e *Encoder) Null() { e.item(); e.buf = append(e.buf, tagNull); e.done() }

// Bool writes a boolean.
func (e *Encoder) Bool(v bool) {
	e.item()
	if v {
		e.buf = append(e.buf, tagTrue)
	} else {
		e.buf = append(e.buf, tagFalse)
	}
	e.done()
}

// Int writes a signed integer (distinct from the same number as Uint).
func (e *Encoder) Int(v int64) {
	e.item()
	e.buf = append(e.buf, tagInt)
	e.buf = binary.BigEndian.AppendUint64(e.buf, uint64(v))
	e.done()
}

// Uint writes an unsigned integer.
func (e *Encoder) Uint(v uint64) {
	e.item()
	e.buf = append(e.buf, tagUint)
	e.buf = binary.BigEndian.AppendUint64(e.buf, v)
	e.done()
}

// Float writes a float64 by its IEEE bits; every NaN is written as one
// canonical NaN, while -0 and +0 stay distinct (they are different literals).
func (e *Encoder) Float(v float64) {
	e.item()
	bits := math.Float64bits(v)
	if v != v {
		bits = 0x7ff8000000000000
	}
	e.buf = append(e.buf, tagFloat)
	e.buf = binary.BigEndian.AppendUint64(e.buf, bits)
	e.done()
}

// String writes a length-prefixed string.
func (e *Encoder) String(s string) {
	e.item()
	e.buf = appendLenPrefixed(e.buf, tagString, s)
	e.done()
}

// stringBytes writes b as a String without converting it.
func (e *Encoder) stringBytes(b []byte) {
	e.item()
	e.buf = append(e.buf, tagString)
	e.buf = binary.AppendUvarint(e.buf, uint64(len(b)))
	e.buf = append(e.buf, b...)
	e.done()
}

// Bytes writes a length-prefixed byte string (distinct from String).
func (e *Encoder) Bytes(b []byte) {
	e.item()
	e.buf = append(e.buf, tagBytes)
	e.buf = binary.AppendUvarint(e.buf, uint64(len(b)))
	e.buf = append(e.buf, b...)
	e.done()
}

// Digest writes a digest computed elsewhere (a sub-component).
func (e *Encoder) Digest(d Digest) {
	e.item()
	e.buf = append(e.buf, tagDigest)
	e.buf = append(e.buf, d[:]...)
	e.done()
}

// List announces a list of n elements; the next n values are its elements.
func (e *Encoder) List(n int) { e.open(tagList, n, n) }

// Struct announces a record of n fields; each field is Field(name) (or
// FieldNum) followed by exactly one value. Field order is the caller's fixed
// schema order.
func (e *Encoder) Struct(n int) { e.open(tagStruct, n, 2*n) }

// Field writes the key of the next struct field.
func (e *Encoder) Field(name string) {
	e.item()
	e.buf = appendLenPrefixed(e.buf, tagFieldKey, name)
	e.done()
}

// FieldNum writes a numeric struct field key (used for protobuf fields,
// whose numbers are their stable identity).
func (e *Encoder) FieldNum(num uint64) {
	e.item()
	e.buf = append(e.buf, tagFieldNum)
	e.buf = binary.AppendUvarint(e.buf, num)
	e.done()
}

// StringList writes a list of strings in the given order.
func (e *Encoder) StringList(ss []string) {
	e.List(len(ss))
	for _, s := range ss {
		e.String(s)
	}
}

// StringMap writes a map of strings in ascending key order, whatever the Go
// map's iteration order.
func (e *Encoder) StringMap(m map[string]string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.open(tagMap, len(keys), 2*len(keys))
	for _, k := range keys {
		e.String(k)
		e.String(m[k])
	}
}

// Map announces n key/value pairs; write each with MapKey then one value.
// Keys must be strictly ascending (Sum reports ErrEncoderMisuse otherwise),
// which makes the encoding independent of any map iteration order.
func (e *Encoder) Map(n int) {
	e.open(tagMap, n, 2*n)
	e.mapKeys = append(e.mapKeys, "\x00start")
}

// MapKey writes the key of the next pair of the innermost Map.
func (e *Encoder) MapKey(k string) {
	if n := len(e.mapKeys); n > 0 {
		prev := e.mapKeys[n-1]
		if prev != "\x00start" && strings.Compare(prev, k) >= 0 && e.err == nil {
			e.err = fmt.Errorf("%w: map key %q not after %q", ErrEncoderMisuse, k, prev)
		}
		e.mapKeys[n-1] = k
	}
	e.String(k)
}

// EndMap closes the key-order check of the innermost Map.
func (e *Encoder) EndMap() {
	if n := len(e.mapKeys); n > 0 {
		e.mapKeys = e.mapKeys[:n-1]
	}
}

// Sum finishes the digest. It fails when containers were left incomplete
// or overfilled.
func (e *Encoder) Sum() (Digest, error) {
	if e.err != nil {
		return Digest{}, e.err
	}
	if len(e.pending) > 0 {
		return Digest{}, fmt.Errorf("%w: %d container(s) left open", ErrEncoderMisuse, len(e.pending))
	}
	e.h.Write(e.buf)
	e.buf = e.buf[:0]
	var d Digest
	e.h.Sum(d[:0])
	return d, nil
}

// Digest is a SHA-256 digest in the canonical encoding. Its text form is
// "sha256:<64 lowercase hex>"; the zero Digest means "absent" and prints "".
type Digest [sha256.Size]byte

const digestPrefix = "sha256:"

// IsZero reports whether d is the absent digest.
func (d Digest) IsZero() bool { return d == Digest{} }

// String returns "sha256:<hex>", or "" for the zero digest.
func (d Digest) String() string {
	if d.IsZero() {
		return ""
	}
	return digestPrefix + hex.EncodeToString(d[:])
}

// MarshalText implements encoding.TextMarshaler.
func (d Digest) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; "" is the zero digest.
func (d *Digest) UnmarshalText(b []byte) error {
	p, err := ParseDigest(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// ParseDigest parses "sha256:<64 lowercase hex>" ("" gives the zero digest).
func ParseDigest(s string) (Digest, error) {
	var d Digest
	if s == "" {
		return d, nil
	}
	hexPart, ok := strings.CutPrefix(s, digestPrefix)
	if !ok || len(hexPart) != 2*len(d) || strings.ToLower(hexPart) != hexPart {
		return d, fmt.Errorf("%w: %q is not sha256:<64 lowercase hex>", ErrInvalidDigest, s)
	}
	if _, err := hex.Decode(d[:], []byte(hexPart)); err != nil {
		return d, fmt.Errorf("%w: %q: %v", ErrInvalidDigest, s, err)
	}
	return d, nil
}

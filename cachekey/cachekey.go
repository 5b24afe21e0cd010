package cachekey

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Format constants: a key starts with Prefix.
const (
	// Version is the key-format version.
	Version = 1
	// HashTag names the hash of the digests a key holds.
	HashTag = "sha256"
	// Prefix starts every key of this format.
	Prefix = "dpk1." + HashTag + "."
)

// Special data versions.
const (
	// Ignored is the data version of an input whose behavior is ignore: a
	// constant, so its changes never reach the key.
	Ignored = "ignored"
	// unmatchablePrefix starts the data version of a disabled or
	// unhashable input: unique per run and node, so no later key matches.
	unmatchablePrefix = "unmatchable:"
)

// ErrFormat reports a string that is not a key of this format.
var ErrFormat = errors.New("cachekey: malformed key")

// Key is what a node's result depends on.
type Key struct {
	Node        string
	CodeVersion string
	// Dependencies maps each keyed input's node name to its data version.
	Dependencies map[string]string
}

// Unmatchable returns a data version that no other run produces: a disabled
// or unhashable input gives it to its dependents, forcing a miss.
func Unmatchable(runID, node string) string {
	return unmatchablePrefix + runID + ":" + node
}

// IsUnmatchable reports whether v came from Unmatchable.
func IsUnmatchable(v string) bool { return strings.HasPrefix(v, unmatchablePrefix) }

// Hash returns "sha256:<hex>" over domain and parts, each length-prefixed so
// no two inputs share an encoding. It makes code versions and content
// digests.
func Hash(domain string, parts ...string) string {
	h := sha256.New()
	var buf [binary.MaxVarintLen64]byte
	for _, s := range append([]string{domain}, parts...) {
		n := binary.PutUvarint(buf[:], uint64(len(s)))
		h.Write(buf[:n])
		h.Write([]byte(s))
	}
	return HashTag + ":" + hex.EncodeToString(h.Sum(nil))
}

// DataVersionOf is the data version of a result whose engine reported
// none: a digest of its cache key (the key itself would nest every
// upstream key in its dependents', growing with the depth of the graph).
func DataVersionOf(key string) string { return Hash("deltaplan.cachekey.data-version.v1", key) }

// Value tags of the canonical encoding.
const (
	tagText   = 0
	tagDigest = 1
)

// String encodes the key.
func (k Key) String() string {
	names := make([]string, 0, len(k.Dependencies))
	for n := range k.Dependencies {
		names = append(names, n)
	}
	slices.Sort(names)
	b := make([]byte, 0, 64+len(k.Node)+len(names)*64)
	b = putString(b, k.Node)
	b = putValue(b, k.CodeVersion)
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, n := range names {
		b = putString(b, n)
		b = putValue(b, k.Dependencies[n])
	}
	return Prefix + base64.RawURLEncoding.EncodeToString(b)
}

func putString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func putValue(b []byte, v string) []byte {
	if raw, ok := digestBytes(v); ok {
		b = append(b, tagDigest)
		return append(b, raw...)
	}
	b = append(b, tagText)
	return putString(b, v)
}

// digestBytes returns the raw bytes of "sha256:<64 lower-case hex>".
func digestBytes(v string) ([]byte, bool) {
	const p = HashTag + ":"
	if len(v) != len(p)+64 || !strings.HasPrefix(v, p) {
		return nil, false
	}
	for _, c := range v[len(p):] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return nil, false
		}
	}
	raw, err := hex.DecodeString(v[len(p):])
	return raw, err == nil
}

// Decode reads a key back. Anything but the canonical encoding of a key is
// ErrFormat.
func Decode(s string) (Key, error) {
	rest, ok := strings.CutPrefix(s, Prefix)
	if !ok {
		if v, _, found := strings.Cut(s, "."); found && strings.HasPrefix(v, "dpk") {
			return Key{}, fmt.Errorf("%w: key format %q is not %q", ErrFormat, s[:min(len(s), len(Prefix))], Prefix)
		}
		return Key{}, fmt.Errorf("%w: does not start with %q", ErrFormat, Prefix)
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	if err != nil {
		return Key{}, fmt.Errorf("%w: base64: %v", ErrFormat, err)
	}
	d := decoder{b: b}
	k := Key{Node: d.str("node"), CodeVersion: d.value("code version")}
	n := d.uvarint("dependency count")
	if d.err == nil && n > uint64(len(d.b)) { // each dependency takes at least 2 bytes
		d.fail("dependency count %d exceeds the key", n)
	}
	k.Dependencies = make(map[string]string, min(n, 1<<16))
	prev := ""
	for i := uint64(0); i < n && d.err == nil; i++ {
		name := d.str("dependency name")
		v := d.value("data version of " + name)
		if d.err != nil {
			break
		}
		if i > 0 && name <= prev {
			d.fail("dependency %q is out of order or repeated", name)
			break
		}
		prev = name
		k.Dependencies[name] = v
	}
	if d.err == nil && len(d.b) > 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return Key{}, d.err
	}
	return k, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("%s: bad varint", what)
		return 0
	}
	if n != len(binary.AppendUvarint(nil, v)) {
		d.fail("%s: over-long varint", what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str(what string) string {
	n := d.uvarint(what + " length")
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.fail("%s: length %d exceeds the key", what, n)
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) value(what string) string {
	if d.err != nil {
		return ""
	}
	if len(d.b) == 0 {
		d.fail("%s: missing", what)
		return ""
	}
	tag := d.b[0]
	d.b = d.b[1:]
	switch tag {
	case tagText:
		s := d.str(what)
		if _, ok := digestBytes(s); ok && d.err == nil {
			d.fail("%s: a digest stored as text", what)
		}
		return s
	case tagDigest:
		if len(d.b) < sha256.Size {
			d.fail("%s: short digest", what)
			return ""
		}
		s := HashTag + ":" + hex.EncodeToString(d.b[:sha256.Size])
		d.b = d.b[sha256.Size:]
		return s
	default:
		d.fail("%s: unknown value tag %d", what, tag)
		return ""
	}
}

// Decoded is the JSON form of a key (`deltaplan cache decode --json`).
type Decoded struct {
	KeyVersion   int               `json:"key_version"`
	HashTag      string            `json:"hash"`
	Node         string            `json:"node"`
	CodeVersion  string            `json:"code_version"`
	Dependencies map[string]string `json:"dependencies"`
}

// JSON returns the key's JSON form; encoding/json prints the dependencies in
// name order.
func (k Key) JSON() Decoded {
	deps := k.Dependencies
	if deps == nil {
		deps = map[string]string{}
	}
	return Decoded{KeyVersion: Version, HashTag: HashTag, Node: k.Node, CodeVersion: k.CodeVersion, Dependencies: deps}
}

// With returns a copy of k with the given dependencies replaced (or added).
func (k Key) With(deps map[string]string) Key {
	out := Key{Node: k.Node, CodeVersion: k.CodeVersion, Dependencies: make(map[string]string, len(k.Dependencies))}
	for n, v := range k.Dependencies {
		out.Dependencies[n] = v
	}
	for n, v := range deps {
		out.Dependencies[n] = v
	}
	return out
}

// Rekey decodes planned, replaces the given dependencies and encodes the
// result: what the ledger does when an input's data version became known
// only after the plan.
func Rekey(planned string, deps map[string]string) (string, error) {
	k, err := Decode(planned)
	if err != nil {
		return "", err
	}
	for n := range deps {
		if _, ok := k.Dependencies[n]; !ok {
			return "", fmt.Errorf("cachekey: rekey %s: %q is not a dependency of node %s", planned, n, k.Node)
		}
	}
	return k.With(deps).String(), nil
}

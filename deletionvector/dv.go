package deletionvector

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/google/uuid"
)

// MagicNumber starts every serialized Delta deletion-vector bitmap (little
// endian), before the portable 64-bit RoaringBitmap.
const MagicNumber uint32 = 1681511377

// Storage types of a descriptor.
const (
	StorageInline   = 'i' // Z85 bitmap in the log
	StorageRelative = 'u' // <random prefix><Z85 UUID> under the table root
	StorageAbsolute = 'p' // an absolute path (URI)
)

// Descriptor is the deletionVector field of an add action.
//
// Invariants (checked by Validate): StorageType is 'i', 'u' or 'p';
// Offset is absent for 'i'; Cardinality >= 0; SizeInBytes >= 0 or -1 when
// unknown (a descriptor rebuilt from a unique id does not carry it).
type Descriptor struct {
	StorageType    byte
	PathOrInlineDv string
	Offset         int64 // valid when HasOffset
	HasOffset      bool
	SizeInBytes    int64
	Cardinality    int64
}

// Validate reports the first broken invariant.
func (d Descriptor) Validate() error {
	switch d.StorageType {
	case StorageInline:
		if d.HasOffset {
			return fmt.Errorf("%w: inline deletion vector with an offset", ErrDescriptor)
		}
	case StorageRelative, StorageAbsolute:
		if d.PathOrInlineDv == "" {
			return fmt.Errorf("%w: storage type %q without a path", ErrDescriptor, d.StorageType)
		}
		if d.HasOffset && d.Offset < 0 {
			return fmt.Errorf("%w: negative offset %d", ErrDescriptor, d.Offset)
		}
	default:
		return fmt.Errorf("%w: unknown storage type %q", ErrDescriptor, d.StorageType)
	}
	if d.Cardinality < 0 {
		return fmt.Errorf("%w: negative cardinality %d", ErrDescriptor, d.Cardinality)
	}
	if d.SizeInBytes < -1 {
		return fmt.Errorf("%w: negative size %d", ErrDescriptor, d.SizeInBytes)
	}
	return nil
}

// UniqueID is the protocol's unique id: storage type, path or inline data,
// and "@offset" when an offset is present.
func (d Descriptor) UniqueID() string {
	id := string(d.StorageType) + d.PathOrInlineDv
	if d.HasOffset {
		id += "@" + strconv.FormatInt(d.Offset, 10)
	}
	return id
}

// ParseUniqueID rebuilds a descriptor from its unique id (the form
// model.FileSet.DVIDs keeps) and the log's cardinality. The protocol
// forbids an offset on inline vectors, so an inline id is all data; for
// 'u' and 'p' a trailing "@digits" is the offset. SizeInBytes is unknown
// (-1): the file framing carries the size, and the inline bitmap's
// trailing Z85 padding is checked to be zero instead.
func ParseUniqueID(id string, cardinality int64) (Descriptor, error) {
	if id == "" {
		return Descriptor{}, fmt.Errorf("%w: empty unique id", ErrDescriptor)
	}
	d := Descriptor{StorageType: id[0], PathOrInlineDv: id[1:], SizeInBytes: -1, Cardinality: cardinality}
	if d.StorageType != StorageInline {
		if at := strings.LastIndexByte(d.PathOrInlineDv, '@'); at >= 0 && at+1 < len(d.PathOrInlineDv) && allDigits(d.PathOrInlineDv[at+1:]) {
			off, err := strconv.ParseInt(d.PathOrInlineDv[at+1:], 10, 64)
			if err != nil {
				return Descriptor{}, fmt.Errorf("%w: offset in %q: %v", ErrDescriptor, id, err)
			}
			d.PathOrInlineDv, d.Offset, d.HasOffset = d.PathOrInlineDv[:at], off, true
		}
	}
	if err := d.Validate(); err != nil {
		return Descriptor{}, fmt.Errorf("deletion vector %q: %w", id, err)
	}
	return d, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// RelativePath returns where a 'u' vector is stored, relative to the table
// root: <prefix>/deletion_vector_<uuid>.bin, the UUID being the last 20
// Z85 characters. For 'p' it returns the absolute path as stated. It is an
// error for inline vectors.
func (d Descriptor) RelativePath() (string, error) {
	switch d.StorageType {
	case StorageAbsolute:
		return d.PathOrInlineDv, nil
	case StorageRelative:
		s := d.PathOrInlineDv
		if len(s) < 20 {
			return "", fmt.Errorf("%w: relative path %q shorter than a Z85 UUID (20 characters)", ErrDescriptor, s)
		}
		raw, err := decodeZ85(s[len(s)-20:])
		if err != nil {
			return "", fmt.Errorf("%w: UUID of %q: %v", ErrDescriptor, s, err)
		}
		u, err := uuid.FromBytes(raw)
		if err != nil {
			return "", fmt.Errorf("%w: UUID of %q: %v", ErrDescriptor, s, err)
		}
		name := "deletion_vector_" + u.String() + ".bin"
		if prefix := s[:len(s)-20]; prefix != "" {
			return path.Join(prefix, name), nil
		}
		return name, nil
	}
	return "", fmt.Errorf("%w: an inline deletion vector has no path", ErrDescriptor)
}

// RangeReader reads part of a stored object; delta.Storage satisfies it.
// Paths are relative to the table root ('u') or as the log states them
// ('p'); an implementation that cannot reach absolute paths returns an
// error.
type RangeReader interface {
	ReadRange(ctx context.Context, path string, off, n int64) ([]byte, error)
}

// Load returns the deleted row indexes of d, read from st for stored
// vectors. The bitmap's cardinality must equal d.Cardinality. Errors name
// the deletion-vector file (or "inline").
func Load(ctx context.Context, st RangeReader, d Descriptor) (*roaring64.Bitmap, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if d.StorageType == StorageInline {
		bm, err := decodeInline(d)
		if err != nil {
			return nil, fmt.Errorf("inline deletion vector: %w", err)
		}
		return bm, nil
	}
	p, err := d.RelativePath()
	if err != nil {
		return nil, err
	}
	bm, err := loadStored(ctx, st, p, d)
	if err != nil {
		return nil, fmt.Errorf("deletion vector %s: %w", p, err)
	}
	return bm, nil
}

func decodeInline(d Descriptor) (*roaring64.Bitmap, error) {
	raw, err := decodeZ85(d.PathOrInlineDv)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDescriptor, err)
	}
	data := raw
	if d.SizeInBytes >= 0 {
		if d.SizeInBytes > int64(len(raw)) || int64(len(raw))-d.SizeInBytes > 3 {
			return nil, fmt.Errorf("%w: sizeInBytes %d but the Z85 text holds %d bytes", ErrFormat, d.SizeInBytes, len(raw))
		}
		data = raw[:d.SizeInBytes]
	}
	bm, used, err := decodeBitmap(data)
	if err != nil {
		return nil, err
	}
	// Z85 pads to 4 bytes; the padding must be zeros and shorter than 4.
	rest := data[used:]
	if len(rest) > 3 || !allZero(rest) {
		return nil, fmt.Errorf("%w: %d unexpected bytes after the bitmap", ErrFormat, len(rest))
	}
	return bm, checkCardinality(bm, d.Cardinality)
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// loadStored reads <size><bitmap><crc> at d.Offset (the file starts with
// its format version byte, 1; offsets point past it).
func loadStored(ctx context.Context, st RangeReader, p string, d Descriptor) (*roaring64.Bitmap, error) {
	if st == nil {
		return nil, fmt.Errorf("%w: no storage to read a stored deletion vector from", ErrDescriptor)
	}
	off := int64(1)
	if d.HasOffset {
		off = d.Offset
	}
	if off < 1 {
		return nil, fmt.Errorf("%w: offset %d points at the version byte", ErrDescriptor, off)
	}
	ver, err := st.ReadRange(ctx, p, 0, 1)
	if err != nil {
		return nil, err
	}
	if len(ver) != 1 || ver[0] != 1 {
		return nil, fmt.Errorf("%w: file format version %v, want 1", ErrFormat, ver)
	}
	head, err := st.ReadRange(ctx, p, off, 4)
	if err != nil {
		return nil, err
	}
	if len(head) != 4 {
		return nil, fmt.Errorf("%w: truncated at offset %d (no size)", ErrFormat, off)
	}
	size := int64(binary.BigEndian.Uint32(head))
	if d.SizeInBytes >= 0 && size != d.SizeInBytes {
		return nil, fmt.Errorf("%w: stored size %d at offset %d, the log says %d", ErrFormat, size, off, d.SizeInBytes)
	}
	if size < 12 || size > maxBitmapBytes {
		return nil, fmt.Errorf("%w: implausible bitmap size %d at offset %d", ErrFormat, size, off)
	}
	body, err := st.ReadRange(ctx, p, off+4, size+4)
	if err != nil {
		return nil, err
	}
	if int64(len(body)) != size+4 {
		return nil, fmt.Errorf("%w: truncated: %d of %d bytes at offset %d", ErrFormat, len(body), size+4, off+4)
	}
	data, sum := body[:size], binary.BigEndian.Uint32(body[size:])
	if got := crc32.ChecksumIEEE(data); got != sum {
		return nil, fmt.Errorf("%w: CRC-32 %08x, stored %08x (offset %d)", ErrChecksum, got, sum, off)
	}
	bm, used, err := decodeBitmap(data)
	if err != nil {
		return nil, err
	}
	if used != len(data) {
		return nil, fmt.Errorf("%w: %d bytes after the bitmap", ErrFormat, len(data)-used)
	}
	return bm, checkCardinality(bm, d.Cardinality)
}

// maxBitmapBytes bounds what one vector may ask us to read (a 2^32-row
// file's full bitmap is 512 MiB).
const maxBitmapBytes = 1 << 30

func checkCardinality(bm *roaring64.Bitmap, want int64) error {
	if got := bm.GetCardinality(); got != uint64(want) {
		return fmt.Errorf("%w: bitmap holds %d rows, the log says %d", ErrCardinality, got, want)
	}
	return nil
}

// Decode parses a serialized Delta bitmap (magic number + portable 64-bit
// RoaringBitmap) that must fill data exactly.
func Decode(data []byte) (*roaring64.Bitmap, error) {
	bm, used, err := decodeBitmap(data)
	if err != nil {
		return nil, err
	}
	if used != len(data) {
		return nil, fmt.Errorf("%w: %d bytes after the bitmap", ErrFormat, len(data)-used)
	}
	return bm, nil
}

// decodeBitmap parses magic + bitmap from the front of data and returns how
// many bytes it used. The bucket count is checked against the bytes left
// before the library allocates for it, keys must ascend with a zero top bit
// (the protocol's rule), and a panic inside the library on hostile bytes is
// turned into ErrFormat.
func decodeBitmap(data []byte) (bm *roaring64.Bitmap, used int, err error) {
	if len(data) < 12 {
		return nil, 0, fmt.Errorf("%w: %d bytes, too short for a bitmap", ErrFormat, len(data))
	}
	if m := binary.LittleEndian.Uint32(data); m != MagicNumber {
		return nil, 0, fmt.Errorf("%w: magic number %d, want %d", ErrFormat, m, MagicNumber)
	}
	buckets := binary.LittleEndian.Uint64(data[4:])
	// Each bucket takes at least a 4-byte key and an 8-byte empty 32-bit
	// header.
	if buckets > uint64(len(data)-12)/12 {
		return nil, 0, fmt.Errorf("%w: %d buckets cannot fit in %d bytes", ErrFormat, buckets, len(data))
	}
	defer func() {
		if r := recover(); r != nil {
			bm, used, err = nil, 0, fmt.Errorf("%w: undecodable bitmap: %v", ErrFormat, r)
		}
	}()
	if err := validateLayout(data[4:], buckets); err != nil {
		return nil, 0, err
	}
	rd := bytes.NewReader(data[4:])
	bm = roaring64.New()
	if _, err := bm.ReadFrom(rd); err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	used = len(data) - rd.Len()
	if err := bm.Validate(); err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return bm, used, nil
}

// validateLayout walks the portable 64-bit layout before the library
// builds from it: bucket keys (the high 32 bits of row indexes) must ascend
// strictly, as the layout requires and the library's binary searches
// assume, and have a zero top bit (the protocol's rule). Each 32-bit bitmap
// is parsed once here to find where the next key starts; vectors are small.
func validateLayout(data []byte, buckets uint64) error {
	rd := bytes.NewReader(data[8:])
	prev := int64(-1)
	for i := uint64(0); i < buckets; i++ {
		var kb [4]byte
		if _, err := io.ReadFull(rd, kb[:]); err != nil {
			return fmt.Errorf("%w: bucket %d: no key: %v", ErrFormat, i, err)
		}
		k := int64(binary.LittleEndian.Uint32(kb[:]))
		if k>>31 != 0 {
			return fmt.Errorf("%w: bucket key %d has its top bit set", ErrFormat, k)
		}
		if k <= prev {
			return fmt.Errorf("%w: bucket keys not ascending (%d after %d)", ErrFormat, k, prev)
		}
		prev = k
		b := roaring.NewBitmap()
		if _, err := b.ReadFrom(rd); err != nil {
			return fmt.Errorf("%w: bucket %d: %v", ErrFormat, i, err)
		}
		if err := b.Validate(); err != nil {
			return fmt.Errorf("%w: bucket %d: %v", ErrFormat, i, err)
		}
	}
	return nil
}

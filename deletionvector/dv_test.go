package deletionvector

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/storage"
)

// serialize returns magic + portable bitmap of rows.
func serialize(t testing.TB, rows ...uint64) []byte {
	t.Helper()
	bm := roaring64.BitmapOf(rows...)
	var buf bytes.Buffer
	binary.Write(&buf, binary.LittleEndian, MagicNumber)
	if _, err := bm.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// frame wraps bitmaps in the on-disk layout: version 1, then per vector a
// big-endian size, the data and a big-endian CRC-32. It returns the file
// and each vector's offset.
func frame(vecs ...[]byte) ([]byte, []int64) {
	out := []byte{1}
	var offs []int64
	for _, v := range vecs {
		offs = append(offs, int64(len(out)))
		out = binary.BigEndian.AppendUint32(out, uint32(len(v)))
		out = append(out, v...)
		out = binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(v))
	}
	return out, offs
}

// memFiles is a RangeReader over in-memory files.
type memFiles map[string][]byte

func (m memFiles) ReadRange(_ context.Context, p string, off, n int64) ([]byte, error) {
	b, ok := m[p]
	if !ok {
		return nil, &os.PathError{Op: "read", Path: p, Err: os.ErrNotExist}
	}
	if off > int64(len(b)) {
		return nil, nil
	}
	end := min(off+n, int64(len(b)))
	return b[off:end], nil
}

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func TestInline(t *testing.T) {
	data := serialize(t, 0, 5, 1<<33)
	text, err := encodeZ85(pad4(append([]byte{}, data...)))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		d       Descriptor
		wantErr error
		reason  string
	}{
		{"ok", Descriptor{StorageType: 'i', PathOrInlineDv: text, SizeInBytes: int64(len(data)), Cardinality: 3}, nil, "should decode: cardinality agrees"},
		{"ok-unknown-size", Descriptor{StorageType: 'i', PathOrInlineDv: text, SizeInBytes: -1, Cardinality: 3}, nil, "should decode: zero padding tolerated without sizeInBytes"},
		{"cardinality", Descriptor{StorageType: 'i', PathOrInlineDv: text, SizeInBytes: -1, Cardinality: 2}, ErrCardinality, "should fail: log says 2 rows, bitmap has 3"},
		{"bad-z85", Descriptor{StorageType: 'i', PathOrInlineDv: "abc\"~", SizeInBytes: -1, Cardinality: 3}, ErrDescriptor, "should fail: not Z85"},
		{"size-too-big", Descriptor{StorageType: 'i', PathOrInlineDv: text, SizeInBytes: 400, Cardinality: 3}, ErrFormat, "should fail: sizeInBytes beyond data"},
		{"offset", Descriptor{StorageType: 'i', PathOrInlineDv: text, HasOffset: true, Offset: 1, Cardinality: 3}, ErrDescriptor, "should fail: inline vectors have no offset"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bm, err := Load(context.Background(), nil, c.d)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("%s: got %v", c.reason, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", c.reason, err)
			}
			if !bm.Contains(1<<33) || !bm.Contains(5) || bm.GetCardinality() != 3 {
				t.Fatalf("%s: wrong rows %v", c.reason, bm.ToArray())
			}
		})
	}
}

func TestStored(t *testing.T) {
	a, b := serialize(t, 1, 2), serialize(t, 7)
	file, offs := frame(a, b)
	uid := "d1a8fb85-3abb-4956-ac4a-1c7fcd9ec4c1"
	z := mustZ85UUID(t, uid)
	name := "ab/deletion_vector_" + uid + ".bin"
	corrupt := append([]byte{}, file...)
	corrupt[offs[1]+6] ^= 0xFF
	files := memFiles{name: file, "bad/deletion_vector_" + uid + ".bin": corrupt,
		"short/deletion_vector_" + uid + ".bin": file[:offs[1]+5]}
	cases := []struct {
		name    string
		d       Descriptor
		wantErr error
		want    []uint64
		reason  string
	}{
		{"first", Descriptor{StorageType: 'u', PathOrInlineDv: "ab" + z, HasOffset: true, Offset: offs[0], SizeInBytes: int64(len(a)), Cardinality: 2}, nil, []uint64{1, 2}, "should decode the first vector"},
		{"second", Descriptor{StorageType: 'u', PathOrInlineDv: "ab" + z, HasOffset: true, Offset: offs[1], SizeInBytes: -1, Cardinality: 1}, nil, []uint64{7}, "should decode the vector at its offset"},
		{"size-mismatch", Descriptor{StorageType: 'u', PathOrInlineDv: "ab" + z, HasOffset: true, Offset: offs[1], SizeInBytes: 99, Cardinality: 1}, ErrFormat, nil, "should fail: framing size differs from sizeInBytes"},
		{"crc", Descriptor{StorageType: 'u', PathOrInlineDv: "bad" + z, HasOffset: true, Offset: offs[1], SizeInBytes: -1, Cardinality: 1}, ErrChecksum, nil, "should fail: flipped byte breaks CRC"},
		{"truncated", Descriptor{StorageType: 'u', PathOrInlineDv: "short" + z, HasOffset: true, Offset: offs[1], SizeInBytes: -1, Cardinality: 1}, ErrFormat, nil, "should fail: file ends inside the vector"},
		{"cardinality", Descriptor{StorageType: 'u', PathOrInlineDv: "ab" + z, HasOffset: true, Offset: offs[0], SizeInBytes: -1, Cardinality: 3}, ErrCardinality, nil, "should fail: log says 3"},
		{"missing", Descriptor{StorageType: 'u', PathOrInlineDv: "zz" + z, HasOffset: true, Offset: 1, SizeInBytes: -1, Cardinality: 1}, os.ErrNotExist, nil, "should fail: file absent"},
		{"absolute", Descriptor{StorageType: 'p', PathOrInlineDv: name, HasOffset: true, Offset: offs[1], SizeInBytes: -1, Cardinality: 1}, nil, []uint64{7}, "should decode an absolute path"},
		{"bad-uuid", Descriptor{StorageType: 'u', PathOrInlineDv: "short", HasOffset: true, Offset: 1, SizeInBytes: -1, Cardinality: 1}, ErrDescriptor, nil, "should fail: path shorter than a UUID"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bm, err := Load(context.Background(), files, c.d)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("%s: got %v", c.reason, err)
				}
				if c.d.StorageType == 'u' && c.wantErr != ErrDescriptor && !bytes.Contains([]byte(err.Error()), []byte("deletion_vector_"+uid)) {
					t.Fatalf("%s: error does not name the file: %v", c.reason, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", c.reason, err)
			}
			if got := bm.ToArray(); !equalU64(got, c.want) {
				t.Fatalf("%s: rows %v, want %v", c.reason, got, c.want)
			}
		})
	}
}

func mustZ85UUID(t *testing.T, s string) string {
	t.Helper()
	u := []byte{}
	hex := []byte(s)
	for i := 0; i < len(hex); {
		if hex[i] == '-' {
			i++
			continue
		}
		u = append(u, unhex(hex[i])<<4|unhex(hex[i+1]))
		i += 2
	}
	z, err := encodeZ85(u)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func equalU64(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParseUniqueID(t *testing.T) {
	cases := []struct {
		id     string
		want   Descriptor
		reason string
	}{
		{"u0Mb{.bIUQYOtd%By%1f@@1", Descriptor{StorageType: 'u', PathOrInlineDv: "0Mb{.bIUQYOtd%By%1f@", Offset: 1, HasOffset: true, SizeInBytes: -1, Cardinality: 2}, "the last @digits is the offset even when Z85 holds '@'"},
		{"i^Bg9^0rr9@12", Descriptor{StorageType: 'i', PathOrInlineDv: "^Bg9^0rr9@12", SizeInBytes: -1, Cardinality: 2}, "inline ids never carry an offset"},
		{"pfile:///x/dv.bin", Descriptor{StorageType: 'p', PathOrInlineDv: "file:///x/dv.bin", SizeInBytes: -1, Cardinality: 2}, "absolute path without offset"},
	}
	for _, c := range cases {
		got, err := ParseUniqueID(c.id, 2)
		if err != nil || got != c.want {
			t.Errorf("%s: ParseUniqueID(%q) = %+v, %v; want %+v", c.reason, c.id, got, err, c.want)
		}
		if got.UniqueID() != c.id {
			t.Errorf("%s: round trip %q -> %q", c.reason, c.id, got.UniqueID())
		}
	}
	for _, bad := range []string{"", "x123", "u"} {
		if _, err := ParseUniqueID(bad, 1); !errors.Is(err, ErrDescriptor) {
			t.Errorf("ParseUniqueID(%q): want ErrDescriptor, got %v", bad, err)
		}
	}
}

// TestFixtures loads every deletion vector of the shared fixture tables
// that have them, through the reader's file set, and checks each against
// the log's cardinality (Load does) and the total against the snapshot.
func TestFixtures(t *testing.T) {
	root := fixtures.Dir(t, "delta")
	for _, name := range []string{"table-with-dv-small", "dv-with-columnmapping", "with-short-dv"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(root, name)
			tab, err := storage.OpenTable(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			s, err := tab.Snapshot(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var total int64
			n := 0
			for i, id := range s.Files.DVIDs {
				if id == "" {
					continue
				}
				d, err := ParseUniqueID(id, s.Files.DVCardinality[i])
				if err != nil {
					t.Fatal(err)
				}
				bm, err := Load(context.Background(), tab.Storage(), d)
				if err != nil {
					t.Fatalf("file %s: %v", s.Files.Paths[i], err)
				}
				total += int64(bm.GetCardinality())
				n++
			}
			if n == 0 {
				t.Fatalf("%s: no deletion vectors found; the fixture should have some", name)
			}
			if total != s.NumDeletedRecords {
				t.Fatalf("deleted rows %d, snapshot says %d", total, s.NumDeletedRecords)
			}
		})
	}
}

// Package deletionvector decodes Delta Lake deletion vectors: the
// descriptor an add action carries (inline, relative-UUID or absolute
// storage), the on-disk framing (version byte, big-endian size, bitmap,
// big-endian CRC-32) and the bitmap itself, Delta's magic number followed
// by a RoaringBitmap in the portable 64-bit layout, which
// github.com/RoaringBitmap/roaring/v2/roaring64 reads.
//
// Every decoded bitmap is checked against the cardinality the log states;
// any disagreement, bad checksum, bad magic or unreadable file is an error
// that names the file (or the inline descriptor), never an empty bitmap.
package deletionvector

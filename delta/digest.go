package delta

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"maps"
	"slices"
	"sort"
	"strings"
)

// LogSegmentInfo says what a snapshot replayed: the checkpoint it started
// from and the commit (and log compaction) files after it.
type LogSegmentInfo struct {
	// Checkpoint is nil when the replay started at version 0.
	Checkpoint *CheckpointInfo `json:"checkpoint"`
	// Commits are the versions read from their commit files, ascending.
	Commits []int64 `json:"commits"`
	// Compactions are the log compaction files read in place of the
	// commits they cover (names under _delta_log/), ascending.
	Compactions []string `json:"compactions"`
}

// CheckpointInfo describes the checkpoint a replay started from.
type CheckpointInfo struct {
	Version int64 `json:"version"`
	// Kind is "classic", "multi-part" or "v2".
	Kind string `json:"kind"`
	// Parts are its file names under _delta_log/ (one but for multi-part).
	Parts []string `json:"parts"`
	// Sidecars are the sidecar files a v2 checkpoint named, sorted.
	Sidecars []string `json:"sidecars"`
}

func newLogSegmentInfo(seg *logSegment, sidecars []FileInfo) LogSegmentInfo {
	info := LogSegmentInfo{Commits: []int64{}, Compactions: []string{}}
	for _, f := range seg.replay {
		if f.kind == kindCompaction {
			info.Compactions = append(info.Compactions, strings.TrimPrefix(f.Path, logDir))
		} else {
			info.Commits = append(info.Commits, f.version)
		}
	}
	if cp := seg.checkpoint; cp != nil {
		ci := &CheckpointInfo{Version: cp.version, Parts: []string{}, Sidecars: []string{}}
		ci.Kind = map[fileKind]string{kindClassicCheckpoint: "classic", kindMultiPartCheckpoint: "multi-part", kindV2Checkpoint: "v2"}[cp.kind]
		for _, f := range cp.files {
			ci.Parts = append(ci.Parts, strings.TrimPrefix(f.Path, logDir))
		}
		for _, s := range sidecars {
			ci.Sidecars = append(ci.Sidecars, strings.TrimPrefix(s.Path, logDir))
		}
		sort.Strings(ci.Sidecars)
		info.Checkpoint = ci
	}
	return info
}

// DigestVersion is the version of the content digest's encoding; it is
// part of what is hashed.
const DigestVersion = 1

// Digest is a content digest of the snapshot's state: protocol, metadata
// and the live files (path, size, partition values, deletion vector), as
// "sha256:<hex>". It is canonical: equal whichever log segment produced
// the state (any checkpoint form, log compaction, or commits alone) and
// back to its old value when a file is added and then removed, so pins can
// be compared by content. Statistics, modification times, commit times and
// app transactions are not covered. It is computed on each call.
func (s *Snapshot) Digest() string {
	d := digester{h: sha256.New()}
	d.str("deltaplan/delta-snapshot")
	d.u64(DigestVersion)
	p := s.Protocol
	d.u64(uint64(p.MinReaderVersion))
	d.u64(uint64(p.MinWriterVersion))
	d.set(p.ReaderFeatures)
	d.set(p.WriterFeatures)
	m := s.Metadata
	d.str(m.ID)
	d.optStr(m.Name)
	d.optStr(m.Description)
	d.str(m.Format.Provider)
	d.kv(m.Format.Options)
	d.str(canonicalJSON(m.SchemaString)) // writers differ in whitespace
	d.list(m.PartitionColumns)
	d.kv(m.Configuration)
	if m.CreatedTime != nil {
		d.u64(1)
		d.u64(uint64(*m.CreatedTime))
	} else {
		d.u64(0)
	}
	f := s.Files
	d.u64(uint64(f.Len()))
	for i := 0; i < f.Len(); i++ {
		d.str(f.Paths[i])
		d.u64(uint64(f.Sizes[i]))
		for _, pc := range f.Partitions {
			if pc.RawValid[i] {
				d.u64(1)
				d.str(pc.Raw[i])
			} else {
				d.u64(0)
			}
		}
		d.str(f.DVIDs[i])
		d.u64(uint64(f.DVCardinality[i]))
	}
	return "sha256:" + hex.EncodeToString(d.h.Sum(nil))
}

// canonicalJSON re-encodes a JSON text compactly with object keys sorted
// (numbers kept as written), so equal schemas hash alike; text that is not
// JSON is kept as is.
func canonicalJSON(s string) string {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil || dec.More() {
		return s
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return s
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// digester writes length-prefixed, typed fields so no two states encode
// alike.
type digester struct {
	h   hash.Hash
	buf [8]byte
}

func (d *digester) u64(v uint64) {
	binary.BigEndian.PutUint64(d.buf[:], v)
	d.h.Write(d.buf[:])
}

func (d *digester) str(s string) {
	d.u64(uint64(len(s)))
	d.h.Write([]byte(s))
}

func (d *digester) optStr(s *string) {
	if s == nil {
		d.u64(0)
		return
	}
	d.u64(1)
	d.str(*s)
}

func (d *digester) list(l []string) {
	d.u64(uint64(len(l)))
	for _, s := range l {
		d.str(s)
	}
}

// set hashes a set of strings: sorted, duplicates once.
func (d *digester) set(l []string) {
	d.list(slices.Compact(slices.Sorted(slices.Values(l))))
}

func (d *digester) kv(m map[string]string) {
	keys := slices.Sorted(maps.Keys(m))
	d.u64(uint64(len(keys)))
	for _, k := range keys {
		d.str(k)
		d.str(m[k])
	}
}

// crcFile is the part of a version checksum file (N.crc) checked against
// the replay.
type crcFile struct {
	TableSizeBytes       *int64    `json:"tableSizeBytes"`
	NumFiles             *int64    `json:"numFiles"`
	NumDeletedRecordsOpt *int64    `json:"numDeletedRecordsOpt"`
	Metadata             *Metadata `json:"metadata"`
	Protocol             *Protocol `json:"protocol"`
}

// checkCRC cross-checks the pinned version's .crc (when listed) against
// the replayed snapshot: numFiles, tableSizeBytes, protocol, metadata and,
// when given, the deleted-record count. A disagreement is
// ErrChecksumMismatch naming the file and every field that differs; a .crc
// that is not JSON is ErrCorruptLog.
func checkCRC(data []byte, path string, s *Snapshot) error {
	var c crcFile
	if err := json.Unmarshal(data, &c); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorruptLog, path, err)
	}
	var diffs []string
	num := func(field string, crc *int64, got int64) {
		if crc != nil && *crc != got {
			diffs = append(diffs, fmt.Sprintf("%s %d in the .crc, %d replayed", field, *crc, got))
		}
	}
	num("numFiles", c.NumFiles, int64(s.Files.Len()))
	num("tableSizeBytes", c.TableSizeBytes, s.SizeBytes)
	num("numDeletedRecordsOpt", c.NumDeletedRecordsOpt, s.NumDeletedRecords)
	if p := c.Protocol; p != nil {
		q := s.Protocol
		if p.MinReaderVersion != q.MinReaderVersion || p.MinWriterVersion != q.MinWriterVersion ||
			!sameSet(p.ReaderFeatures, q.ReaderFeatures) || !sameSet(p.WriterFeatures, q.WriterFeatures) {
			diffs = append(diffs, "protocol")
		}
	}
	if m := c.Metadata; m != nil {
		q := s.Metadata
		var fields []string
		if m.ID != q.ID {
			fields = append(fields, "id")
		}
		if m.SchemaString != q.SchemaString {
			fields = append(fields, "schemaString")
		}
		if !slices.Equal(m.PartitionColumns, q.PartitionColumns) && len(m.PartitionColumns)+len(q.PartitionColumns) > 0 {
			fields = append(fields, "partitionColumns")
		}
		if !maps.Equal(m.Configuration, q.Configuration) && len(m.Configuration)+len(q.Configuration) > 0 {
			fields = append(fields, "configuration")
		}
		if m.Format.Provider != q.Format.Provider {
			fields = append(fields, "format")
		}
		if len(fields) > 0 {
			diffs = append(diffs, "metadata ("+strings.Join(fields, ", ")+")")
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("%w: %s disagrees with the replay of version %d: %s", ErrChecksumMismatch, path, s.Version, strings.Join(diffs, "; "))
	}
	return nil
}

func sameSet(a, b []string) bool {
	return slices.Equal(slices.Compact(slices.Sorted(slices.Values(a))), slices.Compact(slices.Sorted(slices.Values(b))))
}

package delta

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
)

type manifest struct {
	Tables []manifestTable `json:"tables"`
}

type manifestTable struct {
	Name                string                     `json:"name"`
	Path                string                     `json:"path"`
	Expected            *manifestExpected          `json:"expected"`
	ExpectedLogicalRows *int64                     `json:"expected_logical_rows"`
	Versions            map[string]manifestVersion `json:"versions"`
	MustFail            string                     `json:"must_fail"`
}

type manifestExpected struct {
	CheckpointVersion *int64   `json:"checkpoint_version"`
	MinReaderVersion  int      `json:"min_reader_version"`
	MinWriterVersion  int      `json:"min_writer_version"`
	NumDeletedRecords int64    `json:"num_deleted_records"`
	NumFiles          int      `json:"num_files"`
	NumRecords        *int64   `json:"num_records"`
	PartitionColumns  []string `json:"partition_columns"`
	ReaderFeatures    []string `json:"reader_features"`
	SizeBytes         int64    `json:"size_bytes"`
	TableID           string   `json:"table_id"`
	Version           int64    `json:"version"`
}

type manifestVersion struct {
	NumFiles  int   `json:"num_files"`
	SizeBytes int64 `json:"size_bytes"`
}

var mustFailErrors = map[string]error{
	"table_not_found":            ErrTableNotFound,
	"unsupported_reader_version": ErrUnsupportedReaderVersion,
	"unsupported_reader_feature": ErrUnsupportedReaderFeature,
	"missing_protocol":           ErrMissingProtocol,
	"missing_metadata":           ErrMissingMetadata,
}

func loadManifest(t *testing.T) (string, manifest) {
	dir := fixtures.Dir(t, "delta")
	b, err := os.ReadFile(filepath.Join(dir, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("MANIFEST.json: %v", err)
	}
	if len(m.Tables) == 0 {
		t.Fatal("MANIFEST.json lists no tables")
	}
	return dir, m
}

// openDir opens a table in a local directory, as storage.OpenTable does
// for a local LOCATION.
func openDir(ctx context.Context, dir string, opts ...Option) (*Table, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	return Open(ctx, LocalFS{Root: abs}, abs, opts...)
}

func openSnapshot(ctx context.Context, loc string, opts ...SnapshotOption) (*Snapshot, error) {
	tbl, err := openDir(ctx, loc)
	if err != nil {
		return nil, err
	}
	return tbl.Snapshot(ctx, opts...)
}

// crcContradictsLog lists fixtures whose checksum file disagrees with
// their log: crc-full is delta-kernel-rs's .crc parsing fixture, whose
// commit adds no file while its .crc counts 10 (5,259 bytes).
var crcContradictsLog = map[string]bool{"crc-full": true}

// TestManifest checks every fact MANIFEST.json states for every table.
func TestManifest(t *testing.T) {
	dir, m := loadManifest(t)
	ctx := context.Background()
	for _, tc := range m.Tables {
		t.Run(tc.Name, func(t *testing.T) {
			loc := filepath.Join(dir, tc.Path)
			if tc.MustFail != "" {
				want, ok := mustFailErrors[tc.MustFail]
				if !ok {
					t.Fatalf("unknown must_fail kind %q", tc.MustFail)
				}
				_, err := openSnapshot(ctx, loc)
				if !errors.Is(err, want) {
					t.Fatalf("should fail with %v (%s), got %v", want, tc.MustFail, err)
				}
				return
			}
			if tc.Expected == nil {
				t.Fatal("table has neither expected nor must_fail")
			}
			var opts []SnapshotOption
			if crcContradictsLog[tc.Name] {
				// The manifest states what the log alone reconstructs.
				opts = append(opts, WithoutChecksum())
				if _, err := openSnapshot(ctx, loc); !errors.Is(err, ErrChecksumMismatch) {
					t.Errorf("should fail by default: its .crc contradicts the log; got %v", err)
				}
			}
			s, err := openSnapshot(ctx, loc, opts...)
			if err != nil {
				t.Fatalf("snapshot: %v", err)
			}
			e := tc.Expected
			check := func(what string, got, want any) {
				t.Helper()
				gb, _ := json.Marshal(got)
				wb, _ := json.Marshal(want)
				if string(gb) != string(wb) {
					t.Errorf("%s = %s, want %s", what, gb, wb)
				}
			}
			check("version", s.Version, e.Version)
			check("checkpoint_version", s.CheckpointVersion, e.CheckpointVersion)
			check("min_reader_version", s.Protocol.MinReaderVersion, e.MinReaderVersion)
			check("min_writer_version", s.Protocol.MinWriterVersion, e.MinWriterVersion)
			rf := append([]string{}, s.Protocol.ReaderFeatures...)
			sort.Strings(rf)
			check("reader_features", rf, e.ReaderFeatures)
			check("partition_columns", s.Metadata.PartitionColumns, e.PartitionColumns)
			check("table_id", s.Metadata.ID, e.TableID)
			check("num_files", s.Files.Len(), e.NumFiles)
			check("size_bytes", s.SizeBytes, e.SizeBytes)
			check("num_records", s.NumRecords, e.NumRecords)
			check("num_deleted_records", s.NumDeletedRecords, e.NumDeletedRecords)
			if tc.ExpectedLogicalRows != nil {
				if s.NumRecords == nil {
					t.Errorf("expected_logical_rows %d but num_records is unknown", *tc.ExpectedLogicalRows)
				} else if got := *s.NumRecords - s.NumDeletedRecords; got != *tc.ExpectedLogicalRows {
					t.Errorf("logical rows = %d, want %d", got, *tc.ExpectedLogicalRows)
				}
			}
			checkFileSet(t, s)
			vs := make([]string, 0, len(tc.Versions))
			for v := range tc.Versions {
				vs = append(vs, v)
			}
			sort.Strings(vs)
			for _, v := range vs {
				want := tc.Versions[v]
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					t.Fatalf("bad version key %q", v)
				}
				vsnap, err := openSnapshot(ctx, loc, AtVersion(n))
				if err != nil {
					t.Errorf("version %d: %v", n, err)
					continue
				}
				if vsnap.Version != n || vsnap.Files.Len() != want.NumFiles || vsnap.SizeBytes != want.SizeBytes {
					t.Errorf("version %d: got version %d, %d files, %d bytes; want %d files, %d bytes",
						n, vsnap.Version, vsnap.Files.Len(), vsnap.SizeBytes, want.NumFiles, want.SizeBytes)
				}
				checkFileSet(t, vsnap)
			}
		})
	}
}

// checkFileSet asserts the model.FileSet invariants.
func checkFileSet(t *testing.T, s *Snapshot) {
	t.Helper()
	f := s.Files
	n := f.Len()
	if len(f.Sizes) != n || len(f.ModTimes) != n || len(f.NumRecords) != n || len(f.DVCardinality) != n || len(f.DVIDs) != n || len(f.TightBounds) != n {
		t.Fatalf("file set columns have unequal lengths")
	}
	for i := range n {
		// A file has a deletion-vector id exactly when it has a DV.
		if (f.DVIDs[i] != "") != (f.DVCardinality[i] >= 0) {
			t.Fatalf("file %s: deletion-vector id %q with cardinality %d", f.Paths[i], f.DVIDs[i], f.DVCardinality[i])
		}
	}
	for i := 1; i < n; i++ {
		if f.Paths[i-1] >= f.Paths[i] {
			t.Fatalf("paths not sorted/unique at %d: %q, %q", i, f.Paths[i-1], f.Paths[i])
		}
	}
	if len(f.Partitions) != len(s.Metadata.PartitionColumns) {
		t.Fatalf("%d partition columns, metadata has %d", len(f.Partitions), len(s.Metadata.PartitionColumns))
	}
	for j, p := range f.Partitions {
		if p.Name != s.Metadata.PartitionColumns[j] || len(p.Raw) != n || len(p.RawValid) != n || p.Values.Len() != n {
			t.Fatalf("partition column %d (%s) malformed", j, p.Name)
		}
	}
	for j, c := range f.Stats {
		if c.Min.Len() != n || c.Max.Len() != n || len(c.NullCount) != n {
			t.Fatalf("stats column %s has wrong length", c.Path)
		}
		if j > 0 && f.Stats[j-1].Path.String() >= c.Path.String() {
			t.Fatalf("stats not sorted at %s", c.Path)
		}
	}
}

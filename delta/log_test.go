package delta

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deltaplan/deltaplan/internal/fixtures"
)

// copyTable copies a fixture table into a temporary directory so a test can
// damage it.
func copyTable(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join(fixtures.Dir(t, "delta"), name)
	dst := filepath.Join(t.TempDir(), name)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func logPath(dir string, name string) string { return filepath.Join(dir, "_delta_log", name) }

func commitName(v int64) string { return fmt.Sprintf("%020d.json", v) }

// TestLogSegmentEdgeCases damages copies of real tables and checks the
// reader's answer for each defect.
func TestLogSegmentEdgeCases(t *testing.T) {
	ctx := context.Background()
	const base = "basic-with-inserts-deletes-checkpoint" // commits 0..13, checkpoint 10
	tests := []struct {
		name    string
		table   string
		damage  func(t *testing.T, dir string)
		opts    []SnapshotOption
		wantErr error
		inMsg   string // the error must name this
		check   func(t *testing.T, s *Snapshot)
	}{
		{name: "gap after checkpoint is an error naming the version", table: base,
			damage:  func(t *testing.T, d string) { os.Remove(logPath(d, commitName(12))) },
			wantErr: ErrVersionGap, inMsg: "version 12"},
		{name: "gap before checkpoint does not matter for the latest version", table: base,
			damage: func(t *testing.T, d string) { os.Remove(logPath(d, commitName(3))) },
			check: func(t *testing.T, s *Snapshot) {
				if s.Version != 13 || *s.CheckpointVersion != 10 {
					t.Errorf("version %d checkpoint %v", s.Version, s.CheckpointVersion)
				}
			}},
		{name: "gap before checkpoint breaks time travel below it", table: base,
			damage:  func(t *testing.T, d string) { os.Remove(logPath(d, commitName(3))) },
			opts:    []SnapshotOption{AtVersion(5)},
			wantErr: ErrVersionGap, inMsg: "version 3"},
		{name: "stale hint pointing at a missing checkpoint", table: base,
			damage: func(t *testing.T, d string) {
				os.WriteFile(logPath(d, "_last_checkpoint"), []byte(`{"version":7,"size":3}`), 0o644)
			},
			check: func(t *testing.T, s *Snapshot) {
				if s.CheckpointVersion == nil || *s.CheckpointVersion != 10 || s.Files.Len() != 7 {
					t.Errorf("checkpoint %v files %d", s.CheckpointVersion, s.Files.Len())
				}
			}},
		{name: "hint beyond the log", table: base,
			damage: func(t *testing.T, d string) {
				os.WriteFile(logPath(d, "_last_checkpoint"), []byte(`{"version":99}`), 0o644)
			},
			check: func(t *testing.T, s *Snapshot) {
				if s.Version != 13 || s.Files.Len() != 7 {
					t.Errorf("version %d files %d", s.Version, s.Files.Len())
				}
			}},
		{name: "corrupt hint", table: base,
			damage: func(t *testing.T, d string) {
				os.WriteFile(logPath(d, "_last_checkpoint"), []byte(`{"vers`), 0o644)
			},
			check: func(t *testing.T, s *Snapshot) {
				if s.Files.Len() != 7 {
					t.Errorf("files %d", s.Files.Len())
				}
			}},
		{name: "multi-part checkpoint with a missing part falls back to commits", table: "multi-part-checkpoint",
			damage: func(t *testing.T, d string) {
				os.Remove(logPath(d, "00000000000000000001.checkpoint.0000000002.0000000002.parquet"))
			},
			check: func(t *testing.T, s *Snapshot) {
				if s.CheckpointVersion != nil || s.Version != 1 {
					t.Errorf("checkpoint %v version %d, want replay from commits", s.CheckpointVersion, s.Version)
				}
			}},
		{name: "truncated commit", table: base,
			damage: func(t *testing.T, d string) {
				p := logPath(d, commitName(13))
				b, _ := os.ReadFile(p)
				os.WriteFile(p, b[:len(b)/2], 0o644)
			},
			wantErr: ErrCorruptLog, inMsg: commitName(13)},
		{name: "damaged checkpoint", table: base,
			damage: func(t *testing.T, d string) {
				os.WriteFile(logPath(d, "00000000000000000010.checkpoint.parquet"), []byte("PAR1 not really parquet PAR1"), 0o644)
			},
			wantErr: ErrCorruptLog, inMsg: "00000000000000000010.checkpoint.parquet"},
		{name: "version beyond latest", table: base, opts: []SnapshotOption{AtVersion(14)}, wantErr: ErrVersionNotFound},
		{name: "log without commit 0 or checkpoint", table: "basic_partitioned",
			damage:  func(t *testing.T, d string) { os.Remove(logPath(d, commitName(0))) },
			wantErr: ErrVersionNotFound, inMsg: "commit 0"},
		{name: "no _delta_log", table: base,
			damage:  func(t *testing.T, d string) { os.RemoveAll(filepath.Join(d, "_delta_log")) },
			wantErr: ErrTableNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyTable(t, tc.table)
			if tc.damage != nil {
				tc.damage(t, dir)
			}
			s, err := openSnapshot(ctx, dir, tc.opts...)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got %v, want %v", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.inMsg) {
					t.Errorf("error %q does not name %q", err, tc.inMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, s)
		})
	}
}

// TestTimestampTravel sets commit file times and pins versions by time.
func TestTimestampTravel(t *testing.T) {
	ctx := context.Background()
	dir := copyTable(t, "basic-with-inserts-deletes-checkpoint")
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	for v := int64(0); v <= 13; v++ {
		mt := t0.Add(time.Duration(v) * time.Hour)
		if err := os.Chtimes(logPath(dir, commitName(v)), mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		at      time.Time
		want    int64
		wantErr error
	}{
		{"exactly at a commit pins it", t0.Add(4 * time.Hour), 4, nil},
		{"between commits pins the earlier", t0.Add(4*time.Hour + 30*time.Minute), 4, nil},
		{"first commit", t0, 0, nil},
		{"after the last commit pins the latest", t0.Add(100 * time.Hour), 13, nil},
		{"before the first commit is out of range", t0.Add(-time.Second), 0, ErrTimestampOutOfRange},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := openSnapshot(ctx, dir, AtTimestamp(tc.at))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Version != tc.want {
				t.Errorf("version %d, want %d", s.Version, tc.want)
			}
			if want := t0.Add(time.Duration(tc.want) * time.Hour).UnixMilli(); s.TimestampMs != want {
				t.Errorf("timestamp_ms %d, want %d", s.TimestampMs, want)
			}
		})
	}
}

// TestInCommitTimestamps pins by in-commit timestamps, which win over file
// times once the table enables them.
func TestInCommitTimestamps(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "_delta_log"), 0o755)
	schema := `{\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}}]}`
	commits := []string{
		`{"commitInfo":{"inCommitTimestamp":1000}}
{"protocol":{"minReaderVersion":1,"minWriterVersion":7,"writerFeatures":["inCommitTimestamp"]}}
{"metaData":{"id":"ict","format":{"provider":"parquet"},"schemaString":"` + schema + `","partitionColumns":[],"configuration":{"delta.enableInCommitTimestamps":"true","delta.inCommitTimestampEnablementVersion":"0"}}}
{"add":{"path":"a.parquet","partitionValues":{},"size":10,"modificationTime":1,"dataChange":true}}`,
		`{"commitInfo":{"inCommitTimestamp":2000}}
{"add":{"path":"b.parquet","partitionValues":{},"size":20,"modificationTime":1,"dataChange":true}}`,
		`{"commitInfo":{"inCommitTimestamp":3000}}
{"remove":{"path":"a.parquet","deletionTimestamp":3000,"dataChange":true}}`,
	}
	for v, c := range commits {
		p := logPath(dir, commitName(int64(v)))
		os.WriteFile(p, []byte(c), 0o644)
		// File times run backwards: only in-commit timestamps give the order.
		mt := time.UnixMilli(int64(1e9 - v*1000))
		os.Chtimes(p, mt, mt)
	}
	for _, tc := range []struct {
		ms        int64
		want      int64
		wantFiles int
	}{{1000, 0, 1}, {2500, 1, 2}, {3000, 2, 1}, {99999, 2, 1}} {
		s, err := openSnapshot(ctx, dir, AtTimestamp(time.UnixMilli(tc.ms)))
		if err != nil {
			t.Fatalf("at %d: %v", tc.ms, err)
		}
		if s.Version != tc.want || s.Files.Len() != tc.wantFiles {
			t.Errorf("at %d: version %d with %d files, want %d with %d", tc.ms, s.Version, s.Files.Len(), tc.want, tc.wantFiles)
		}
		if s.TimestampMs != []int64{1000, 2000, 3000}[s.Version] {
			t.Errorf("at %d: timestamp_ms %d", tc.ms, s.TimestampMs)
		}
	}
	if _, err := openSnapshot(ctx, dir, AtTimestamp(time.UnixMilli(999))); !errors.Is(err, ErrTimestampOutOfRange) {
		t.Errorf("before first: %v", err)
	}
}

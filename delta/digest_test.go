package delta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// replayFrom replays version target of the table in dir from checkpoint
// cp (nil: from commit 0), bypassing the segment choice.
func replayFrom(ctx context.Context, tbl *Table, l *listing, target int64, cp *checkpoint) (*Snapshot, error) {
	seg := &logSegment{version: target, checkpoint: cp}
	start := int64(0)
	if cp != nil {
		start = cp.version + 1
	}
	for v := start; v <= target; v++ {
		c, ok := l.commits[v]
		if !ok {
			return nil, fmt.Errorf("%w: commit %d", ErrVersionGap, v)
		}
		seg.commits = append(seg.commits, c)
	}
	seg.replay = seg.commits
	return tbl.replaySegment(ctx, seg)
}

// TestDigestAcrossSegments: on every shared table that keeps all its
// commits, the digest of the latest version is the same replayed from
// commit 0 and from every checkpoint of every form the log holds.
func TestDigestAcrossSegments(t *testing.T) {
	dir, m := loadManifest(t)
	ctx := context.Background()
	compared := 0
	for _, tc := range m.Tables {
		if tc.MustFail != "" || crcContradictsLog[tc.Name] {
			continue
		}
		if tc.Name == "parquet_row_group_skipping" {
			// Assembled fixture: its checkpoint's metaData has another
			// table id (d896277e-…) than its commits (fd39678a-…), so the
			// states differ and the digest rightly tells them apart.
			continue
		}
		t.Run(tc.Name, func(t *testing.T) {
			tbl, err := openDir(ctx, filepath.Join(dir, tc.Path))
			if err != nil {
				t.Fatal(err)
			}
			l, err := listLog(ctx, tbl.st, 0)
			if err != nil {
				t.Fatal(err)
			}
			base, err := replayFrom(ctx, tbl, l, l.latest, nil)
			if errors.Is(err, ErrVersionGap) {
				t.Skip("should skip: the table does not keep all its commits")
			}
			if err != nil {
				t.Fatal(err)
			}
			want := base.Digest()
			for i := range l.checkpoints {
				cp := &l.checkpoints[i]
				s, err := replayFrom(ctx, tbl, l, l.latest, cp)
				if err != nil {
					t.Fatalf("from checkpoint %s: %v", cp.files[0].Path, err)
				}
				if got := s.Digest(); got != want {
					t.Errorf("from checkpoint %s: digest %s, from commits %s", cp.files[0].Path, got, want)
				}
				compared++
			}
			latest, err := tbl.Snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if latest.Digest() != want {
				t.Errorf("Snapshot digest %s, from commits %s", latest.Digest(), want)
			}
		})
	}
	if compared < 10 {
		t.Errorf("only %d checkpoint replays compared", compared)
	}
}

// TestDigestContent: adding a file and removing it again gives back the
// old digest; any change of a covered field moves it.
func TestDigestContent(t *testing.T) {
	ctx := context.Background()
	st := memStorage{
		"_delta_log/" + commitName(0): []byte(rootTestMeta + addLine("a.parquet")),
		"_delta_log/" + commitName(1): []byte(addLine("b.parquet")),
		"_delta_log/" + commitName(2): []byte(removeLine("b.parquet")),
		"_delta_log/" + commitName(3): []byte(removeLine("a.parquet") + `{"add":{"path":"a.parquet","partitionValues":{},"size":2,"modificationTime":1,"dataChange":true}}` + "\n"),
	}
	tbl, err := Open(ctx, st, "/t")
	if err != nil {
		t.Fatal(err)
	}
	d := map[int64]string{}
	for v := int64(0); v <= 3; v++ {
		s, err := tbl.Snapshot(ctx, AtVersion(v))
		if err != nil {
			t.Fatal(err)
		}
		d[v] = s.Digest()
	}
	if d[0] != d[2] {
		t.Errorf("should be equal: b added then removed; %s vs %s", d[0], d[2])
	}
	if d[0] == d[1] {
		t.Error("should differ: version 1 has one more file")
	}
	if d[0] == d[3] {
		t.Error("should differ: a's size changed")
	}
}

// TestLogSegmentInfo: log_segment names the checkpoint, its kind, parts
// and sidecars, and the commits replayed after it.
func TestLogSegmentInfo(t *testing.T) {
	ctx := context.Background()
	dir, _ := loadManifest(t)
	tests := []struct {
		table, kind    string
		parts          int
		sidecars       bool
		reason         string
		commitsAfterCp bool
	}{
		{"multi-part-checkpoint", "multi-part", 2, false, "a two-part checkpoint", false},
		{"basic-with-inserts-deletes-checkpoint", "classic", 1, false, "a classic checkpoint and commits after it", true},
		{"v2-checkpoints-json-with-sidecars", "v2", 1, true, "a v2 checkpoint naming sidecars", false},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			s, err := openSnapshot(ctx, filepath.Join(dir, tc.table))
			if err != nil {
				t.Fatal(err)
			}
			cp := s.LogSegment.Checkpoint
			if cp == nil || cp.Kind != tc.kind || len(cp.Parts) != tc.parts || (len(cp.Sidecars) > 0) != tc.sidecars || cp.Version != *s.CheckpointVersion {
				b, _ := json.Marshal(s.LogSegment)
				t.Fatalf("log segment %s", b)
			}
			if n := len(s.LogSegment.Commits); (n > 0) != tc.commitsAfterCp || (n > 0 && s.LogSegment.Commits[n-1] != s.Version) {
				t.Errorf("commits %v for version %d", s.LogSegment.Commits, s.Version)
			}
		})
	}
}

// TestChecksum: every .crc of the shared tables agrees with the replay of
// its version; a damaged one is an error naming the file and the fields.
func TestChecksum(t *testing.T) {
	ctx := context.Background()
	dir, _ := loadManifest(t)
	crcs, _ := filepath.Glob(filepath.Join(dir, "*", "_delta_log", "*.crc"))
	checked := 0
	for _, p := range crcs {
		table := filepath.Dir(filepath.Dir(p))
		if crcContradictsLog[filepath.Base(table)] {
			continue
		}
		var v int64
		if _, err := fmt.Sscanf(filepath.Base(p), "%020d.crc", &v); err != nil {
			continue
		}
		if _, err := openSnapshot(ctx, table, AtVersion(v)); err != nil {
			t.Errorf("%s version %d: %v", filepath.Base(table), v, err)
		}
		checked++
	}
	if checked < 20 {
		t.Errorf("only %d .crc files checked", checked)
	}

	const table = "cdf-table-with-cdc-and-dvs"
	edit := func(field string, val any) func(map[string]any) {
		return func(m map[string]any) { m[field] = val }
	}
	tests := []struct {
		reason string
		damage func(m map[string]any)
		fields []string
	}{
		{"should fail: numFiles off by one", func(m map[string]any) { m["numFiles"] = m["numFiles"].(float64) + 1 }, []string{"numFiles"}},
		{"should fail: size and deleted records wrong", func(m map[string]any) {
			m["tableSizeBytes"] = float64(1)
			m["numDeletedRecordsOpt"] = float64(12345)
		}, []string{"tableSizeBytes", "numDeletedRecordsOpt"}},
		{"should fail: protocol differs", func(m map[string]any) {
			m["protocol"].(map[string]any)["minWriterVersion"] = float64(2)
		}, []string{"protocol"}},
		{"should fail: metadata id and schema differ", func(m map[string]any) {
			md := m["metadata"].(map[string]any)
			md["id"] = "other"
			md["schemaString"] = `{"type":"struct","fields":[]}`
		}, []string{"metadata (id, schemaString)"}},
		{"should pass: fields the check does not cover", edit("txnId", "x"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			d := copyTable(t, table)
			names, _ := filepath.Glob(filepath.Join(d, "_delta_log", "*.crc"))
			slices.Sort(names)
			last := names[len(names)-1]
			var m map[string]any
			b, _ := os.ReadFile(last)
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			tc.damage(m)
			b, _ = json.Marshal(m)
			if err := os.WriteFile(last, b, 0o644); err != nil {
				t.Fatal(err)
			}
			var v int64
			fmt.Sscanf(filepath.Base(last), "%020d.crc", &v)
			_, err := openSnapshot(context.Background(), d, AtVersion(v))
			if tc.fields == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrChecksumMismatch) {
				t.Fatalf("got %v, want ErrChecksumMismatch", err)
			}
			for _, f := range append(tc.fields, filepath.Base(last)) {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("error %q does not name %s", err, f)
				}
			}
			if _, err := openSnapshot(context.Background(), d, AtVersion(v), WithoutChecksum()); err != nil {
				t.Errorf("WithoutChecksum: %v", err)
			}
		})
	}
}

// TestLogCompaction: a compaction file covering commits 1–3 is read in
// their place and gives the plain replay's state; one reaching past the
// pinned version is not used.
func TestLogCompaction(t *testing.T) {
	ctx := context.Background()
	st := memStorage{
		"_delta_log/" + commitName(0): []byte(rootTestMeta + addLine("a.parquet")),
		"_delta_log/" + commitName(1): []byte(addLine("b.parquet") + addLine("c.parquet")),
		"_delta_log/" + commitName(2): []byte(removeLine("b.parquet")),
		"_delta_log/" + commitName(3): []byte(addLine("d.parquet") + removeLine("a.parquet")),
		"_delta_log/" + commitName(4): []byte(addLine("e.parquet")),
		// Reconciled actions of 1–3: c and d live, a and b tombstones.
		"_delta_log/00000000000000000001.00000000000000000003.compacted.json": []byte(addLine("c.parquet") + addLine("d.parquet") + removeLine("a.parquet") + removeLine("b.parquet")),
		// Reaches past version 3: usable only for pins at 4.
		"_delta_log/00000000000000000002.00000000000000000004.compacted.json": []byte(addLine("d.parquet") + addLine("e.parquet") + removeLine("a.parquet") + removeLine("b.parquet")),
	}
	tbl, err := Open(ctx, st, "/t")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		version int64
		want    []string
	}{{3, []string{"00000000000000000001.00000000000000000003.compacted.json"}}, {4, []string{"00000000000000000001.00000000000000000003.compacted.json"}}, {2, []string{}}} {
		s, err := tbl.Snapshot(ctx, AtVersion(tc.version))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := tbl.Snapshot(ctx, AtVersion(tc.version), WithoutLogCompaction())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(s.LogSegment.Compactions, tc.want) {
			t.Errorf("version %d: compactions used %v, want %v", tc.version, s.LogSegment.Compactions, tc.want)
		}
		if len(plain.LogSegment.Compactions) != 0 {
			t.Errorf("WithoutLogCompaction used %v", plain.LogSegment.Compactions)
		}
		if s.Digest() != plain.Digest() || !slices.Equal(s.Files.Paths, plain.Files.Paths) {
			t.Errorf("version %d: with compaction %v, plain replay %v", tc.version, s.Files.Paths, plain.Files.Paths)
		}
	}
}

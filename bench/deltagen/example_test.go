package deltagen

import (
	"bytes"
	"context"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/storage"
	"github.com/parquet-go/parquet-go"
)

var update = flag.Bool("update", false, "rewrite testdata/example/sales")

// TestWriteExample regenerates the example table into a temporary
// directory and requires it to match the committed copy byte for byte
// (run with -update to rewrite the committed copy), then reads it back.
func TestWriteExample(t *testing.T) {
	committed := filepath.Join(fixtures.RepoRoot(t), "testdata", "example", "sales")
	if *update {
		if err := os.RemoveAll(committed); err != nil {
			t.Fatal(err)
		}
		if err := WriteExample(committed); err != nil {
			t.Fatal(err)
		}
	}
	fresh := filepath.Join(t.TempDir(), "sales")
	if err := WriteExample(fresh); err != nil {
		t.Fatal(err)
	}
	want := readTree(t, committed)
	got := readTree(t, fresh)
	if len(got) != len(want) {
		t.Errorf("generator writes %d files, committed table has %d (run with -update)", len(got), len(want))
	}
	for p, b := range got {
		if !bytes.Equal(want[p], b) {
			t.Errorf("%s differs from the committed copy (run with -update)", p)
		}
	}

	ctx := context.Background()
	tbl, err := storage.OpenTable(ctx, committed)
	if err != nil {
		t.Fatal(err)
	}
	s, err := tbl.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != 4 || s.CheckpointVersion == nil || *s.CheckpointVersion != 3 || s.Files.Len() != 8 {
		t.Errorf("version %d checkpoint %v files %d; want 4, 3, 8", s.Version, s.CheckpointVersion, s.Files.Len())
	}
	if want := int64(40 + 30 + 35 + 45 + 38 + 25 + 20 + 30); s.NumRecords == nil || *s.NumRecords != want {
		t.Errorf("num_records %v, want %d", s.NumRecords, want)
	}
	if s.TimestampMs != exampleStart.UnixMilli()+4*3600_000 {
		t.Errorf("timestamp_ms %d is not the in-commit timestamp of version 4", s.TimestampMs)
	}
	if len(s.Files.Stats) != 5 || len(s.Files.Partitions) != 1 {
		t.Errorf("%d stats columns, %d partition columns; want 5 and 1", len(s.Files.Stats), len(s.Files.Partitions))
	}
	checkDataFiles(t, committed, s)
	total := 0
	for p := range want {
		if info, err := os.Stat(filepath.Join(committed, p)); err == nil {
			total += int(info.Size())
		}
	}
	if total > 200_000 {
		t.Errorf("example table is %d bytes, keep it under 200 KB", total)
	}
}

func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatalf("read %s: %v", root, err)
	}
	return out
}

// checkDataFiles reads every active data file and checks its row count and
// order_id bounds against the statistics in the log.
func checkDataFiles(t *testing.T, root string, s *delta.Snapshot) {
	t.Helper()
	var ids *model.ColumnStats
	for i := range s.Files.Stats {
		if s.Files.Stats[i].Path.String() == "order_id" {
			ids = &s.Files.Stats[i]
		}
	}
	if ids == nil {
		t.Fatal("no order_id statistics")
	}
	for i, p := range s.Files.Paths {
		f, err := os.Open(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		info, _ := f.Stat()
		rows, err := parquet.Read[salesRow](f, info.Size())
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if int64(len(rows)) != s.Files.NumRecords[i] {
			t.Errorf("%s: %d rows, stats say %d", p, len(rows), s.Files.NumRecords[i])
		}
		lo, hi := rows[0].OrderID, rows[0].OrderID
		for _, r := range rows {
			lo, hi = min(lo, r.OrderID), max(hi, r.OrderID)
		}
		if lo != ids.Min.Ints[i] || hi != ids.Max.Ints[i] {
			t.Errorf("%s: order_id %d..%d, stats say %d..%d", p, lo, hi, ids.Min.Ints[i], ids.Max.Ints[i])
		}
	}
}

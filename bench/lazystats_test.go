package bench_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/deltaplan/deltaplan/bench/deltagen"
	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/storage"
)

// allocated returns the bytes fn allocates (TotalAlloc is cumulative, so
// the garbage collector does not hide anything).
func allocated(fn func()) uint64 {
	runtime.GC()
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	fn()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestSnapshotWithoutFilterAllocatesNoStatistics: a 200,000-file snapshot
// without a filter decodes no statistics: it holds no statistics columns,
// and it allocates less than the statistics columns alone would take
// (min and max, 8 bytes each per file and column) below a full decode.
// A filter over k columns decodes k.
func TestSnapshotWithoutFilterAllocatesNoStatistics(t *testing.T) {
	const files, cols = 200_000, 20
	// Generated once into the temp directory and reused, as the
	// benchmarks' logs are.
	dir := filepath.Join(os.TempDir(), "deltaplan-bench", "json-200000x20")
	var res deltagen.Result
	if data, err := os.ReadFile(filepath.Join(dir, ".complete")); err != nil || json.Unmarshal(data, &res) != nil {
		os.RemoveAll(dir)
		if res, err = deltagen.GenerateJSON(dir, deltagen.Spec{Files: files, Commits: 20, StatsColumns: cols}); err != nil {
			t.Fatal(err)
		}
		data, _ := json.Marshal(res)
		if err := os.WriteFile(filepath.Join(dir, ".complete"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	snap := func(opts ...delta.SnapshotOption) *delta.Snapshot {
		tbl, err := storage.OpenTable(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		s, err := tbl.Snapshot(ctx, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if s.Files.Len() != res.ActiveFiles {
			t.Fatalf("%d files, want %d", s.Files.Len(), res.ActiveFiles)
		}
		return s
	}
	var none, three, all *delta.Snapshot
	noneBytes := allocated(func() { none = snap(delta.WithoutStats()) })
	threeBytes := allocated(func() {
		three = snap(delta.WithStatsColumns(model.Column{"c0000"}, model.Column{"c0001"}, model.Column{"c0002"}))
	})
	allBytes := allocated(func() { all = snap() })
	t.Logf("allocated: no filter %d MB, 3 columns %d MB, all %d columns %d MB", noneBytes>>20, threeBytes>>20, cols, allBytes>>20)
	if len(none.Files.Stats) != 0 {
		t.Errorf("no filter: %d statistics columns decoded, want none", len(none.Files.Stats))
	}
	if none.NumRecords == nil || all.NumRecords == nil || *none.NumRecords != *all.NumRecords {
		t.Errorf("numRecords must still be read: %v vs %v", none.NumRecords, all.NumRecords)
	}
	if len(three.Files.Stats) != 3 || len(all.Files.Stats) != cols {
		t.Errorf("3-column filter decoded %d columns, full decode %d; want 3 and %d", len(three.Files.Stats), len(all.Files.Stats), cols)
	}
	statsFloor := uint64(res.ActiveFiles) * cols * 16 // min and max values alone
	if noneBytes+statsFloor > allBytes {
		t.Errorf("no filter allocated %d bytes, full decode %d: less than the %d bytes of statistics columns apart, so statistics were allocated", noneBytes, allBytes, statsFloor)
	}
	for i, c := range three.Files.Stats { // the decoded columns equal the full decode's
		full := all.Files.Stats[i]
		if c.Path.String() != fmt.Sprintf("c%04d", i) || fmt.Sprint(c.Min.Ints[:100]) != fmt.Sprint(full.Min.Ints[:100]) {
			t.Errorf("column %s differs from the full decode", c.Path)
		}
	}
}

package deltawrite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/deltawrite"
	"github.com/deltaplan/deltaplan/model"
)

// TestRoundTrip creates tables, appends records and reads them back with
// the delta reader (version, files, records, stats) and arrow-go (data).
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		sizes []int // rows per append
	}{
		{"one row", []int{1}},
		{"several commits", []int{10, 1, 33, 7}},
		{"more rows than a parquet batch", []int{2500, 1030}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			ctx := context.Background()
			dir := t.TempDir()
			tbl, err := deltawrite.Create(ctx, deltawrite.Local(dir), allTypes(), deltawrite.WithName("rt"))
			if err != nil {
				t.Fatal(err)
			}
			var recs []arrow.RecordBatch
			defer func() {
				for _, r := range recs {
					r.Release()
				}
			}()
			total := int64(0)
			for i, n := range tc.sizes {
				rec := makeRecord(mem, i+1, n)
				recs = append(recs, rec)
				v, err := tbl.Append(ctx, rec)
				if err != nil {
					t.Fatal(err)
				}
				if v != int64(i+1) {
					t.Fatalf("append %d committed version %d, want %d", i, v, i+1)
				}
				total += int64(n)
			}
			snap := snapshot(t, dir)
			if snap.Version != int64(len(tc.sizes)) || snap.Files.Len() != len(tc.sizes) {
				t.Fatalf("version %d with %d files, want %d and %d", snap.Version, snap.Files.Len(), len(tc.sizes), len(tc.sizes))
			}
			if snap.NumRecords == nil || *snap.NumRecords != total {
				t.Fatalf("num_records %v, want %d", snap.NumRecords, total)
			}
			if snap.Metadata.Name == nil || *snap.Metadata.Name != "rt" || snap.Protocol.MinReaderVersion != 1 || snap.Protocol.MinWriterVersion != 2 {
				t.Errorf("metadata %+v protocol %+v", snap.Metadata, snap.Protocol)
			}
			want, _ := snap.Metadata.Schema.ArrowSchema()
			if err := equalSchemas(want, allTypes()); err != nil {
				t.Errorf("schemaString reads back as another schema: %v", err)
			}
			for i, rec := range recs {
				paths := commitAdds(t, dir, int64(i+1))
				if len(paths) != 1 {
					t.Fatalf("commit %d adds %v", i+1, paths)
				}
				got := readParquet(t, mem, filepath.Join(dir, paths[0]))
				checkData(t, rec, got)
				got.Release()
				checkStats(t, snap, paths[0], rec)
			}
		})
	}
}

func equalSchemas(a, b *arrow.Schema) error {
	if a.NumFields() != b.NumFields() {
		return errors.New("field counts differ")
	}
	for i := range a.Fields() {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Name != fb.Name || !arrow.TypeEqual(fa.Type, fb.Type) || fa.Nullable != fb.Nullable {
			return errors.New(fa.String() + " vs " + fb.String())
		}
	}
	return nil
}

// checkData compares a data file read back with the record written.
func checkData(t *testing.T, rec arrow.RecordBatch, got arrow.Table) {
	t.Helper()
	if got.NumRows() != rec.NumRows() || got.NumCols() != rec.NumCols() {
		t.Fatalf("read %dx%d, wrote %dx%d", got.NumRows(), got.NumCols(), rec.NumRows(), rec.NumCols())
	}
	for c := 0; c < int(rec.NumCols()); c++ {
		f := got.Schema().Field(c)
		if f.Name != rec.Schema().Field(c).Name {
			t.Fatalf("column %d is %q, wrote %q", c, f.Name, rec.Schema().Field(c).Name)
		}
		chunks := got.Column(c).Data().Chunks()
		col, err := array.Concatenate(chunks, memory.NewGoAllocator())
		if err != nil {
			t.Fatal(err)
		}
		if !arrow.TypeEqual(col.DataType(), rec.Column(c).DataType()) {
			t.Errorf("column %s reads back as %s, wrote %s", f.Name, col.DataType(), rec.Column(c).DataType())
		} else if !array.Equal(col, rec.Column(c)) {
			t.Errorf("column %s differs:\n got %v\nwant %v", f.Name, col, rec.Column(c))
		}
		col.Release()
	}
}

// checkStats: the stats of the file equal bounds computed from its data.
func checkStats(t *testing.T, snap *delta.Snapshot, path string, rec arrow.RecordBatch) {
	t.Helper()
	i := fileIndex(snap.Files, path)
	if i < 0 {
		t.Fatalf("%s not in the snapshot", path)
	}
	if snap.Files.NumRecords[i] != rec.NumRows() {
		t.Errorf("%s: numRecords %d, want %d", path, snap.Files.NumRecords[i], rec.NumRows())
	}
	for c, f := range rec.Schema().Fields() {
		lo, hi, nulls := bounds(rec.Column(c))
		cs := statOf(snap.Files, f.Name)
		if cs == nil {
			t.Errorf("%s: no stats for %s", path, f.Name)
			continue
		}
		if cs.NullCount[i] != nulls {
			t.Errorf("%s: %s nullCount %d, want %d", path, f.Name, cs.NullCount[i], nulls)
		}
		if f.Type.ID() == arrow.BINARY {
			lo, hi = model.Null, model.Null
		}
		if got := cs.Min.Get(i); !sameValue(got, lo) {
			t.Errorf("%s: %s min %v, want %v", path, f.Name, got, lo)
		}
		if got := cs.Max.Get(i); !sameValue(got, hi) {
			t.Errorf("%s: %s max %v, want %v", path, f.Name, got, hi)
		}
	}
}

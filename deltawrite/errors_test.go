package deltawrite_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/deltawrite"
)

func recordOf(mem memory.Allocator, s *arrow.Schema, rows int) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, s)
	defer b.Release()
	for r := 0; r < rows; r++ {
		for _, fb := range b.Fields() {
			switch x := fb.(type) {
			case *array.Int32Builder:
				x.Append(int32(r))
			case *array.Int64Builder:
				x.Append(int64(r))
			case *array.StringBuilder:
				x.Append("v")
			default:
				fb.AppendNull()
			}
		}
	}
	return b.NewRecordBatch()
}

// TestAppendSchemaMismatch: records whose schema is not the table's are
// refused before anything is written.
func TestAppendSchemaMismatch(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	dir := t.TempDir()
	tbl, err := deltawrite.Create(ctx, deltawrite.Local(dir), smallSchema)
	if err != nil {
		t.Fatal(err)
	}
	f := smallSchema.Fields()
	tests := []struct {
		name   string
		schema *arrow.Schema
		says   string
	}{
		{"should refuse: a column missing", arrow.NewSchema(f[:2], nil), `"note"`},
		{"should refuse: an extra column", arrow.NewSchema(append(append([]arrow.Field(nil), f...), arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true}), nil), `"x"`},
		{"should refuse: another type", arrow.NewSchema([]arrow.Field{f[0], {Name: "seq", Type: arrow.PrimitiveTypes.Int64}, f[2]}, nil), "int64"},
		{"should refuse: nullable where the table is not", arrow.NewSchema([]arrow.Field{f[0], {Name: "seq", Type: arrow.PrimitiveTypes.Int32, Nullable: true}, f[2]}, nil), "nullable"},
		{"should refuse: columns in another order", arrow.NewSchema([]arrow.Field{f[1], f[0], f[2]}, nil), "column 0"},
		{"should refuse: a renamed column", arrow.NewSchema([]arrow.Field{f[0], f[1], {Name: "Note", Type: arrow.BinaryTypes.String, Nullable: true}}, nil), `"Note"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := recordOf(mem, tc.schema, 2)
			defer rec.Release()
			v, err := tbl.Append(ctx, rec)
			if !errors.Is(err, deltawrite.ErrSchemaMismatch) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("version %d, err %v; want ErrSchemaMismatch mentioning %s", v, err, tc.says)
			}
		})
	}
	t.Run("should refuse: a null in a non-nullable column", func(t *testing.T) {
		b := array.NewRecordBuilder(mem, smallSchema)
		defer b.Release()
		b.Field(0).(*array.Int32Builder).AppendNull()
		b.Field(1).(*array.Int32Builder).Append(1)
		b.Field(2).(*array.StringBuilder).Append("x")
		rec := b.NewRecordBatch()
		defer rec.Release()
		if _, err := tbl.Append(ctx, rec); !errors.Is(err, deltawrite.ErrSchemaMismatch) || !strings.Contains(err.Error(), "writer") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("should refuse: no rows", func(t *testing.T) {
		rec := recordOf(mem, smallSchema, 0)
		defer rec.Release()
		if _, err := tbl.Append(ctx, rec); !errors.Is(err, deltawrite.ErrEmptyRecord) {
			t.Fatalf("err %v", err)
		}
	})
	parts, _ := filepath.Glob(filepath.Join(dir, "part-*"))
	if s := snapshot(t, dir); s.Version != 0 || len(parts) != 0 {
		t.Fatalf("refused appends left version %d and data files %v", s.Version, parts)
	}
}

// ignoringStore claims PutIfAbsent but overwrites, like an S3 server that
// ignores If-None-Match.
type ignoringStore struct{ deltawrite.LocalFS }

func (s ignoringStore) PutIfAbsent(ctx context.Context, p string, data []byte) error {
	return s.Put(ctx, p, data)
}

// losingStore loses every commit race.
type losingStore struct{ deltawrite.LocalFS }

func (s losingStore) PutIfAbsent(ctx context.Context, p string, data []byte) error {
	if strings.HasSuffix(p, "0.json") || strings.Contains(p, "probe") {
		return s.LocalFS.PutIfAbsent(ctx, p, data)
	}
	return fs.ErrExist
}

// TestCreateErrors: stores and schemas the writer must refuse.
func TestCreateErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		st     func(dir string) delta.Storage
		schema *arrow.Schema
		opts   []deltawrite.Option
		want   error
	}{
		{"should refuse: a store without PutIfAbsent", func(d string) delta.Storage { return delta.LocalFS{Root: d} }, smallSchema, nil, deltawrite.ErrUnsupportedStorage},
		{"should refuse: a store that ignores the condition", func(d string) delta.Storage { return ignoringStore{deltawrite.Local(d)} }, smallSchema, nil, deltawrite.ErrUnsupportedStorage},
		{"should refuse: a list column", nil, arrow.NewSchema([]arrow.Field{{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32)}}, nil), nil, deltawrite.ErrUnsupportedType},
		{"should refuse: millisecond timestamps", nil, arrow.NewSchema([]arrow.Field{{Name: "t", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}}}, nil), nil, deltawrite.ErrUnsupportedType},
		{"should refuse: zoneless timestamps", nil, arrow.NewSchema([]arrow.Field{{Name: "t", Type: &arrow.TimestampType{Unit: arrow.Microsecond}}}, nil), nil, deltawrite.ErrUnsupportedType},
		{"should refuse: unsigned ints", nil, arrow.NewSchema([]arrow.Field{{Name: "u", Type: arrow.PrimitiveTypes.Uint32}}, nil), nil, deltawrite.ErrUnsupportedType},
		{"should refuse: duplicate names ignoring case", nil, arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int32}, {Name: "A", Type: arrow.PrimitiveTypes.Int32}}, nil), nil, deltawrite.ErrUnsupportedType},
		{"should refuse: a name with a space", nil, arrow.NewSchema([]arrow.Field{{Name: "a b", Type: arrow.PrimitiveTypes.Int32}}, nil), nil, deltawrite.ErrUnsupportedType},
		{"should refuse: no columns", nil, arrow.NewSchema(nil, nil), nil, deltawrite.ErrUnsupportedType},
		{"should refuse: a bad checkpoint interval", nil, smallSchema, []deltawrite.Option{deltawrite.WithConfiguration(map[string]string{"delta.checkpointInterval": "0"})}, deltawrite.ErrInvalidOption},
		{"should refuse: a negative interval option", nil, smallSchema, []deltawrite.Option{deltawrite.WithCheckpointInterval(-1)}, deltawrite.ErrInvalidOption},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var st delta.Storage = deltawrite.Local(dir)
			if tc.st != nil {
				st = tc.st(dir)
			}
			if _, err := deltawrite.Create(ctx, st, tc.schema, tc.opts...); !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "_delta_log", "00000000000000000000.json")); err == nil {
				t.Fatal("a refused create wrote commit 0")
			}
		})
	}
	t.Run("should refuse: creating twice", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := deltawrite.Create(ctx, deltawrite.Local(dir), smallSchema); err != nil {
			t.Fatal(err)
		}
		if _, err := deltawrite.Create(ctx, deltawrite.Local(dir), smallSchema); !errors.Is(err, deltawrite.ErrTableExists) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("should refuse: opening a missing table", func(t *testing.T) {
		if _, err := deltawrite.Open(ctx, deltawrite.Local(t.TempDir())); !errors.Is(err, delta.ErrTableNotFound) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("should refuse: opening a writer-version-3 table", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := deltawrite.Create(ctx, deltawrite.Local(dir), smallSchema); err != nil {
			t.Fatal(err)
		}
		c1 := `{"protocol":{"minReaderVersion":1,"minWriterVersion":3}}` + "\n"
		if err := os.WriteFile(filepath.Join(dir, "_delta_log", "00000000000000000001.json"), []byte(c1), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := deltawrite.Open(ctx, deltawrite.Local(dir)); !errors.Is(err, deltawrite.ErrUnsupportedTable) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("should give up: every commit race lost", func(t *testing.T) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		tbl, err := deltawrite.Create(ctx, losingStore{deltawrite.Local(t.TempDir())}, smallSchema, deltawrite.WithMaxAttempts(3))
		if err != nil {
			t.Fatal(err)
		}
		rec := smallRecord(mem, 1, 1)
		defer rec.Release()
		if _, err := tbl.Append(ctx, rec); !errors.Is(err, deltawrite.ErrTooManyRetries) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("should stop: a cancelled context", func(t *testing.T) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		tbl, err := deltawrite.Create(ctx, deltawrite.Local(t.TempDir()), smallSchema)
		if err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		rec := smallRecord(mem, 1, 1)
		defer rec.Release()
		if _, err := tbl.Append(cctx, rec); !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v", err)
		}
	})
}

// TestStaleHandleAfterAddColumns: a handle that has not seen another
// handle's AddColumns still appends (its file lacks the new nullable
// column), then follows the new schema; AddColumns of an existing column
// is a no-op, and of an existing name with another type an error.
func TestStaleHandleAfterAddColumns(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	dir := t.TempDir()
	a, err := deltawrite.Create(ctx, deltawrite.Local(dir), smallSchema)
	if err != nil {
		t.Fatal(err)
	}
	b, err := deltawrite.Open(ctx, deltawrite.Local(dir))
	if err != nil {
		t.Fatal(err)
	}
	extra := arrow.Field{Name: "extra", Type: arrow.PrimitiveTypes.Int64}
	if v, err := a.AddColumns(ctx, extra); err != nil || v != 1 {
		t.Fatalf("AddColumns: %d, %v", v, err)
	}
	if a.Schema().NumFields() != 4 {
		t.Fatalf("the adding handle's schema: %v", a.Schema())
	}
	rec := smallRecord(mem, 2, 2)
	defer rec.Release()
	if v, err := b.Append(ctx, rec); err != nil || v != 2 {
		t.Fatalf("stale append: %d, %v", v, err)
	}
	if b.Schema().NumFields() != 4 {
		t.Fatalf("stale handle did not pick up the new schema: %v", b.Schema())
	}
	if _, err := b.Append(ctx, rec); !errors.Is(err, deltawrite.ErrSchemaMismatch) {
		t.Fatalf("old-schema append after catching up: %v", err)
	}
	if v, err := b.AddColumns(ctx, extra); err != nil || v != 2 {
		t.Fatalf("re-adding the column: version %d, %v; want no commit (2)", v, err)
	}
	if _, err := b.AddColumns(ctx, arrow.Field{Name: "extra", Type: arrow.BinaryTypes.String}); !errors.Is(err, deltawrite.ErrSchemaMismatch) {
		t.Fatalf("re-adding with another type: %v", err)
	}
	if s := snapshot(t, dir); s.Version != 2 || s.Files.Len() != 1 {
		t.Fatalf("version %d files %d", s.Version, s.Files.Len())
	}
}

// FuzzStringStats: any strings round-trip through a data file, and the
// string statistics bound them (min a prefix-lower bound, max exact or
// absent).
func FuzzStringStats(f *testing.F) {
	for _, s := range [][2]string{{"a", "b"}, {"", "zzz"}, {"é", "e"}, {strings.Repeat("x", 40), "y"}, {"\x00", "\xff"}} {
		f.Add(s[0], s[1])
	}
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	f.Fuzz(func(t *testing.T, x, y string) {
		if !utf8.ValidString(x) || !utf8.ValidString(y) {
			t.Skip("arrow strings are UTF-8")
		}
		ctx := context.Background()
		dir := t.TempDir()
		tbl, err := deltawrite.Create(ctx, deltawrite.Local(dir), schema)
		if err != nil {
			t.Fatal(err)
		}
		b := array.NewStringBuilder(memory.DefaultAllocator)
		b.AppendValues([]string{x, y}, nil)
		b.AppendNull()
		col := b.NewArray()
		rec := array.NewRecordBatch(schema, []arrow.Array{col}, 3)
		if _, err := tbl.Append(ctx, rec); err != nil {
			t.Fatal(err)
		}
		snap := snapshot(t, dir)
		got := readParquet(t, memory.DefaultAllocator, filepath.Join(dir, snap.Files.Paths[0]))
		gs := got.Column(0).Data().Chunk(0).(*array.String)
		if gs.Value(0) != x || gs.Value(1) != y || !gs.IsNull(2) {
			t.Fatalf("read back %v", gs)
		}
		cs := statOf(snap.Files, "s")
		lo, hi := min(x, y), max(x, y)
		if cs.NullCount[0] != 1 {
			t.Errorf("nullCount %d", cs.NullCount[0])
		}
		if m := cs.Min.Get(0); m.IsNull() || !strings.HasPrefix(lo, m.Str) {
			t.Errorf("min %v is not a prefix of %q", m, lo)
		}
		if m := cs.Max.Get(0); !m.IsNull() && m.Str != hi {
			t.Errorf("max %v, want %q", m, hi)
		} else if m.IsNull() && utf8.RuneCountInString(hi) <= 32 {
			t.Errorf("max of a short string %q left out", hi)
		}
	})
}

// FuzzCreateSchema: Create either refuses a column (ErrUnsupportedType) or
// writes a schemaString that the delta reader parses back to the same
// column.
func FuzzCreateSchema(f *testing.F) {
	for i, name := range []string{"a", "region", "a b", "", "x=y", "é", "col(1)", "UPPER"} {
		f.Add(name, uint8(i), i%2 == 0)
	}
	types := []arrow.DataType{
		arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Int8,
		arrow.BinaryTypes.String, arrow.FixedWidthTypes.Boolean, arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Float32,
		arrow.FixedWidthTypes.Date32, utc, arrow.BinaryTypes.Binary, &arrow.Decimal128Type{Precision: 10, Scale: 3},
		&arrow.Decimal128Type{Precision: 38, Scale: 38}, &arrow.Decimal128Type{Precision: 39, Scale: 0},
		arrow.PrimitiveTypes.Uint8, arrow.BinaryTypes.LargeString, &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"},
	}
	f.Fuzz(func(t *testing.T, name string, typ uint8, nullable bool) {
		dt := types[int(typ)%len(types)]
		schema := arrow.NewSchema([]arrow.Field{{Name: name, Type: dt, Nullable: nullable}}, nil)
		dir := t.TempDir()
		tbl, err := deltawrite.Create(context.Background(), deltawrite.Local(dir), schema)
		if err != nil {
			if !errors.Is(err, deltawrite.ErrUnsupportedType) {
				t.Fatalf("refused with %v, want ErrUnsupportedType", err)
			}
			return
		}
		ds, err := delta.ParseSchema(tbl.Metadata().SchemaString)
		if err != nil {
			t.Fatalf("schemaString %s: %v", tbl.Metadata().SchemaString, err)
		}
		back, err := ds.ArrowSchema()
		if err != nil {
			t.Fatal(err)
		}
		got := back.Field(0)
		if got.Name != name || !arrow.TypeEqual(got.Type, dt) || got.Nullable != nullable {
			t.Fatalf("column %q %s nullable=%v reads back as %q %s nullable=%v", name, dt, nullable, got.Name, got.Type, got.Nullable)
		}
	})
}

package deltawrite_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/storage"
)

var utc = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

// allTypes has every supported type, nullable and not.
func allTypes() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "i16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "flag", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ts", Type: utc, Nullable: true},
		{Name: "blob", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "d9", Type: &arrow.Decimal128Type{Precision: 9, Scale: 2}, Nullable: true},
		{Name: "d18", Type: &arrow.Decimal128Type{Precision: 18, Scale: 4}, Nullable: true},
		{Name: "d38", Type: &arrow.Decimal128Type{Precision: 38, Scale: 6}, Nullable: false},
	}, nil)
}

// makeRecord builds n rows of allTypes from seed; every 7th row is null
// in the nullable columns.
func makeRecord(mem memory.Allocator, seed, n int) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, allTypes())
	defer b.Release()
	base := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for r := 0; r < n; r++ {
		k := seed*1000 + r
		null := r%7 == 3
		b.Field(0).(*array.Int64Builder).Append(int64(k) - 500)
		for c := 1; c < 13; c++ {
			if null {
				b.Field(c).AppendNull()
			}
		}
		if !null {
			b.Field(1).(*array.Int32Builder).Append(int32(k*3 - 7))
			b.Field(2).(*array.Int16Builder).Append(int16(k % 3000))
			b.Field(3).(*array.Int8Builder).Append(int8(k%200 - 100))
			b.Field(4).(*array.StringBuilder).Append(fmt.Sprintf("name-%03d-é", (k*37)%101))
			b.Field(5).(*array.BooleanBuilder).Append(k%2 == 0)
			b.Field(6).(*array.Float64Builder).Append(float64(k)/3 - 10)
			b.Field(7).(*array.Float32Builder).Append(float32(k) / 7)
			b.Field(8).(*array.Date32Builder).Append(arrow.Date32(19800 + k%40))
			b.Field(9).(*array.TimestampBuilder).Append(arrow.Timestamp(base.Add(time.Duration(k)*time.Minute + time.Duration(k)*time.Microsecond).UnixMicro()))
			b.Field(10).(*array.BinaryBuilder).Append([]byte{byte(k), 0, 0xff})
			b.Field(11).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(k*101 - 5000)))
			b.Field(12).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(k) * 1234567))
		}
		big, _ := decimal128.FromString(fmt.Sprintf("%d12345678901234567890.%06d", k, k%999999), 38, 6)
		if k%2 == 1 {
			big = big.Negate()
		}
		b.Field(13).(*array.Decimal128Builder).Append(big)
	}
	return b.NewRecordBatch()
}

// readParquet reads a whole data file with arrow-go.
func readParquet(t *testing.T, mem memory.Allocator, path string) arrow.Table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pf, err := file.NewParquetReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tbl
}

// commitAdds returns the add paths of one commit.
func commitAdds(t *testing.T, dir string, v int64) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "_delta_log", fmt.Sprintf("%020d.json", v)))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var a struct {
			Add *struct {
				Path string `json:"path"`
			} `json:"add"`
		}
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("commit %d: %v", v, err)
		}
		if a.Add != nil {
			out = append(out, a.Add.Path)
		}
	}
	return out
}

// bounds computes min, max and null count of an Arrow column as the
// reader's typed values (NULL min/max when there are none).
func bounds(a arrow.Array) (lo, hi model.Value, nulls int64) {
	lo, hi = model.Null, model.Null
	less := func(x, y model.Value) bool {
		switch x.Kind {
		case model.KindFloat:
			return x.Float < y.Float
		case model.KindString:
			return x.Str < y.Str
		case model.KindDecimal:
			return x.Dec.Cmp(y.Dec) < 0
		case model.KindBool:
			return !x.Bool && y.Bool
		}
		return x.Int < y.Int
	}
	for i := 0; i < a.Len(); i++ {
		if a.IsNull(i) {
			nulls++
			continue
		}
		var v model.Value
		switch x := a.(type) {
		case *array.Int64:
			v = model.IntValue(x.Value(i))
		case *array.Int32:
			v = model.IntValue(int64(x.Value(i)))
		case *array.Int16:
			v = model.IntValue(int64(x.Value(i)))
		case *array.Int8:
			v = model.IntValue(int64(x.Value(i)))
		case *array.String:
			v = model.StringValue(x.Value(i))
		case *array.Boolean:
			v = model.BoolValue(x.Value(i))
		case *array.Float64:
			v = model.FloatValue(x.Value(i))
		case *array.Float32:
			v = model.FloatValue(float64(x.Value(i)))
		case *array.Date32:
			v = model.DateValue(int64(x.Value(i)))
		case *array.Timestamp:
			v = model.Value{Kind: model.KindTimestamp, Int: int64(x.Value(i))}
		case *array.Decimal128:
			v = model.Value{Kind: model.KindDecimal, Dec: x.Value(i).BigInt(), Scale: x.DataType().(*arrow.Decimal128Type).Scale}
		default:
			continue // no bounds (binary)
		}
		if lo.IsNull() || less(v, lo) {
			lo = v
		}
		if hi.IsNull() || less(hi, v) {
			hi = v
		}
	}
	return lo, hi, nulls
}

// sameValue compares typed values (decimals by value).
func sameValue(a, b model.Value) bool {
	if a.IsNull() || b.IsNull() {
		return a.IsNull() == b.IsNull()
	}
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case model.KindDecimal:
		return a.Dec.Cmp(b.Dec) == 0 && a.Scale == b.Scale
	case model.KindFloat:
		return a.Float == b.Float || math.IsNaN(a.Float) && math.IsNaN(b.Float)
	}
	return a.Int == b.Int && a.Str == b.Str && a.Bool == b.Bool
}

// fileIndex finds a path in a file set.
func fileIndex(fs *model.FileSet, path string) int {
	for i, p := range fs.Paths {
		if p == path {
			return i
		}
	}
	return -1
}

// statOf returns the stats column of a top-level column, nil if none.
func statOf(fs *model.FileSet, name string) *model.ColumnStats {
	for i := range fs.Stats {
		if fs.Stats[i].Path.String() == name {
			return &fs.Stats[i]
		}
	}
	return nil
}

func snapshot(t *testing.T, loc string, opts ...delta.SnapshotOption) *delta.Snapshot {
	t.Helper()
	ctx := context.Background()
	tbl, err := storage.OpenTable(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := tbl.Snapshot(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var _ = big.NewInt

// withExtra returns rec plus the columns of schema it lacks, all null.
func withExtra(t *testing.T, mem memory.Allocator, schema *arrow.Schema, rec arrow.RecordBatch) arrow.RecordBatch {
	t.Helper()
	defer rec.Release()
	cols := make([]arrow.Array, schema.NumFields())
	for i, f := range schema.Fields() {
		if idx := rec.Schema().FieldIndices(f.Name); len(idx) == 1 {
			cols[i] = rec.Column(idx[0])
			cols[i].Retain()
			continue
		}
		cols[i] = array.MakeArrayOfNull(mem, f.Type, int(rec.NumRows()))
	}
	out := array.NewRecordBatch(schema, cols, rec.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return out
}

func isExist(err error) bool { return errors.Is(err, fs.ErrExist) }

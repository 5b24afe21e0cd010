package scanunit

import (
	"context"
	"encoding/json"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/storage"
)

// TestPrunerSoundOnFixtureTables is the soundness oracle over real Delta
// tables: for every fixture table that opens, it reads each data file with
// arrow-go, evaluates random predicates (literals drawn from the data and
// the statistics) row by row, and asserts that every file holding a row for
// which the predicate is TRUE is kept, and that MustMatch files match on
// every row.
func TestPrunerSoundOnFixtureTables(t *testing.T) {
	dir := fixtures.Dir(t, "delta")
	var manifest struct {
		Tables []struct {
			Name     string `json:"name"`
			Path     string `json:"path"`
			MustFail string `json:"must_fail"`
		} `json:"tables"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatalf("MANIFEST.json: %v", err)
	}
	ctx := context.Background()
	var tables, checked, dropped int
	for _, tb := range manifest.Tables {
		if tb.MustFail != "" {
			continue
		}
		loc := filepath.Join(dir, tb.Path)
		tbl, err := storage.OpenTable(ctx, loc)
		if err != nil {
			continue
		}
		snap, err := tbl.Snapshot(ctx)
		if err != nil || snap.Files.Len() == 0 || len(snap.Files.Stats) == 0 || snap.Metadata.Schema == nil {
			continue // the reader's own tests cover tables it rejects
		}
		if !dataPresent(loc, snap.Files) {
			t.Logf("%s: the fixture ships only its log, no data files; not an oracle table", tb.Name)
			continue
		}
		t.Run(tb.Name, func(t *testing.T) {
			rows, ok := readRows(t, loc, snap)
			if !ok {
				t.Fatalf("data files of %s could not be read into rows", tb.Name)
			}
			tables++
			c, d := checkTable(t, tb.Name, snap.Files, rows)
			checked += c
			dropped += d
		})
	}
	if tables < 20 {
		t.Fatalf("only %d fixture tables were checked", tables)
	}
	if dropped == 0 {
		t.Fatal("no file was ever dropped: the oracle tested nothing")
	}
	t.Logf("%d tables, %d file-predicate checks, %d drops, all sound", tables, checked, dropped)
}

// fileRows holds, per file, each column's row values by dotted logical path.
type fileRows struct {
	n    int
	cols map[string][]model.Value
}

func readRows(t *testing.T, root string, snap *delta.Snapshot) ([]fileRows, bool) {
	fs := snap.Files
	mode := snap.Metadata.ColumnMappingMode()
	physical := map[string][]string{}
	for _, l := range snap.Metadata.Schema.Leaves(mode) {
		physical[l.Logical.String()] = l.Physical
	}
	out := make([]fileRows, fs.Len())
	for i, p := range fs.Paths {
		if strings.Contains(p, "://") {
			return nil, false
		}
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		rows, ok := readFile(t, mem, filepath.Join(root, filepath.FromSlash(p)), fs, physical)
		mem.AssertSize(t, 0)
		if !ok {
			return nil, false
		}
		for _, pc := range fs.Partitions {
			v := pc.Values.Get(i)
			col := make([]model.Value, rows.n)
			for k := range col {
				col[k] = v
			}
			rows.cols[pc.Name] = col
		}
		out[i] = rows
	}
	return out, true
}

func readFile(t *testing.T, mem memory.Allocator, path string, fs *model.FileSet, physical map[string][]string) (fileRows, bool) {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return fileRows{}, false
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		return fileRows{}, false
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		return fileRows{}, false
	}
	defer tbl.Release()
	rows := fileRows{n: int(tbl.NumRows()), cols: map[string][]model.Value{}}
	for _, st := range fs.Stats {
		name := st.Path.String()
		phys, ok := physical[name]
		if !ok {
			continue
		}
		idx := tbl.Schema().FieldIndices(phys[0])
		if len(idx) != 1 {
			// A column added after the file was written reads as NULL.
			rows.cols[name] = make([]model.Value, rows.n)
			continue
		}
		var vals []model.Value
		for _, chunk := range tbl.Column(idx[0]).Data().Chunks() {
			leaf := chunk
			for _, part := range phys[1:] {
				s, ok := leaf.(*array.Struct)
				if !ok {
					leaf = nil
					break
				}
				fi, ok := s.DataType().(*arrow.StructType).FieldIdx(part)
				if !ok {
					leaf = nil
					break
				}
				leaf = s.Field(fi)
			}
			for k := 0; k < chunk.Len(); k++ {
				if leaf == nil || chunk.IsNull(k) {
					vals = append(vals, model.Null)
					continue
				}
				v, ok := arrowValue(leaf, k, st.Min.Kind)
				if !ok {
					return fileRows{}, false
				}
				vals = append(vals, v)
			}
		}
		rows.cols[name] = vals
	}
	return rows, true
}

// arrowValue converts entry k of a (leaf) arrow array into the model kind
// of its statistics column.
func arrowValue(a arrow.Array, k int, kind model.Kind) (model.Value, bool) {
	if a.IsNull(k) {
		return model.Null, true
	}
	switch a := a.(type) {
	case *array.Int8:
		return model.IntValue(int64(a.Value(k))), kind == model.KindInt
	case *array.Int16:
		return model.IntValue(int64(a.Value(k))), kind == model.KindInt
	case *array.Int32:
		return model.IntValue(int64(a.Value(k))), kind == model.KindInt
	case *array.Int64:
		return model.IntValue(a.Value(k)), kind == model.KindInt
	case *array.Float32:
		return model.FloatValue(float64(a.Value(k))), kind == model.KindFloat
	case *array.Float64:
		return model.FloatValue(a.Value(k)), kind == model.KindFloat
	case *array.Boolean:
		return model.BoolValue(a.Value(k)), kind == model.KindBool
	case *array.String:
		return model.StringValue(a.Value(k)), kind == model.KindString
	case *array.LargeString:
		return model.StringValue(a.Value(k)), kind == model.KindString
	case *array.Binary:
		return model.BinaryValue(a.Value(k)), kind == model.KindBinary
	case *array.Date32:
		return model.DateValue(int64(a.Value(k))), kind == model.KindDate
	case *array.Decimal128:
		dt := a.DataType().(*arrow.Decimal128Type)
		return model.DecimalValue(a.Value(k).BigInt(), dt.Scale), kind == model.KindDecimal
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		v := int64(a.Value(k))
		switch unit {
		case arrow.Second:
			v *= 1_000_000
		case arrow.Millisecond:
			v *= 1000
		case arrow.Nanosecond:
			v = floorDiv(v, 1000)
		}
		return model.Value{Kind: kind, Int: v}, kind == model.KindTimestamp || kind == model.KindTimestampNTZ
	}
	return model.Null, false
}

// checkTable runs random predicates over one table; it returns how many
// file verdicts it checked and how many files were dropped.
func checkTable(t *testing.T, name string, fs *model.FileSet, rows []fileRows) (checked, dropped int) {
	r := rand.New(rand.NewPCG(uint64(len(name)), uint64(fs.Len())))
	var cols []genCol
	add := func(col string, k model.Kind, extra []model.Value) {
		var pool []model.Value
		for _, fr := range rows {
			for _, v := range fr.cols[col] {
				if !v.IsNull() {
					pool = append(pool, v)
				}
			}
		}
		pool = append(pool, extra...)
		if len(pool) == 0 {
			return
		}
		cols = append(cols, genCol{name: col, kind: k,
			lit: func(r *rand.Rand) model.Value { return perturb(r, pool[r.IntN(len(pool))]) }})
	}
	for _, pc := range fs.Partitions {
		add(pc.Name, pc.Values.Kind, nil)
	}
	for _, st := range fs.Stats {
		if contradicts(fs, &st, rows) {
			t.Logf("%s: statistics of %s contradict the data files; column left out", name, st.Path)
			continue
		}
		var extra []model.Value
		for i := 0; i < fs.Len(); i++ {
			extra = append(extra, st.Min.Get(i), st.Max.Get(i))
		}
		var bounds []model.Value
		for _, v := range extra {
			if !v.IsNull() && (v.Kind != model.KindDecimal || v.Dec != nil) {
				bounds = append(bounds, v)
			}
		}
		add(st.Path.String(), st.Min.Kind, bounds)
	}
	if len(cols) == 0 {
		return 0, 0
	}
	// Row maps once per file; predicates reuse them.
	rowMaps := make([][]map[string]model.Value, len(rows))
	for f, fr := range rows {
		for k := 0; k < fr.n; k++ {
			row := map[string]model.Value{}
			for c, vals := range fr.cols {
				row[c] = vals[k]
			}
			rowMaps[f] = append(rowMaps[f], row)
		}
	}
	// Keep the run short on tables with many rows.
	total := 1
	for _, fr := range rows {
		total += fr.n
	}
	preds := max(5, min(40, 100000/total))
	for q := 0; q < preds; q++ {
		pred := randPredFrom(r, cols, 2)
		pr, err := NewPruner(pred, SchemaOf(fs))
		if err != nil {
			t.Fatal(err)
		}
		vs, err := pr.Eval(fs)
		if err != nil {
			t.Fatal(err)
		}
		for f := range rows {
			anyTrue, allTrue := false, true
			for _, row := range rowMaps[f] {
				o := rowEval(pred, row)
				anyTrue = anyTrue || o == oT
				allTrue = allTrue && o == oT
			}
			if anyTrue && !vs[f].Keep() {
				t.Fatalf("UNSOUND on %s: %s dropped %s, which has a matching row", name, pred, fs.Paths[f])
			}
			if vs[f] == MustMatch && !allTrue {
				t.Fatalf("%s: %s says MustMatch for %s, but a row does not match", name, pred, fs.Paths[f])
			}
			checked++
			if !vs[f].Keep() {
				dropped++
			}
		}
	}
	return checked, dropped
}

// perturb moves a literal a little off the observed values, so that
// predicates probe the edges of the bounds.
func perturb(r *rand.Rand, v model.Value) model.Value {
	if r.IntN(2) == 0 {
		return v
	}
	d := int64(r.IntN(3) - 1)
	switch v.Kind {
	case model.KindInt, model.KindDate:
		v.Int += d
	case model.KindTimestamp, model.KindTimestampNTZ:
		v.Int += d * int64(r.IntN(1500))
	case model.KindFloat:
		v.Float = math.Nextafter(v.Float, v.Float+float64(d))
	case model.KindDecimal:
		v = model.DecimalValue(new(big.Int).Add(v.Dec, big.NewInt(d)), v.Scale)
	case model.KindString:
		if d > 0 {
			v.Str += "a"
		} else if d < 0 && len(v.Str) > 0 {
			v.Str = v.Str[:len(v.Str)-1]
		}
	}
	return v
}

// contradicts reports whether a column's statistics disagree with the rows
// read from the data files (a fixture with fabricated statistics): a file
// whose nullCount differs from the NULLs actually read. Such a column cannot
// serve as an oracle.
func contradicts(fs *model.FileSet, st *model.ColumnStats, rows []fileRows) bool {
	for f, fr := range rows {
		vals := fr.cols[st.Path.String()]
		var nulls int64
		for _, v := range vals {
			if v.IsNull() {
				nulls++
			}
		}
		if st.NullCount != nil && st.NullCount[f] >= 0 && st.NullCount[f] != nulls {
			return true
		}
	}
	return false
}

// dataPresent reports whether every data file of fs exists under root.
func dataPresent(root string, fs *model.FileSet) bool {
	for _, p := range fs.Paths {
		if strings.Contains(p, "://") {
			return false
		}
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(p))); err != nil {
			return false
		}
	}
	return true
}

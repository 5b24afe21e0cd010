package scanunit

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"

	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/storage"
)

// This file is the generated-data soundness suite: it writes real Delta
// tables (parquet-go data files, a JSON commit whose statistics are written
// the way Spark and delta-rs write them: float32 shortest text, millisecond
// timestamps, string prefixes with and without tie-break characters, NaN
// left out or taken as the max), reads them back with the delta reader, and
// checks hundreds of random predicates over every type against the rows
// under each SQL engine's reading of the literals: a file holding a row for
// which some reading is TRUE is never dropped, a MustMatch file matches on
// every row under every reading, and where a column's statistics are exact
// and the filter is one comparison, the verdict is exact.

type genSt struct {
	X *int32 `parquet:"x,optional"`
}

type genRow struct {
	I   *int64   `parquet:"i,optional"`
	F   *float32 `parquet:"f,optional"`
	D   *float64 `parquet:"d,optional"`
	Dec *int64   `parquet:"dec,optional,decimal(2:10)"`
	S   *string  `parquet:"s,optional"`
	Dt  *int32   `parquet:"dt,optional,date"`
	Ts  *int64   `parquet:"ts,optional,timestamp(microsecond)"`
	Bo  *bool    `parquet:"bo,optional"`
	St  *genSt   `parquet:"st,optional"`
}

const genSchema = `{"type":"struct","fields":[
{"name":"i","type":"long","nullable":true,"metadata":{}},
{"name":"f","type":"float","nullable":true,"metadata":{}},
{"name":"d","type":"double","nullable":true,"metadata":{}},
{"name":"dec","type":"decimal(10,2)","nullable":true,"metadata":{}},
{"name":"s","type":"string","nullable":true,"metadata":{}},
{"name":"dt","type":"date","nullable":true,"metadata":{}},
{"name":"ts","type":"timestamp","nullable":true,"metadata":{}},
{"name":"bo","type":"boolean","nullable":true,"metadata":{}},
{"name":"st","type":{"type":"struct","fields":[{"name":"x","type":"integer","nullable":true,"metadata":{}}]},"nullable":true,"metadata":{}},
{"name":"p","type":"string","nullable":true,"metadata":{}}]}`

// gdCols are the columns as predicates name them, with their kinds.
var gdCols = []struct {
	name string
	kind model.Kind
}{
	{"i", model.KindInt}, {"f", model.KindFloat}, {"d", model.KindFloat}, {"dec", model.KindDecimal},
	{"s", model.KindString}, {"dt", model.KindDate}, {"ts", model.KindTimestamp}, {"bo", model.KindBool},
	{"st.x", model.KindInt}, {"p", model.KindString},
}

// genValue draws a value of column c (NULL sometimes), from small domains
// with the edge cases each type has.
func genValue(r *rand.Rand, c string) model.Value {
	if r.IntN(8) == 0 {
		return model.Null
	}
	switch c {
	case "i", "st.x":
		return model.IntValue(int64(r.IntN(21) - 10))
	case "f":
		return model.FloatValue(float64([]float32{3.14, 0.1, -0.0, 0, 1.5, -2.25, 2.5, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1e-3, 16777217}[r.IntN(12)]))
	case "d":
		return model.FloatValue([]float64{0.1, 0.2, 0.30000000000000004, -1, math.Copysign(0, -1), 2.5, math.NaN(), math.Inf(1), 1e300, 3.14}[r.IntN(10)])
	case "dec":
		return model.DecimalValue(big.NewInt(int64(r.IntN(2001)-1000)), 2)
	case "s", "p":
		words := []string{"", "a", "ab", "abc", "b", "apple", "banana", "é", "zz", "prefix-" + strings.Repeat("x", 40),
			"prefix-" + strings.Repeat("x", 30) + "y", "\uffff\uffff", "a\U0010FFFDb", strings.Repeat("日本", 20), "ab\uffff"}
		if c == "p" {
			words = words[1:6] // Delta stores an empty partition value as NULL
		}
		return model.StringValue(words[r.IntN(len(words))])
	case "dt":
		return model.DateValue(int64(18000 + r.IntN(6)))
	case "ts":
		day := int64(18000+r.IntN(4)) * dayMicros
		return model.TimestampValue(day + []int64{0, 1, 999, 1000, 1500, dayMicros - 1, 12 * 3600e6, 12*3600e6 + 123456}[r.IntN(8)])
	case "bo":
		return model.BoolValue(r.IntN(2) == 0)
	}
	panic("genValue: " + c)
}

// gdFile is one data file's rows, by column.
type gdFile map[string][]model.Value

// writerStyle says how a simulated writer computes statistics.
type writerStyle struct {
	spark     bool // Spark: NaN is the max when present, U+FFFF/U+10FFFD tie-break on a cut max
	tieBreak  string
	noStats   bool
	dropCol   string // a column whose statistics are left out
	prefixLen int
}

func fmtTS(us int64) string {
	return time.UnixMicro(floorDiv(us, 1000) * 1000).UTC().Format("2006-01-02T15:04:05.000Z")
}

// statsJSON writes the file's statistics as the writer would.
func statsJSON(f gdFile, n int, w writerStyle) string {
	minV, maxV, nulls := map[string]any{}, map[string]any{}, map[string]any{}
	put := func(m map[string]any, col string, v any) {
		if col == "st.x" {
			sub, _ := m["st"].(map[string]any)
			if sub == nil {
				sub = map[string]any{}
				m["st"] = sub
			}
			sub["x"] = v
			return
		}
		m[col] = v
	}
	for _, c := range gdCols {
		if c.name == "p" || c.name == w.dropCol {
			continue
		}
		vals := f[c.name]
		var lo, hi model.Value
		nc := 0
		for _, v := range vals {
			if v.IsNull() {
				nc++
				continue
			}
			if v.Kind == model.KindFloat && math.IsNaN(v.Float) && !w.spark {
				continue // Parquet statistics leave NaN out
			}
			if lo.IsNull() || genCmp(v, lo) < 0 {
				lo = v
			}
			if hi.IsNull() || genCmp(v, hi) > 0 {
				hi = v
			}
		}
		put(nulls, c.name, nc)
		if lo.IsNull() {
			continue
		}
		switch c.name {
		case "f", "d":
			bits := 64
			if c.name == "f" {
				bits = 32
			}
			txt := func(x float64) any {
				switch {
				case math.IsNaN(x):
					return "NaN"
				case math.IsInf(x, 1):
					return "Infinity"
				case math.IsInf(x, -1):
					return "-Infinity"
				}
				return json.Number(strconv.FormatFloat(x, 'g', -1, bits))
			}
			put(minV, c.name, txt(lo.Float))
			put(maxV, c.name, txt(hi.Float))
		case "s":
			put(minV, c.name, truncRunes(lo.Str, w.prefixLen))
			m := hi.Str
			if utf8.RuneCountInString(m) > w.prefixLen {
				m = truncRunes(m, w.prefixLen) + w.tieBreak
			}
			put(maxV, c.name, m)
		case "dec":
			put(minV, c.name, json.Number(lo.String()))
			put(maxV, c.name, json.Number(hi.String()))
		case "dt":
			put(minV, c.name, time.Unix(lo.Int*86400, 0).UTC().Format("2006-01-02"))
			put(maxV, c.name, time.Unix(hi.Int*86400, 0).UTC().Format("2006-01-02"))
		case "ts":
			put(minV, c.name, fmtTS(lo.Int))
			put(maxV, c.name, fmtTS(hi.Int))
		case "bo":
			put(minV, c.name, lo.Bool)
			put(maxV, c.name, hi.Bool)
		default:
			put(minV, c.name, lo.Int)
			put(maxV, c.name, hi.Int)
		}
	}
	b, _ := json.Marshal(map[string]any{"numRecords": n, "minValues": minV, "maxValues": maxV, "nullCount": nulls})
	return string(b)
}

func truncRunes(s string, n int) string {
	i := 0
	for k := range s {
		if i == n {
			return s[:k]
		}
		i++
	}
	return s
}

// genCmp orders two values of one column kind, floats in Spark's order.
func genCmp(a, b model.Value) int {
	if a.Kind == model.KindFloat && b.Kind == model.KindFloat {
		return sign(floatKey(a.Float), floatKey(b.Float))
	}
	c, ok := compareExact(a, b)
	if !ok {
		panic("genCmp: " + a.String() + " vs " + b.String())
	}
	return c
}

// writeGenTable writes a Delta table of nfiles files and returns the rows
// of each file by path.
func writeGenTable(t testing.TB, r *rand.Rand, dir string, nfiles, prefixLen int, setPrefix bool) map[string]gdFile {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "_delta_log"), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := map[string]string{}
	if setPrefix {
		conf["delta.dataSkippingStringPrefixLength"] = strconv.Itoa(prefixLen)
	}
	schemaText := strings.ReplaceAll(genSchema, "\n", "")
	lines := []any{
		map[string]any{"protocol": map[string]any{"minReaderVersion": 1, "minWriterVersion": 2}},
		map[string]any{"metaData": map[string]any{"id": "gen", "format": map[string]any{"provider": "parquet", "options": map[string]any{}},
			"schemaString": schemaText, "partitionColumns": []string{"p"}, "configuration": conf, "createdTime": 0}},
	}
	out := map[string]gdFile{}
	for fi := 0; fi < nfiles; fi++ {
		n := 1 + r.IntN(6)
		f := gdFile{}
		part := genValue(r, "p")
		for _, c := range gdCols {
			for k := 0; k < n; k++ {
				if c.name == "p" {
					f["p"] = append(f["p"], part)
				} else {
					f[c.name] = append(f[c.name], genValue(r, c.name))
				}
			}
		}
		path := fmt.Sprintf("part-%05d.parquet", fi)
		size := writeGenParquet(t, filepath.Join(dir, path), f, n)
		w := writerStyle{spark: r.IntN(2) == 0, prefixLen: prefixLen, noStats: r.IntN(12) == 0}
		w.tieBreak = []string{"", "\uffff", "\U0010FFFD"}[r.IntN(3)]
		if !w.spark {
			w.tieBreak = "" // delta-rs cuts without a tie-break
		}
		if r.IntN(6) == 0 {
			w.dropCol = gdCols[r.IntN(len(gdCols)-1)].name
		}
		add := map[string]any{"path": path, "size": size, "modificationTime": 0, "dataChange": true}
		if part.IsNull() {
			add["partitionValues"] = map[string]any{"p": nil}
		} else {
			add["partitionValues"] = map[string]any{"p": part.Str}
		}
		if !w.noStats {
			add["stats"] = statsJSON(f, n, w)
		}
		lines = append(lines, map[string]any{"add": add})
		out[path] = f
	}
	var b strings.Builder
	for _, l := range lines {
		j, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "_delta_log", "00000000000000000000.json"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// writeGenParquet writes the data columns of f with parquet-go (partition
// values are not stored in Delta data files) and returns the file size.
func writeGenParquet(t testing.TB, path string, f gdFile, n int) int64 {
	t.Helper()
	rows := make([]genRow, n)
	for k := range rows {
		row := &rows[k]
		if v := f["i"][k]; !v.IsNull() {
			row.I = &v.Int
		}
		if v := f["f"][k]; !v.IsNull() {
			x := float32(v.Float)
			row.F = &x
		}
		if v := f["d"][k]; !v.IsNull() {
			row.D = &v.Float
		}
		if v := f["dec"][k]; !v.IsNull() {
			x := v.Dec.Int64()
			row.Dec = &x
		}
		if v := f["s"][k]; !v.IsNull() {
			row.S = &v.Str
		}
		if v := f["dt"][k]; !v.IsNull() {
			x := int32(v.Int)
			row.Dt = &x
		}
		if v := f["ts"][k]; !v.IsNull() {
			row.Ts = &v.Int
		}
		if v := f["bo"][k]; !v.IsNull() {
			row.Bo = &v.Bool
		}
		if v := f["st.x"][k]; !v.IsNull() {
			x := int32(v.Int)
			row.St = &genSt{X: &x}
		}
	}
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[genRow](fh)
	if _, err := w.Write(rows); err != nil {
		t.Fatalf("parquet-go write: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := fh.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// Engine readings of a comparison whose literal is not of the column's type.
const (
	readSpark  = iota // Spark: widen both sides to double; a DATE is midnight
	readDuckDB        // DuckDB: cast the literal to a float column's float
	readExact         // exact rational comparison; a timestamp cast to a date
	numReadings
)

func ratOf(v model.Value) *big.Rat {
	r, _ := v.Rat()
	return r
}

// toF64 casts a numeric value to double as an engine does.
func toF64(v model.Value) float64 {
	if v.Kind == model.KindFloat {
		return v.Float
	}
	f, _ := ratOf(v).Float64()
	return f
}

// rowCmp is "x op lit" for one row value under one reading.
func rowCmp(x model.Value, col string, op model.Op, lit model.Value, reading int) outcome {
	if x.IsNull() || lit.IsNull() {
		return oN
	}
	var c int
	fl := func(a, b float64) int { return sign(floatKey(a), floatKey(b)) }
	switch x.Kind {
	case model.KindFloat:
		switch {
		case lit.Kind == model.KindFloat:
			l := lit.Float
			if reading == readDuckDB && col == "f" {
				l = float64(float32(l))
			}
			c = fl(x.Float, l)
		case reading == readExact:
			if math.IsNaN(x.Float) || math.IsInf(x.Float, 0) {
				c = fl(x.Float, 0)
			} else {
				c = new(big.Rat).SetFloat64(x.Float).Cmp(ratOf(lit))
			}
		case reading == readDuckDB && col == "f":
			g, _ := ratOf(lit).Float32()
			c = fl(x.Float, float64(g))
		default:
			c = fl(x.Float, toF64(lit))
		}
	case model.KindInt, model.KindDecimal:
		if lit.Kind == model.KindFloat && (reading != readExact || math.IsNaN(lit.Float) || math.IsInf(lit.Float, 0)) {
			c = fl(toF64(x), lit.Float)
		} else {
			c = ratOf(x).Cmp(ratOf(lit))
		}
	case model.KindDate:
		switch lit.Kind {
		case model.KindDate:
			c = sign(x.Int, lit.Int)
		default: // a timestamp literal
			if reading == readSpark {
				c = sign(x.Int*dayMicros, lit.Int)
			} else {
				c = sign(x.Int, floorDiv(lit.Int, dayMicros))
			}
		}
	case model.KindTimestamp:
		if lit.Kind == model.KindDate {
			if reading == readSpark {
				c = sign(x.Int, lit.Int*dayMicros)
			} else {
				c = sign(floorDiv(x.Int, dayMicros), lit.Int)
			}
		} else {
			c = sign(x.Int, lit.Int)
		}
	default:
		c = genCmp(x, lit)
	}
	if op.Holds(c) {
		return oT
	}
	return oF
}

func rowPred(p model.Pred, row map[string]model.Value, reading int) outcome {
	switch p := p.(type) {
	case model.And:
		acc := oT
		for _, a := range p.Args {
			acc = andTab[acc<<3|rowPred(a, row, reading)]
		}
		return acc
	case model.Or:
		acc := oF
		for _, a := range p.Args {
			acc = orTab[acc<<3|rowPred(a, row, reading)]
		}
		return acc
	case model.Not:
		return notTab[rowPred(p.Arg, row, reading)]
	case model.Cmp:
		return rowCmp(row[p.Col.String()], p.Col.String(), p.Op, p.Val, reading)
	case model.IsNull:
		if row[p.Col.String()].IsNull() != p.Negated {
			return oT
		}
		return oF
	case model.In:
		acc := oF
		for _, v := range p.Vals {
			acc = orTab[acc<<3|rowCmp(row[p.Col.String()], p.Col.String(), model.OpEq, v, reading)]
		}
		if p.Negated {
			return notTab[acc]
		}
		return acc
	case model.Const:
		if p.Val {
			return oT
		}
		return oF
	}
	panic(fmt.Sprintf("rowPred: %T", p))
}

// genLiteral draws literal text for a comparison with column c: values of
// the column's own type and the cross-type literals users write.
func genLiteral(r *rand.Rand, c string) string {
	v := genValue(r, c)
	for v.IsNull() {
		v = genValue(r, c)
	}
	switch c {
	case "i", "st.x":
		return []string{v.String(), "2.5", "-0.5", "2.5e0", "3e0"}[r.IntN(5)]
	case "f", "d":
		if math.IsNaN(v.Float) || math.IsInf(v.Float, 0) {
			return "CAST('" + strconv.FormatFloat(v.Float, 'g', -1, 64) + "' AS DOUBLE)"
		}
		return []string{strconv.FormatFloat(v.Float, 'e', -1, 64), "3.14", "0.1", "2.5", "0", "1", "0.30000000000000004", "3.140000104904175", "3.14000001"}[r.IntN(9)]
	case "dec":
		return []string{v.String(), "1", "0.1e0", "2.5e0", "-3.33"}[r.IntN(5)]
	case "s", "p":
		return v.String()
	case "dt":
		return []string{v.String(), "TIMESTAMP '2019-04-15 12:00:00+00:00'", "TIMESTAMP '2019-04-14 00:00:00+00:00'"}[r.IntN(3)]
	case "ts":
		return []string{v.String(), "DATE '2019-04-14'", "DATE '2019-04-15'", "TIMESTAMP '2019-04-14 00:00:00.0005+00:00'", "TIMESTAMP '2019-04-14 00:00:00.001+00:00'"}[r.IntN(5)]
	case "bo":
		return v.String()
	}
	panic(c)
}

var genOps = []string{"=", "<>", "<", "<=", ">", ">="}

// genFilter draws filter text of the given depth.
func genFilter(r *rand.Rand, depth int) string {
	if depth > 0 && r.IntN(3) == 0 {
		a, b := genFilter(r, depth-1), genFilter(r, depth-1)
		switch r.IntN(3) {
		case 0:
			return "(" + a + ") AND (" + b + ")"
		case 1:
			return "(" + a + ") OR (" + b + ")"
		}
		return "NOT (" + a + ")"
	}
	c := gdCols[r.IntN(len(gdCols))].name
	switch r.IntN(10) {
	case 0:
		return c + " IS NULL"
	case 1:
		return c + " IS NOT NULL"
	case 2:
		return c + " IN (" + genLiteral(r, c) + ", " + genLiteral(r, c) + ")"
	case 3:
		return c + " IS DISTINCT FROM " + genLiteral(r, c)
	case 4:
		if c == "s" || c == "p" {
			return c + " LIKE '" + []string{"a", "ab", "prefix-xxx", "日", ""}[r.IntN(5)] + "%'"
		}
		if c == "bo" {
			return "bo"
		}
	case 5:
		return c + " BETWEEN " + genLiteral(r, c) + " AND " + genLiteral(r, c)
	}
	return c + " " + genOps[r.IntN(len(genOps))] + " " + genLiteral(r, c)
}

func TestPrunerSoundOnGeneratedTables(t *testing.T) {
	ctx := context.Background()
	var checked, dropped, exactChecked int
	for seed := uint64(1); seed <= 6; seed++ {
		r := rand.New(rand.NewPCG(seed, 15))
		prefix, setPrefix := 32, false
		if seed%2 == 0 {
			prefix, setPrefix = 8, true
		}
		dir := t.TempDir()
		files := writeGenTable(t, r, dir, 24, prefix, setPrefix)
		tbl, err := storage.OpenTable(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		snap, err := tbl.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		schema, err := SchemaOfTable(&snap.Metadata)
		if err != nil {
			t.Fatal(err)
		}
		for q := 0; q < 120; q++ {
			text := genFilter(r, 2)
			pred, err := ParseFilter(text)
			if err != nil {
				t.Fatalf("%s: %v", text, err)
			}
			pr, err := NewPruner(pred, schema)
			if err != nil {
				t.Fatalf("%s: %v", text, err)
			}
			vs, err := pr.Eval(snap.Files)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			for fi, path := range snap.Files.Paths {
				if one, _ := pr.EvalFile(snap.Files, fi); one != vs[fi] {
					t.Fatalf("%s file %s: Eval %v, EvalFile %v", text, path, vs[fi], one)
				}
				f := files[path]
				anyTrue, allTrue := false, true
				for k := range f["i"] {
					row := map[string]model.Value{}
					for name, col := range f {
						row[name] = col[k]
					}
					for rd := 0; rd < numReadings; rd++ {
						o := rowPred(pred, row, rd)
						anyTrue = anyTrue || o == oT
						allTrue = allTrue && o == oT
					}
				}
				if anyTrue && !vs[fi].Keep() {
					t.Fatalf("UNSOUND: %s (parsed %s) dropped %s, which has a matching row\nstats: %s", text, pred, path, fileStatsText(snap.Files, fi))
				}
				if vs[fi] == MustMatch && !allTrue {
					t.Fatalf("%s: MustMatch for %s but a row does not match under every reading", text, path)
				}
				if !vs[fi].Keep() {
					dropped++
				}
				if cmp, ok := pred.(model.Cmp); ok && exactlyDecided(cmp, snap.Files, fi) {
					exactChecked++
					if vs[fi].Keep() != anyTrue {
						t.Fatalf("INEXACT: %s keeps=%v for %s though a matching row exists=%v\nstats: %s", text, vs[fi].Keep(), path, anyTrue, fileStatsText(snap.Files, fi))
					}
				}
			}
		}
	}
	if dropped == 0 || exactChecked == 0 {
		t.Fatalf("suite checks nothing: %d predicates, %d drops, %d exact checks", checked, dropped, exactChecked)
	}
	t.Logf("%d predicates over 6 generated tables: %d files dropped, %d exact verdicts checked", checked, dropped, exactChecked)
}

// exactlyDecided reports whether min/max decide "col op lit" exactly for
// file i: a range comparison of an integer, decimal or date column with a
// literal of its own kind, on a file whose bounds are present and that has
// no NULLs, or any comparison of the partition column.
func exactlyDecided(c model.Cmp, fs *model.FileSet, i int) bool {
	name := c.Col.String()
	if name == "p" {
		return c.Val.Kind == model.KindString
	}
	if c.Op == model.OpEq || c.Op == model.OpNe {
		return false
	}
	for _, st := range fs.Stats {
		if st.Path.String() != name {
			continue
		}
		k := st.Min.Kind
		if !(k == model.KindInt || k == model.KindDecimal || k == model.KindDate) || c.Val.Kind != k {
			return false
		}
		return st.Min.Valid[i] && st.Max.Valid[i] && st.NullCount != nil && st.NullCount[i] == 0
	}
	return false
}

func fileStatsText(fs *model.FileSet, i int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "numRecords=%d", fs.NumRecords[i])
	for _, st := range fs.Stats {
		nc := int64(-1)
		if st.NullCount != nil {
			nc = st.NullCount[i]
		}
		fmt.Fprintf(&b, " %s[%s,%s nulls=%d]", st.Path, st.Min.Get(i), st.Max.Get(i), nc)
	}
	return b.String()
}

// FuzzFilterPrune fuzzes the filter parser and the pruner together: any
// text that parses and compiles against a generated table prunes soundly
// (no file with a row TRUE under some reading is dropped) and the columnar
// and per-file evaluators agree.
func FuzzFilterPrune(f *testing.F) {
	r := rand.New(rand.NewPCG(99, 15))
	for i := 0; i < 20; i++ {
		f.Add(genFilter(r, 2))
	}
	f.Add("s LIKE 'prefix-xx%' AND NOT (d > 0.1)")
	f.Add("ts = DATE '2019-04-14' OR dt < TIMESTAMP '2019-04-15 12:00:00+00:00'")
	dir := f.TempDir()
	files := writeGenTable(f, rand.New(rand.NewPCG(7, 15)), dir, 16, 8, true)
	tbl, err := storage.OpenTable(context.Background(), dir)
	if err != nil {
		f.Fatal(err)
	}
	snap, err := tbl.Snapshot(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	schema, err := SchemaOfTable(&snap.Metadata)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		pred, err := ParseFilter(text)
		if err != nil {
			return
		}
		if hasOpaque(pred) {
			return // the row oracle cannot evaluate an opaque test
		}
		pr, err := NewPruner(pred, schema)
		if err != nil {
			return
		}
		vs, err := pr.Eval(snap.Files)
		if err != nil {
			t.Fatal(err)
		}
		for fi, path := range snap.Files.Paths {
			if one, _ := pr.EvalFile(snap.Files, fi); one != vs[fi] {
				t.Fatalf("%s file %s: Eval %v, EvalFile %v", text, path, vs[fi], one)
			}
			if vs[fi].Keep() {
				continue
			}
			fl := files[path]
			for k := range fl["i"] {
				row := map[string]model.Value{}
				for name, col := range fl {
					row[name] = col[k]
				}
				for rd := 0; rd < numReadings; rd++ {
					if rowPred(pred, row, rd) == oT {
						t.Fatalf("UNSOUND: %s dropped %s with a matching row", text, path)
					}
				}
			}
		}
	})
}

func hasOpaque(p model.Pred) bool {
	switch p := p.(type) {
	case model.Opaque:
		return true
	case model.And:
		for _, a := range p.Args {
			if hasOpaque(a) {
				return true
			}
		}
	case model.Or:
		for _, a := range p.Args {
			if hasOpaque(a) {
				return true
			}
		}
	case model.Not:
		return hasOpaque(p.Arg)
	}
	return false
}

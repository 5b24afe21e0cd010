package scanunit

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"github.com/deltaplan/deltaplan/model"
)

// statCol describes one statistics column of a hand-built file set: per file
// min, max (model.Null for "no bound") and null count.
type statCol struct {
	name     string
	kind     model.Kind
	scale    int32
	min, max []model.Value
	nulls    []int64
}

func buildFileSet(numRecords []int64, parts map[string][]model.Value, partKinds map[string]model.Kind, stats []statCol) *model.FileSet {
	n := len(numRecords)
	fs := &model.FileSet{NumRecords: numRecords, DVCardinality: unknowns(n)}
	for i := 0; i < n; i++ {
		fs.Paths = append(fs.Paths, "part-"+string(rune('a'+i%26))+".parquet")
		fs.Sizes = append(fs.Sizes, 100)
		fs.ModTimes = append(fs.ModTimes, 0)
	}
	for _, name := range sortedKeys(parts) {
		vals := parts[name]
		pc := model.PartitionColumn{Name: name, Values: model.NewVector(partKinds[name], 0, n)}
		for _, v := range vals {
			pc.Raw = append(pc.Raw, v.String())
			pc.RawValid = append(pc.RawValid, !v.IsNull())
			pc.Values.Append(v)
		}
		fs.Partitions = append(fs.Partitions, pc)
	}
	for _, sc := range stats {
		cs := model.ColumnStats{Path: model.Col(sc.name), Min: model.NewVector(sc.kind, sc.scale, n), Max: model.NewVector(sc.kind, sc.scale, n), NullCount: sc.nulls}
		for i := 0; i < n; i++ {
			cs.Min.Append(sc.min[i])
			cs.Max.Append(sc.max[i])
		}
		fs.Stats = append(fs.Stats, cs)
	}
	return fs
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := range ks {
		for j := i + 1; j < len(ks); j++ {
			if ks[j] < ks[i] {
				ks[i], ks[j] = ks[j], ks[i]
			}
		}
	}
	return ks
}

var (
	I  = model.IntValue
	S  = model.StringValue
	F  = model.FloatValue
	D  = model.DateValue
	TS = model.TimestampValue
	N  = model.Null
)

func dec(u int64, s int32) model.Value { return model.DecimalValue(big.NewInt(u), s) }

// verdictFixture: 8 files, described file by file in the comments.
func verdictFixture() *model.FileSet {
	nan := math.NaN()
	return buildFileSet(
		//  0    1    2    3    4    5    6    7
		[]int64{10, 10, 10, 10, -1, 0, 10, 10},
		map[string][]model.Value{"region": {S("eu"), S("eu"), S("us"), N, S("us"), S("eu"), S("eu"), S("us")}},
		map[string]model.Kind{"region": model.KindString},
		[]statCol{
			// i: 0:[1,5] 1:[6,10] 2:[5,5] 3:all null 4:no stats 5:empty file 6:[1,5] w/ nulls 7:[-3,0]
			{name: "i", kind: model.KindInt,
				min:   []model.Value{I(1), I(6), I(5), N, N, I(1), I(1), I(-3)},
				max:   []model.Value{I(5), I(10), I(5), N, N, I(5), I(5), I(0)},
				nulls: []int64{0, 0, 0, 10, -1, 0, 4, 0}},
			// s: 0:["apple","banana"] 1:["cherry","cherry"] 2:["a","b"] (b may be truncated) ...
			{name: "s", kind: model.KindString,
				min:   []model.Value{S("apple"), S("cherry"), S("a"), N, N, S("a"), S("x"), S("é")},
				max:   []model.Value{S("banana"), S("cherry"), S("b"), N, N, S("z"), S("y"), S("é")},
				nulls: []int64{0, 0, 0, 10, -1, 0, 0, 0}},
			{name: "f", kind: model.KindFloat,
				min:   []model.Value{F(0), F(1.5), F(nan), N, N, F(0), F(-1), F(2)},
				max:   []model.Value{F(1), F(2.5), F(nan), N, N, F(1), F(nan), F(2)},
				nulls: []int64{0, 0, 0, 10, -1, 0, 0, 0}},
			{name: "d", kind: model.KindDecimal, scale: 2,
				min:   []model.Value{dec(100, 2), dec(250, 2), dec(0, 2), N, N, dec(0, 2), dec(-100, 2), dec(5, 2)},
				max:   []model.Value{dec(200, 2), dec(250, 2), dec(0, 2), N, N, dec(0, 2), dec(100, 2), dec(7, 2)},
				nulls: []int64{0, 0, 0, 10, -1, 0, 0, 0}},
			{name: "t", kind: model.KindTimestamp,
				min:   []model.Value{TS(0), TS(1000), TS(5000), N, N, TS(0), TS(0), TS(0)},
				max:   []model.Value{TS(0), TS(2000), TS(5000), N, N, TS(0), TS(0), TS(0)},
				nulls: []int64{0, 0, 0, 10, -1, 0, 0, 0}},
		})
}

func TestPrunerVerdicts(t *testing.T) {
	fs := verdictFixture()
	const (
		C = CannotMatch
		M = MightMatch
		A = MustMatch
	)
	tests := []struct {
		filter string
		want   [8]Verdict
		why    string
	}{
		{"i = 5", [8]Verdict{M, C, A, C, M, C, M, C},
			"skip 1,7: 5 outside bounds; 2 all 5 → must; 3 all null; 5 has no rows; 4 no stats keeps; 6 has nulls so only might"},
		{"i <> 5", [8]Verdict{M, A, C, C, M, C, M, A}, "2 is all 5; 1 and 7 never 5"},
		{"i > 5", [8]Verdict{C, A, C, C, M, C, C, C}, "max 5 rules out 0,2,6"},
		{"i >= 5", [8]Verdict{M, A, A, C, M, C, M, C}, "equality at the max keeps"},
		{"i < 1", [8]Verdict{C, C, C, C, M, C, C, A}, "min 1 rules out 0,6"},
		{"i <= 1", [8]Verdict{M, C, C, C, M, C, M, A}, "equality at the min keeps"},
		{"i = 2.5", [8]Verdict{C, C, C, C, C, C, C, C}, "an integer column never equals 2.5, even without bounds"},
		{"i < 5.5", [8]Verdict{A, C, A, C, M, C, M, A}, "x < 5.5 is x <= 5"},
		{"i IS NULL", [8]Verdict{C, C, C, A, M, C, M, C}, "nullCount 0 rules out; all null must"},
		{"i IS NOT NULL", [8]Verdict{A, A, A, C, M, C, M, A}, "the mirror"},
		{"NOT (i > 5)", [8]Verdict{A, C, A, C, M, C, M, A}, "NOT of an all-null column stays NULL: 3 cannot"},
		{"i IN (0, 6)", [8]Verdict{C, M, C, C, M, C, C, M}, "0 in 7's range, 6 in 1's"},
		{"i NOT IN (5, NULL)", [8]Verdict{C, C, C, C, C, C, C, C}, "NOT IN with a NULL is never TRUE"},
		{"i BETWEEN 2 AND 3", [8]Verdict{M, C, C, C, M, C, M, C}, "range overlaps 0 and 6"},
		{"i = NULL", [8]Verdict{C, C, C, C, C, C, C, C}, "a comparison with NULL is never TRUE"},
		{"region = 'eu'", [8]Verdict{A, A, C, C, C, C, A, C}, "partition values are exact"},
		{"region IS NULL", [8]Verdict{C, C, C, A, C, C, C, C}, "partition null"},
		{"region = 'eu' OR i = 5", [8]Verdict{A, A, A, C, M, C, A, C}, "OR keeps what either keeps"},
		{"region = 'eu' AND i > 5", [8]Verdict{C, A, C, C, C, C, C, C}, "AND drops what either drops"},
		{"s = 'cherry'", [8]Verdict{C, M, C, C, M, C, C, C}, "a string max may be truncated: never must"},
		{"s = 'bz'", [8]Verdict{C, C, M, C, M, C, C, C}, "'bz' starts with the (truncated?) max 'b'"},
		{"s > 'é'", [8]Verdict{C, C, C, C, M, C, C, M}, "UTF-8 byte order: é (C3 A9) above y; equal max may be a prefix"},
		{"s < 'b'", [8]Verdict{M, C, M, C, M, C, C, C}, "byte order"},
		{"f > 2.0", [8]Verdict{M, M, M, C, M, C, M, M}, "NaN may hide beyond any max (writers taking Parquet statistics leave it out) and NaN > 2.0: only all-NULL and empty files drop"},
		{"f = 2", [8]Verdict{C, M, M, C, M, C, M, M}, "int literal against a float column; file 7 is [2,2] but may hold NaN rows, so only might"},
		{"f < 0", [8]Verdict{C, C, M, C, M, C, M, C}, "-0 = 0: file 0 has min 0"},
		{"d = 2.5", [8]Verdict{C, A, C, C, M, C, C, C}, "decimals compare exactly across scales"},
		{"d > 0.065", [8]Verdict{A, A, C, C, M, C, M, M}, "0.065 falls between 0.06 and 0.07"},
		{"d BETWEEN 0.05 AND 0.07", [8]Verdict{C, C, C, C, M, C, M, A}, "q6 style"},
		{"t > TIMESTAMP '1970-01-01 00:00:00.000500+00:00'", [8]Verdict{C, A, A, C, M, C, C, C}, "the reader widens a ms max by 999µs once; the pruner takes bounds as given"},
		{"t > TIMESTAMP '1970-01-01 00:00:00.001'", [8]Verdict{C, M, A, C, M, C, C, C}, "a zoneless literal is read as UTC"},
		{"t = DATE '1970-01-01'", [8]Verdict{A, M, M, C, M, C, A, A}, "a DATE against a timestamp is midnight or the day's bounds: t = 0 matches both"},
		{"a < b AND i = 5", [8]Verdict{M, C, M, C, M, C, M, C}, "an opaque conjunct decides nothing"},
		{"nosuch = 1", [8]Verdict{M, M, M, M, M, C, M, M}, "a column without statistics keeps every file"},
		{"FALSE", [8]Verdict{C, C, C, C, C, C, C, C}, "constant false"},
		{"TRUE", [8]Verdict{A, A, A, A, A, C, A, A}, "constant true; an empty file still cannot match"},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			pred, err := ParseFilter(tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			pr, err := NewPruner(pred, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pr.Eval(fs)
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				one, err := pr.EvalFile(fs, i)
				if err != nil {
					t.Fatal(err)
				}
				if got[i] != tc.want[i] || one != tc.want[i] {
					t.Errorf("file %d: Eval %v, EvalFile %v, want %v (%s)", i, got[i], one, tc.want[i], tc.why)
				}
			}
		})
	}
}

func TestNewPrunerUnknownColumn(t *testing.T) {
	fs := verdictFixture()
	pred, _ := ParseFilter("i = 1 AND nosuch > 2")
	_, err := NewPruner(pred, SchemaOf(fs))
	if !errors.Is(err, ErrUnknownColumn) {
		t.Fatalf("err = %v, want ErrUnknownColumn", err)
	}
	pred, _ = ParseFilter("region = 'eu' AND s > 'a'")
	if _, err := NewPruner(pred, SchemaOf(fs)); err != nil {
		t.Fatalf("known columns rejected: %v", err)
	}
}

func TestEvalMalformedFileSet(t *testing.T) {
	pr, _ := NewPruner(model.Cmp{Col: model.Col("i"), Op: model.OpEq, Val: I(1)}, nil)
	tests := []struct {
		name string
		fs   *model.FileSet
	}{
		{"nil", nil},
		{"short numRecords", &model.FileSet{Paths: []string{"a", "b"}, NumRecords: []int64{1}}},
		{"short stats", &model.FileSet{Paths: []string{"a"}, Stats: []model.ColumnStats{{Path: model.Col("i"),
			Min: model.Vector{Kind: model.KindInt}, Max: model.Vector{Kind: model.KindInt}}}}},
		{"short partition", &model.FileSet{Paths: []string{"a"}, Partitions: []model.PartitionColumn{{Name: "p",
			Values: model.Vector{Kind: model.KindString, Valid: []bool{true}}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := pr.Eval(tc.fs); err == nil {
				t.Fatal("Eval accepted a malformed file set")
			}
		})
	}
}

func TestCoerceNeighbours(t *testing.T) {
	tests := []struct {
		op      model.Op
		lit     model.Value
		kind    model.Kind
		scale   int32
		want    uint8
		wantLit string
		why     string
	}{
		{model.OpLt, dec(25, 1), model.KindInt, 0, pCmp, "2", "x < 2.5 is x <= 2"},
		{model.OpGe, dec(-25, 1), model.KindInt, 0, pCmp, "-2", "x >= -2.5 is x >= -2"},
		{model.OpLt, model.DecimalValue(new(big.Int).Lsh(big.NewInt(1), 70), 0), model.KindInt, 0, pTrue, "", "beyond int64"},
		{model.OpGt, model.DecimalValue(new(big.Int).Lsh(big.NewInt(1), 70), 0), model.KindInt, 0, pFalse, "", "beyond int64"},
		{model.OpGt, dec(65, 3), model.KindDecimal, 2, pCmp, "0.07", "0.065 > x at scale 2"},
		{model.OpEq, I(3), model.KindDecimal, 2, pCmp, "3.00", "rescaled exactly"},
		{model.OpLe, dec(1, 1), model.KindFloat, 0, pCmp, "0.09999999999999999", "0.1 is not a float: the float just below"},
		{model.OpEq, S("1"), model.KindInt, 0, pUnknown, "", "different domains"},
		{model.OpEq, S("2020-01-02"), model.KindDate, 0, pCmp, "DATE '2020-01-02'", "strings parse into dates"},
	}
	for _, tc := range tests {
		all := readings(tc.op, tc.lit, tc.kind, tc.scale, false)
		found := false
		for _, got := range all {
			found = found || (got.mode == tc.want && (tc.want != pCmp || got.lit.String() == tc.wantLit))
		}
		if !found {
			t.Errorf("readings(%v %v → %v) = %+v; want one with mode %d lit %s: %s", tc.op, tc.lit, tc.kind, all, tc.want, tc.wantLit, tc.why)
		}
	}
}

func TestFloatKeyOrder(t *testing.T) {
	vals := []float64{math.Inf(-1), -math.MaxFloat64, -1, -math.SmallestNonzeroFloat64, 0, math.SmallestNonzeroFloat64, 1, math.MaxFloat64, math.Inf(1), math.NaN()}
	for i := 1; i < len(vals); i++ {
		if floatKey(vals[i-1]) >= floatKey(vals[i]) {
			t.Errorf("floatKey(%v) >= floatKey(%v)", vals[i-1], vals[i])
		}
	}
	if floatKey(math.Copysign(0, -1)) != floatKey(0) {
		t.Error("-0 and 0 differ")
	}
}

// TestStatsWithoutBounds: a column the reader cannot bound (Kind null, no
// values) still prunes IS NULL / IS NOT NULL from nullCount, and keeps
// everything for comparisons.
func TestStatsWithoutBounds(t *testing.T) {
	fs := &model.FileSet{Paths: []string{"a", "b", "c"}, Sizes: []int64{1, 1, 1}, NumRecords: []int64{5, 5, 5},
		Stats: []model.ColumnStats{{Path: model.Col("v"), NullCount: []int64{0, 5, -1}}}}
	tests := []struct {
		filter string
		want   []Verdict
		why    string
	}{
		{"v IS NULL", []Verdict{CannotMatch, MustMatch, MightMatch}, "nullCount 0 / all / unknown"},
		{"v IS NOT NULL", []Verdict{MustMatch, CannotMatch, MightMatch}, "the mirror"},
		{"v = 1", []Verdict{MightMatch, CannotMatch, MightMatch}, "no bounds; an all-NULL column never equals 1"},
	}
	for _, tc := range tests {
		pred, _ := ParseFilter(tc.filter)
		pr, _ := NewPruner(pred, nil)
		got, err := pr.Eval(fs)
		if err != nil {
			t.Fatalf("%s: %v", tc.filter, err)
		}
		for i := range got {
			one, err := pr.EvalFile(fs, i)
			if err != nil || got[i] != tc.want[i] || one != tc.want[i] {
				t.Errorf("%s file %d: Eval %v EvalFile %v (%v), want %v: %s", tc.filter, i, got[i], one, err, tc.want[i], tc.why)
			}
		}
	}
}

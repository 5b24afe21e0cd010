package scanunit

import (
	"math"
	"math/big"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/model"
)

// This file holds the soundness oracle over generated data: random rows per
// file, statistics derived from them the way writers do (including truncated
// strings and millisecond timestamps), random predicates, and a row-by-row
// SQL evaluation that the pruner's verdicts must agree with.

type genCol struct {
	name  string
	kind  model.Kind
	scale int32
	gen   func(r *rand.Rand) model.Value // a row value (never NULL)
	lit   func(r *rand.Rand) model.Value // a literal to compare with
}

var genCols = []genCol{
	{name: "i", kind: model.KindInt,
		gen: func(r *rand.Rand) model.Value { return I(int64(r.IntN(7) - 3)) },
		lit: func(r *rand.Rand) model.Value {
			if r.IntN(4) == 0 {
				return dec(int64(r.IntN(81)-40), 1)
			}
			return I(int64(r.IntN(9) - 4))
		}},
	{name: "s", kind: model.KindString,
		gen: func(r *rand.Rand) model.Value { return S(pick(r, "", "a", "ab", "abc", "abd", "b", "ba", "é", "z")) },
		lit: func(r *rand.Rand) model.Value {
			return S(pick(r, "", "a", "aa", "ab", "abc", "abz", "b", "bb", "é", "éa", "y", "zz"))
		}},
	{name: "f", kind: model.KindFloat,
		gen: func(r *rand.Rand) model.Value {
			return F(pickF(r, -1.5, math.Copysign(0, -1), 0, 1, 2.5, math.NaN(), math.Inf(1), 0.1))
		},
		lit: func(r *rand.Rand) model.Value {
			switch r.IntN(4) {
			case 0:
				return dec(int64(r.IntN(5)-2), 1) // 0.1 is not a float
			case 1:
				return I(int64(r.IntN(5) - 2))
			}
			return F(pickF(r, -1.5, 0, 1, 2.5, math.NaN(), math.Inf(1), math.Inf(-1), 0.1))
		}},
	{name: "d", kind: model.KindDecimal, scale: 2,
		gen: func(r *rand.Rand) model.Value { return dec(int64(r.IntN(9)-4)*25, 2) },
		lit: func(r *rand.Rand) model.Value {
			if r.IntN(3) == 0 {
				return dec(int64(r.IntN(21)-10)*125, 3)
			}
			return dec(int64(r.IntN(9)-4)*25, 2)
		}},
	{name: "t", kind: model.KindTimestamp,
		gen: func(r *rand.Rand) model.Value { return TS(int64(r.IntN(4000) - 1000)) },
		lit: func(r *rand.Rand) model.Value {
			us := int64(r.IntN(4400) - 1200)
			if r.IntN(2) == 0 {
				return model.TimestampNTZValue(us)
			}
			return TS(us)
		}},
	{name: "dt", kind: model.KindDate,
		gen: func(r *rand.Rand) model.Value { return D(int64(r.IntN(6))) },
		lit: func(r *rand.Rand) model.Value { return D(int64(r.IntN(8) - 1)) }},
}

// partition column "p" (int) and "ps" (string).
var genParts = []genCol{
	{name: "p", kind: model.KindInt,
		gen: func(r *rand.Rand) model.Value { return I(int64(r.IntN(4))) },
		lit: func(r *rand.Rand) model.Value { return I(int64(r.IntN(5) - 1)) }},
	{name: "ps", kind: model.KindString,
		gen: func(r *rand.Rand) model.Value { return S(pick(r, "a", "b", "c")) },
		lit: func(r *rand.Rand) model.Value { return S(pick(r, "a", "b", "d")) }},
}

func pick(r *rand.Rand, xs ...string) string    { return xs[r.IntN(len(xs))] }
func pickF(r *rand.Rand, xs ...float64) float64 { return xs[r.IntN(len(xs))] }
func maybeNull(r *rand.Rand, v model.Value) model.Value {
	if r.IntN(5) == 0 {
		return N
	}
	return v
}

type genFile map[string][]model.Value // column -> row values (one entry per row)

// genTable returns rows per file and the FileSet a writer would produce.
func genTable(r *rand.Rand, nfiles int) ([]genFile, []int, *model.FileSet) {
	files := make([]genFile, nfiles)
	nrows := make([]int, nfiles)
	fs := &model.FileSet{}
	for f := range files {
		nrows[f] = r.IntN(6)
		if r.IntN(8) == 0 {
			nrows[f] = 0
		}
		files[f] = genFile{}
		for _, c := range genParts {
			v := maybeNull(r, c.gen(r))
			for k := 0; k < nrows[f]; k++ {
				files[f][c.name] = append(files[f][c.name], v)
			}
			if nrows[f] == 0 {
				files[f][c.name] = []model.Value{v} // the partition value still exists
			}
		}
		for _, c := range genCols {
			allNull := r.IntN(6) == 0
			for k := 0; k < nrows[f]; k++ {
				v := maybeNull(r, c.gen(r))
				if allNull {
					v = N
				}
				files[f][c.name] = append(files[f][c.name], v)
			}
		}
		fs.Paths = append(fs.Paths, string(rune('a'+f%26))+string(rune('a'+f/26)))
		fs.Sizes = append(fs.Sizes, int64(100+nrows[f]))
		fs.ModTimes = append(fs.ModTimes, 0)
		nr := int64(nrows[f])
		if r.IntN(10) == 0 {
			nr = -1
		}
		fs.NumRecords = append(fs.NumRecords, nr)
		fs.DVCardinality = append(fs.DVCardinality, -1)
		fs.TightBounds = append(fs.TightBounds, 1)
	}
	for _, c := range genParts {
		pc := model.PartitionColumn{Name: c.name, Values: model.NewVector(c.kind, 0, nfiles)}
		for f := range files {
			v := files[f][c.name][0]
			pc.Raw = append(pc.Raw, v.String())
			pc.RawValid = append(pc.RawValid, !v.IsNull())
			pc.Values.Append(v)
		}
		fs.Partitions = append(fs.Partitions, pc)
	}
	for _, c := range genCols {
		cs := model.ColumnStats{Path: model.Col(c.name), Min: model.NewVector(c.kind, c.scale, nfiles), Max: model.NewVector(c.kind, c.scale, nfiles)}
		for f := range files {
			lo, hi, nulls := writerStats(r, c.kind, files[f][c.name])
			cs.Min.Append(lo)
			cs.Max.Append(hi)
			if r.IntN(10) == 0 {
				nulls = -1
			}
			cs.NullCount = append(cs.NullCount, nulls)
		}
		fs.Stats = append(fs.Stats, cs)
	}
	sort.Slice(fs.Stats, func(i, j int) bool { return fs.Stats[i].Path.String() < fs.Stats[j].Path.String() })
	return files, nrows, fs
}

// writerStats computes min, max and null count as a Delta writer would:
// Spark float order (NaN largest), strings sometimes truncated to a 2-byte
// prefix, timestamps cut to milliseconds; bounds are sometimes missing.
func writerStats(r *rand.Rand, k model.Kind, vals []model.Value) (lo, hi model.Value, nulls int64) {
	for _, v := range vals {
		if v.IsNull() {
			nulls++
			continue
		}
		if lo.IsNull() || oracleCmp(v, lo) < 0 {
			lo = v
		}
		if hi.IsNull() || oracleCmp(v, hi) > 0 {
			hi = v
		}
	}
	if lo.IsNull() {
		return N, N, nulls
	}
	switch k {
	case model.KindString:
		if r.IntN(2) == 0 && len(lo.Str) > 2 {
			lo.Str = lo.Str[:2]
		}
		if r.IntN(2) == 0 && len(hi.Str) > 2 {
			hi.Str = hi.Str[:2]
		}
	case model.KindTimestamp:
		// Written cut to milliseconds; the reader (delta/stats.go) widens
		// the max to the millisecond's last microsecond.
		lo.Int = floorDiv(lo.Int, 1000) * 1000
		hi.Int = floorDiv(hi.Int, 1000)*1000 + 999
	case model.KindFloat:
		// Writers that take statistics from Parquet leave NaN out.
		if r.IntN(2) == 0 && math.IsNaN(hi.Float) {
			hi = N
			for _, v := range vals {
				if !v.IsNull() && !math.IsNaN(v.Float) && (hi.IsNull() || v.Float > hi.Float) {
					hi = v
				}
			}
			if hi.IsNull() {
				lo = N
			}
		}
	}
	if r.IntN(10) == 0 {
		lo = N
	}
	if r.IntN(10) == 0 {
		hi = N
	}
	return lo, hi, nulls
}

// oracleCmp orders a row value and a literal the way the documented
// semantics say: numeric kinds exactly, floats in Spark order, a zoneless
// literal against a timestamp as UTC.
func oracleCmp(a, b model.Value) int {
	isF := func(v model.Value) bool { return v.Kind == model.KindFloat }
	if (isF(a) && math.IsNaN(a.Float)) || (isF(b) && math.IsNaN(b.Float)) {
		an, bn := isF(a) && math.IsNaN(a.Float), isF(b) && math.IsNaN(b.Float)
		switch {
		case an && bn:
			return 0
		case an:
			return 1
		}
		return -1
	}
	// model.Compare does not order an infinite float against a decimal.
	if isF(a) && math.IsInf(a.Float, 0) && !isF(b) {
		return int(math.Copysign(1, a.Float))
	}
	if isF(b) && math.IsInf(b.Float, 0) && !isF(a) {
		return -int(math.Copysign(1, b.Float))
	}
	if a.Kind == model.KindTimestamp && b.Kind == model.KindTimestampNTZ {
		b.Kind = model.KindTimestamp
	}
	if isF(a) && isF(b) {
		switch {
		case a.Float < b.Float:
			return -1
		case a.Float > b.Float:
			return 1
		}
		return 0
	}
	if a.Kind == model.KindDecimal && b.Kind == model.KindDecimal {
		// Exact without big.Rat, which is slow over many rows.
		x, y := a.Dec, b.Dec
		if a.Scale < b.Scale {
			x = new(big.Int).Mul(x, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(b.Scale-a.Scale)), nil))
		} else if b.Scale < a.Scale {
			y = new(big.Int).Mul(y, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(a.Scale-b.Scale)), nil))
		}
		return x.Cmp(y)
	}
	c, ok := model.Compare(a, b)
	if !ok {
		panic("oracle: incomparable " + a.String() + " vs " + b.String())
	}
	return c
}

func rowEval(p model.Pred, row map[string]model.Value) outcome {
	switch p := p.(type) {
	case model.And:
		acc := oT
		for _, a := range p.Args {
			acc = andTab[acc<<3|rowEval(a, row)]
		}
		return acc
	case model.Or:
		acc := oF
		for _, a := range p.Args {
			acc = orTab[acc<<3|rowEval(a, row)]
		}
		return acc
	case model.Not:
		return notTab[rowEval(p.Arg, row)]
	case model.Const:
		if p.Val {
			return oT
		}
		return oF
	case model.IsNull:
		if row[p.Col.String()].IsNull() != p.Negated {
			return oT
		}
		return oF
	case model.Cmp:
		v := row[p.Col.String()]
		if v.IsNull() || p.Val.IsNull() {
			return oN
		}
		if p.Op.Holds(oracleCmp(v, p.Val)) {
			return oT
		}
		return oF
	case model.In:
		v := row[p.Col.String()]
		res := oF
		for _, x := range p.Vals {
			switch {
			case x.IsNull() || v.IsNull():
				if res == oF {
					res = oN
				}
			case oracleCmp(v, x) == 0:
				res = oT
			}
		}
		if p.Negated {
			return notTab[res]
		}
		return res
	}
	panic("oracle: unexpected predicate")
}

func randPred(r *rand.Rand, depth int) model.Pred {
	return randPredFrom(r, append(append([]genCol{}, genCols...), genParts...), depth)
}

// randPredFrom builds a random predicate over the columns cols, with
// literals from each column's lit function.
func randPredFrom(r *rand.Rand, all []genCol, depth int) model.Pred {
	if depth > 0 && r.IntN(3) > 0 {
		sub := func() model.Pred { return randPredFrom(r, all, depth-1) }
		switch r.IntN(3) {
		case 0:
			return model.Not{Arg: sub()}
		case 1:
			return model.And{Args: []model.Pred{sub(), sub(), sub()}[:1+r.IntN(3)]}
		default:
			return model.Or{Args: []model.Pred{sub(), sub()}}
		}
	}
	c := all[r.IntN(len(all))]
	col := model.Col(c.name)
	switch r.IntN(8) {
	case 0:
		return model.IsNull{Col: col, Negated: r.IntN(2) == 0}
	case 1:
		vals := []model.Value{c.lit(r), c.lit(r)}
		if r.IntN(4) == 0 {
			vals = append(vals, N)
		}
		return model.In{Col: col, Vals: vals, Negated: r.IntN(2) == 0}
	case 2:
		if r.IntN(4) == 0 {
			return model.Const{Val: r.IntN(2) == 0}
		}
	}
	return model.Cmp{Col: col, Op: model.Op(r.IntN(6)), Val: c.lit(r)}
}

func TestPrunerSoundOnGeneratedData(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var kept, total, cannot, must int
	for table := 0; table < 200; table++ {
		files, nrows, fs := genTable(r, 20)
		for q := 0; q < 40; q++ {
			pred := randPred(r, 2)
			pr, err := NewPruner(pred, SchemaOf(fs))
			if err != nil {
				t.Fatal(err)
			}
			vs, err := pr.Eval(fs)
			if err != nil {
				t.Fatal(err)
			}
			for f := range files {
				one, _ := pr.EvalFile(fs, f)
				if one != vs[f] {
					t.Fatalf("%s, file %d: Eval %v but EvalFile %v", pred, f, vs[f], one)
				}
				anyTrue, allTrue := false, true // MustMatch holds vacuously for no rows
				for k := 0; k < nrows[f]; k++ {
					row := map[string]model.Value{}
					for name, col := range files[f] {
						row[name] = col[k]
					}
					o := rowEval(pred, row)
					anyTrue = anyTrue || o == oT
					allTrue = allTrue && o == oT
				}
				if anyTrue && vs[f] == CannotMatch {
					t.Fatalf("UNSOUND: %s dropped file %d which has a matching row\nrows: %v\nstats: %s", pred, f, files[f], describeStats(fs, f))
				}
				if vs[f] == MustMatch && !allTrue {
					t.Fatalf("%s: MustMatch for file %d but not every row matches\nrows: %v\nstats: %s", pred, f, files[f], describeStats(fs, f))
				}
				total++
				switch vs[f] {
				case CannotMatch:
					cannot++
				case MustMatch:
					must++
				}
				if vs[f].Keep() {
					kept++
				}
			}
		}
	}
	// The oracle would pass for a pruner that keeps everything; make sure
	// this one decides a good share of the cases.
	if cannot < total/10 || must < total/20 {
		t.Fatalf("pruner too timid: %d cannot, %d must of %d", cannot, must, total)
	}
	t.Logf("%d file-predicate pairs: %d kept, %d cannot, %d must", total, kept, cannot, must)
}

func describeStats(fs *model.FileSet, f int) string {
	var b strings.Builder
	b.WriteString("numRecords=" + big.NewInt(fs.NumRecords[f]).String())
	for _, st := range fs.Stats {
		b.WriteString(" " + st.Path.String() + "[" + st.Min.Get(f).String() + "," + st.Max.Get(f).String() + " nulls=" + big.NewInt(st.NullCount[f]).String() + "]")
	}
	return b.String()
}

// TestPrunerExactOnKnownBounds checks the other direction for integer
// columns whose bounds the test knows: whenever some value in [min, max]
// satisfies a comparison (and the file has non-NULL values), the file is
// kept; whenever none does, it is dropped. Nothing that min/max/nullCount
// rule out survives.
func TestPrunerExactOnKnownBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n = 400
	lo, hi, nulls, recs := make([]model.Value, n), make([]model.Value, n), make([]int64, n), make([]int64, n)
	for f := 0; f < n; f++ {
		a, b := int64(r.IntN(11)-5), int64(r.IntN(11)-5)
		if a > b {
			a, b = b, a
		}
		lo[f], hi[f] = I(a), I(b)
		recs[f] = 10
		nulls[f] = int64(r.IntN(3)) * 5 // 0, 5 or 10 (all null)
		if nulls[f] == 10 {
			lo[f], hi[f] = N, N
		}
	}
	fs := buildFileSet(recs, nil, nil, []statCol{{name: "x", kind: model.KindInt, min: lo, max: hi, nulls: nulls}})
	for op := model.OpEq; op <= model.OpGe; op++ {
		for c := int64(-7); c <= 7; c++ {
			for _, isNull := range []int{-1, 0, 1} {
				var pred model.Pred = model.Cmp{Col: model.Col("x"), Op: op, Val: I(c)}
				if isNull >= 0 {
					pred = model.IsNull{Col: model.Col("x"), Negated: isNull == 1}
				}
				pr, _ := NewPruner(pred, nil)
				vs, err := pr.Eval(fs)
				if err != nil {
					t.Fatal(err)
				}
				for f := 0; f < n; f++ {
					var possible bool
					switch {
					case isNull == 0:
						possible = nulls[f] > 0
					case isNull == 1:
						possible = nulls[f] < recs[f]
					case nulls[f] < recs[f]:
						for x := lo[f].Int; x <= hi[f].Int && !possible; x++ {
							possible = op.Holds(sign(x, c))
						}
					}
					if vs[f].Keep() != possible {
						t.Fatalf("%s on file [%v,%v] nulls %d: verdict %v, but a match is possible=%v", pred, lo[f], hi[f], nulls[f], vs[f], possible)
					}
				}
			}
		}
	}
}

// FuzzPrune drives the generated-data oracle from fuzzer-chosen seeds: for
// any table and predicate the generators can make, the columnar and the
// per-file evaluators agree and no file with a matching row is dropped.
func FuzzPrune(f *testing.F) {
	for _, s := range [][2]uint64{{1, 2}, {3, 4}, {42, 0}, {7, 1 << 40}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b uint64) {
		r := rand.New(rand.NewPCG(a, b))
		files, nrows, fs := genTable(r, 1+r.IntN(12))
		pred := randPred(r, 3)
		pr, err := NewPruner(pred, SchemaOf(fs))
		if err != nil {
			t.Fatal(err)
		}
		vs, err := pr.Eval(fs)
		if err != nil {
			t.Fatal(err)
		}
		for f := range files {
			if one, _ := pr.EvalFile(fs, f); one != vs[f] {
				t.Fatalf("%s file %d: Eval %v, EvalFile %v", pred, f, vs[f], one)
			}
			for k := 0; k < nrows[f]; k++ {
				row := map[string]model.Value{}
				for name, col := range files[f] {
					row[name] = col[k]
				}
				if rowEval(pred, row) == oT && !vs[f].Keep() {
					t.Fatalf("UNSOUND: %s dropped file %d with a matching row %v", pred, f, row)
				}
			}
		}
	})
}

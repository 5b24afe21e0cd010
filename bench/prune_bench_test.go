package bench_test

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/scanunit"
)

// synthFileSet builds an n-file snapshot of a lineitem-like table: a date,
// an int and a string column with min/max/nullCount per file, ordered by
// date the way an append-only table is.
func synthFileSet(n int) *model.FileSet {
	r := rand.New(rand.NewPCG(42, uint64(n)))
	fs := &model.FileSet{
		Paths: make([]string, n), Sizes: make([]int64, n), ModTimes: make([]int64, n),
		NumRecords: make([]int64, n), DVCardinality: make([]int64, n), TightBounds: make([]int8, n),
	}
	for i := range fs.TightBounds {
		fs.TightBounds[i] = 1
	}
	date := model.ColumnStats{Path: model.Col("l_shipdate"), NullCount: make([]int64, n),
		Min: model.NewVector(model.KindDate, 0, n), Max: model.NewVector(model.KindDate, 0, n)}
	qty := model.ColumnStats{Path: model.Col("l_quantity"), NullCount: make([]int64, n),
		Min: model.NewVector(model.KindInt, 0, n), Max: model.NewVector(model.KindInt, 0, n)}
	mode := model.ColumnStats{Path: model.Col("l_shipmode"), NullCount: make([]int64, n),
		Min: model.NewVector(model.KindString, 0, n), Max: model.NewVector(model.KindString, 0, n)}
	disc := model.ColumnStats{Path: model.Col("l_discount"), NullCount: make([]int64, n),
		Min: model.NewVector(model.KindFloat, 0, n), Max: model.NewVector(model.KindFloat, 0, n)}
	modes := []string{"AIR", "FOB", "MAIL", "RAIL", "REG AIR", "SHIP", "TRUCK"}
	for i := 0; i < n; i++ {
		fs.Paths[i] = fmt.Sprintf("part-%08d.parquet", i)
		fs.Sizes[i] = 64<<20 + int64(r.IntN(1<<20))
		fs.NumRecords[i] = 500000
		fs.DVCardinality[i] = -1
		d := int64(8035 + i*2557/n) // 1992-01-02 .. 1998-12-31
		date.Min.Append(model.DateValue(d))
		date.Max.Append(model.DateValue(d + int64(r.IntN(30))))
		lo := int64(1 + r.IntN(30))
		qty.Min.Append(model.IntValue(lo))
		qty.Max.Append(model.IntValue(lo + int64(r.IntN(25))))
		a := r.IntN(len(modes))
		b := a + r.IntN(len(modes)-a)
		mode.Min.Append(model.StringValue(modes[a]))
		mode.Max.Append(model.StringValue(modes[b]))
		dl := float64(r.IntN(10)) / 100
		disc.Min.Append(model.FloatValue(dl))
		disc.Max.Append(model.FloatValue(dl + float64(r.IntN(3))/100))
	}
	fs.Stats = []model.ColumnStats{disc, qty, date, mode}
	return fs
}

const threeConjuncts = "l_shipdate >= DATE '1994-01-01' AND l_quantity < 24 AND l_shipmode = 'AIR'"

// sixConjuncts is TPC-H q6-like: a date range, a discount range (decimal
// literals against a double column: two engine readings each) and a
// quantity bound, plus a string equality.
const sixConjuncts = "l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1995-01-01' AND " +
	"l_discount >= 0.05 AND l_discount <= 0.07 AND l_quantity < 24 AND l_shipmode = 'AIR'"

// BenchmarkPruneSixConjuncts measures file × conjunct evaluations per
// second on one core (the target is at least 20M), and Explain against the
// plain evaluation of the same filter (the target is at most 2×).
func BenchmarkPruneSixConjuncts(b *testing.B) {
	pred, err := scanunit.ParseFilter(sixConjuncts)
	if err != nil {
		b.Fatal(err)
	}
	const n = 200_000
	fs := synthFileSet(n)
	pr, err := scanunit.NewPruner(pred, schemaOf(fs))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("filter", func(b *testing.B) {
		b.ReportAllocs()
		cpu0 := cpuSeconds()
		for b.Loop() {
			if _, err := pr.Eval(fs); err != nil {
				b.Fatal(err)
			}
		}
		perOp := b.Elapsed().Seconds() / float64(b.N)
		b.ReportMetric(float64(n)*6/perOp, "file-evals/s")
		// On a shared machine wall time includes waiting for a core; CPU
		// time (this process, GC included) is the per-core figure.
		if cpu := cpuSeconds() - cpu0; cpu > 0 {
			b.ReportMetric(float64(n)*6*float64(b.N)/cpu, "file-evals/cpu-s")
		}
		b.ReportMetric(perOp*1e9/float64(n), "ns/file")
	})
	b.Run("explain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := pr.Explain(fs); err != nil {
				b.Fatal(err)
			}
		}
		perOp := b.Elapsed().Seconds() / float64(b.N)
		b.ReportMetric(perOp*1e9/float64(n), "ns/file")
	})
}

// schemaOf types the synthetic columns as a table schema would (l_discount
// a double).
func schemaOf(fs *model.FileSet) scanunit.Schema {
	s := scanunit.SchemaOf(fs)
	for i := range s {
		if s[i].Kind == model.KindFloat {
			s[i].Type = "double"
		}
	}
	return s
}

// BenchmarkPrune compares the column-at-a-time evaluator with the
// straightforward per-file one over the same snapshot. files-evals/s counts
// file × conjunct evaluations per second.
func BenchmarkPrune(b *testing.B) {
	pred, err := scanunit.ParseFilter(threeConjuncts)
	if err != nil {
		b.Fatal(err)
	}
	pr, err := scanunit.NewPruner(pred, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		fs := synthFileSet(n)
		b.Run(fmt.Sprintf("columnar/files=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := pr.Eval(fs); err != nil {
					b.Fatal(err)
				}
			}
			report(b, n)
		})
		b.Run(fmt.Sprintf("perfile/files=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for i := 0; i < n; i++ {
					if _, err := pr.EvalFile(fs, i); err != nil {
						b.Fatal(err)
					}
				}
			}
			report(b, n)
		})
	}
}

func report(b *testing.B, n int) {
	perOp := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(n)*3/perOp, "file-evals/s")
	b.ReportMetric(perOp*1e9/float64(n), "ns/file")
}

// TestPruneBenchmarkAgrees keeps the two evaluators of the benchmark in
// agreement, so the speed comparison compares equal work.
func TestPruneBenchmarkAgrees(t *testing.T) {
	fs := synthFileSet(5000)
	pred, _ := scanunit.ParseFilter(threeConjuncts)
	pr, _ := scanunit.NewPruner(pred, scanunit.SchemaOf(fs))
	vs, err := pr.Eval(fs)
	if err != nil {
		t.Fatal(err)
	}
	kept := 0
	for i, v := range vs {
		one, _ := pr.EvalFile(fs, i)
		if one != v {
			t.Fatalf("file %d: %v vs %v", i, v, one)
		}
		if v.Keep() {
			kept++
		}
	}
	if kept == 0 || kept == len(vs) {
		t.Fatalf("benchmark predicate keeps %d of %d files: not a useful benchmark", kept, len(vs))
	}
}

// cpuSeconds is the user+system CPU time this process has used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

package bench_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/lineage"
)

// tpchPlans loads the Isthmus TPC-H plans of the corpus (every query but
// q15, which the corpus does not have).
func tpchPlans(b *testing.B) [][]byte {
	b.Helper()
	files, err := filepath.Glob(filepath.Join(fixtures.Dir(b, "substrait"), "isthmus", "integration-tpch-q*.json"))
	if err != nil || len(files) < 21 {
		b.Fatalf("TPC-H plans missing: %d found, %v", len(files), err)
	}
	out := make([][]byte, len(files))
	for i, f := range files {
		if out[i], err = os.ReadFile(f); err != nil {
			b.Fatal(err)
		}
	}
	return out
}

// BenchmarkLineageTPCH measures decode+analyze and analyze alone over the
// TPC-H plans; ns/plan is the figure to watch.
func BenchmarkLineageTPCH(b *testing.B) {
	plans := tpchPlans(b)
	b.Run("decode+analyze", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, data := range plans {
				p, err := lineage.Decode(data)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := lineage.Analyze(p); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(plans)), "ns/plan")
	})
	decoded := make([]*lineage.Plan, len(plans))
	for i, data := range plans {
		p, err := lineage.Decode(data)
		if err != nil {
			b.Fatal(err)
		}
		decoded[i] = p
	}
	b.Run("analyze", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, p := range decoded {
				if _, err := lineage.Analyze(p); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(decoded)), "ns/plan")
	})
	// describe: the readable rendering plan bundles carry for diff (compare
	// with analyze, measured in the same run).
	b.Run("describe", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, p := range decoded {
				if len(lineage.Describe(p)) == 0 {
					b.Fatal("nothing described")
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(decoded)), "ns/plan")
	})
}

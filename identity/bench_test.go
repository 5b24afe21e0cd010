package identity

import (
	"testing"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
)

// BenchmarkFingerprintTPCH fingerprints every TPC-H plan of the corpus per
// iteration and reports plans per second on one goroutine, for the wire
// walk FingerprintPlan uses and the reference reflection walk.
func BenchmarkFingerprintTPCH(b *testing.B) {
	files := tpchFiles(b)
	plans := make([]*substraitpb.Plan, len(files))
	res := make([]*AnchorTable, len(files))
	for i, f := range files {
		plans[i], res[i] = loadPlan(b, f)
	}
	for _, impl := range []struct {
		name string
		fn   func(*substraitpb.Plan, Resolver) (Digest, error)
	}{{"wire", FingerprintPlan}, {"reflection", fingerprintReflect}} {
		b.Run(impl.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				for i, p := range plans {
					if _, err := impl.fn(p, res[i]); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N*len(plans))/b.Elapsed().Seconds(), "plans/s")
			// Wall time is meaningless on a loaded shared machine; CPU time
			// (including GC) is the load-independent figure.
			if cpu := processCPU() - cpu0; cpu > 0 {
				b.ReportMetric(float64(b.N*len(plans))/cpu.Seconds(), "plans/cpu-s")
			}
		})
	}
}

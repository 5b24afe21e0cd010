package identity

import (
	"testing"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
)

// BenchmarkFingerprintTPCH fingerprints every TPC-H plan of the corpus per
// iteration and reports plans per second on one goroutine.
func BenchmarkFingerprintTPCH(b *testing.B) {
	files := tpchFiles(b)
	plans := make([]*substraitpb.Plan, len(files))
	res := make([]*AnchorTable, len(files))
	for i, f := range files {
		plans[i], res[i] = loadPlan(b, f)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i, p := range plans {
			if _, err := FingerprintPlan(p, res[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(plans))/b.Elapsed().Seconds(), "plans/s")
}

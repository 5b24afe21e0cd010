package deltawrite_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/deltaplan/deltaplan/deltawrite"
)

// BenchmarkAppend: one Append (parquet encode, stats, data file, commit)
// of a record of allTypes (14 columns) per op, local disk, no checkpoints.
func BenchmarkAppend(b *testing.B) {
	for _, rows := range []int{10, 1_000, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			ctx := context.Background()
			tbl, err := deltawrite.Create(ctx, deltawrite.Local(b.TempDir()), allTypes(), deltawrite.WithCheckpointInterval(1<<30))
			if err != nil {
				b.Fatal(err)
			}
			rec := makeRecord(memory.DefaultAllocator, 1, rows)
			defer rec.Release()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := tbl.Append(ctx, rec); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

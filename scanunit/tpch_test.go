package scanunit

import (
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/deltaplan/deltaplan/model"
)

func day(s string) int64 {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t.Unix() / 86400
}

// lineitemFiles generates a lineitem-like snapshot whose bounds the test
// knows: file k covers ship dates [start+10k, start+10k+9] (an append-only
// table ordered by date), discounts [0.00, 0.10] except every 4th file
// [0.08, 0.10], and quantities [1, 50] except every 5th file [30, 50].
func lineitemFiles(n int) *model.FileSet {
	start := day("1992-01-01")
	fs := &model.FileSet{}
	ship := model.ColumnStats{Path: model.Col("l_shipdate"), Min: model.NewVector(model.KindDate, 0, n), Max: model.NewVector(model.KindDate, 0, n)}
	disc := model.ColumnStats{Path: model.Col("l_discount"), Min: model.NewVector(model.KindDecimal, 2, n), Max: model.NewVector(model.KindDecimal, 2, n)}
	qty := model.ColumnStats{Path: model.Col("l_quantity"), Min: model.NewVector(model.KindDecimal, 2, n), Max: model.NewVector(model.KindDecimal, 2, n)}
	for k := 0; k < n; k++ {
		fs.Paths = append(fs.Paths, fmt.Sprintf("part-%05d.parquet", k))
		fs.Sizes = append(fs.Sizes, 1000)
		fs.ModTimes = append(fs.ModTimes, 0)
		fs.NumRecords = append(fs.NumRecords, 100)
		fs.DVCardinality = append(fs.DVCardinality, -1)
		fs.TightBounds = append(fs.TightBounds, 1)
		d := start + int64(10*k)
		ship.Min.Append(model.DateValue(d))
		ship.Max.Append(model.DateValue(d + 9))
		lo := int64(0)
		if k%4 == 3 {
			lo = 8
		}
		disc.Min.Append(model.DecimalValue(big.NewInt(lo), 2))
		disc.Max.Append(model.DecimalValue(big.NewInt(10), 2))
		qlo := int64(100)
		if k%5 == 4 {
			qlo = 3000
		}
		qty.Min.Append(model.DecimalValue(big.NewInt(qlo), 2))
		qty.Max.Append(model.DecimalValue(big.NewInt(5000), 2))
		ship.NullCount = append(ship.NullCount, 0)
		disc.NullCount = append(disc.NullCount, 0)
		qty.NullCount = append(qty.NullCount, 0)
	}
	fs.Stats = []model.ColumnStats{disc, qty, ship}
	return fs
}

func TestTPCHFilters(t *testing.T) {
	const n = 300 // 3000 days: 1992-01-01 .. 2000-03-18
	fs := lineitemFiles(n)
	start := day("1992-01-01")
	overlaps := func(k int, from, to string) bool { // [from, to)
		lo, hi := start+int64(10*k), start+int64(10*k)+9
		return hi >= day(from) && lo < day(to)
	}
	tests := []struct {
		name, filter string
		want         func(k int) bool
	}{
		{"q6", "l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1995-01-01' AND l_discount BETWEEN 0.06 - 0.01 AND 0.06 + 0.01 AND l_quantity < 24",
			nil},
		{"q6 (folded)", "l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1995-01-01' AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24",
			func(k int) bool { return overlaps(k, "1994-01-01", "1995-01-01") && k%4 != 3 && k%5 != 4 }},
		{"q14", "l_shipdate >= DATE '1995-09-01' AND l_shipdate < DATE '1995-10-01'",
			func(k int) bool { return overlaps(k, "1995-09-01", "1995-10-01") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pred, err := ParseFilter(tc.filter)
			if tc.want == nil {
				// Arithmetic is not in the filter grammar; lineage folds it.
				if err == nil {
					t.Fatalf("ParseFilter accepted arithmetic: %v", pred)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			pr, err := NewPruner(pred, SchemaOf(fs))
			if err != nil {
				t.Fatal(err)
			}
			keep, err := pr.Keep(fs)
			if err != nil {
				t.Fatal(err)
			}
			var want []int
			for k := 0; k < n; k++ {
				if tc.want(k) {
					want = append(want, k)
				}
			}
			if fmt.Sprint(keep) != fmt.Sprint(want) {
				t.Fatalf("kept %v\nwant %v", keep, want)
			}
			if len(want) == 0 || len(want) == n {
				t.Fatalf("test keeps %d of %d files: not discriminating", len(want), n)
			}
		})
	}
}

package scanunit_test

import (
	"fmt"

	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/scanunit"
)

func ExamplePruner_Explain() {
	// Two files with qty statistics; the second has none.
	fs := &model.FileSet{
		Paths: []string{"a.parquet", "b.parquet"}, Sizes: []int64{1, 1}, ModTimes: []int64{0, 0},
		NumRecords: []int64{10, 10}, DVCardinality: []int64{-1, -1}, TightBounds: []int8{1, -1},
	}
	qty := model.ColumnStats{Path: model.Col("qty"), NullCount: []int64{0, -1},
		Min: model.NewVector(model.KindInt, 0, 2), Max: model.NewVector(model.KindInt, 0, 2)}
	qty.Min.Append(model.IntValue(1))
	qty.Max.Append(model.IntValue(9))
	qty.Min.Append(model.Null)
	qty.Max.Append(model.Null)
	fs.Stats = []model.ColumnStats{qty}

	pred, _ := scanunit.ParseFilter("QTY > 20")
	schema := scanunit.Schema{{Path: model.Col("qty"), Kind: model.KindInt, Type: "long"}}
	pr, err := scanunit.NewPruner(pred, schema) // QTY resolves to qty, as Delta resolves names
	if err != nil {
		panic(err)
	}
	xs, err := pr.Explain(fs)
	if err != nil {
		panic(err)
	}
	for i, x := range xs {
		stats, _, _ := scanunit.Evidence(fs, x.Columns, i)
		ev := stats["qty"]
		fmt.Printf("%s kept=%v reason=%q conjunct=%q", x.Path, x.Kept, x.Reason, x.Conjunct)
		if ev.Max != nil {
			fmt.Printf(" max=%s", *ev.Max)
		}
		fmt.Println()
	}
	// Output:
	// a.parquet kept=false reason="cannot match" conjunct="QTY > 20" max=9
	// b.parquet kept=true reason="no statistics" conjunct=""
}

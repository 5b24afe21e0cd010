package scan_test

import (
	"context"
	"fmt"

	"github.com/deltaplan/deltaplan/scan"
	"github.com/deltaplan/deltaplan/scanunit"
	"github.com/deltaplan/deltaplan/storage"
)

// Read the example table's EU orders over 100 as Arrow record batches.
func ExampleFiles() {
	ctx := context.Background()
	t, err := storage.OpenTable(ctx, "../testdata/example/sales")
	if err != nil {
		panic(err)
	}
	snap, err := t.Snapshot(ctx)
	if err != nil {
		panic(err)
	}
	filter, err := scanunit.ParseFilter("region = 'EU' AND amount > 100")
	if err != nil {
		panic(err)
	}
	schema, batches, err := scan.Files(ctx, scan.Table{Storage: t.Storage(), Snapshot: snap}, nil,
		scan.Options{Columns: []string{"order_id", "amount"}, Filter: filter})
	if err != nil {
		panic(err)
	}
	fmt.Println(schema.Field(0).Name, schema.Field(1).Type)
	var rows int64
	for rec, err := range batches {
		if err != nil {
			panic(err)
		}
		rows += rec.NumRows()
		rec.Release()
	}
	fmt.Println(rows, "rows")
	// Output:
	// order_id decimal(12, 2)
	// 96 rows
}

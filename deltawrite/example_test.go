package deltawrite_test

import (
	"context"
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/deltaplan/deltaplan/deltawrite"
	"github.com/deltaplan/deltaplan/storage"
)

// Create a table, append a batch, and read it back with the delta reader.
func Example() {
	dir, _ := os.MkdirTemp("", "deltawrite-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "region", Type: arrow.BinaryTypes.String},
		{Name: "amount", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	tbl, err := deltawrite.OpenOrCreate(ctx, deltawrite.Local(dir), schema) // creates the table
	if err != nil {
		fmt.Println(err)
		return
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"EU", "NA", "EU"}, nil)
	b.Field(1).(*array.Int64Builder).AppendValues([]int64{120, 80, 0}, []bool{true, true, false})
	rec := b.NewRecordBatch()
	defer rec.Release()
	v, err := tbl.Append(ctx, rec)
	if err != nil {
		fmt.Println(err)
		return
	}
	dt, _ := storage.OpenTable(ctx, dir)
	snap, err := dt.Snapshot(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("committed version", v)
	fmt.Println("files", snap.Files.Len(), "records", *snap.NumRecords)
	for _, c := range snap.Files.Stats {
		fmt.Printf("%s: min %v max %v nulls %d\n", c.Path, c.Min.Get(0), c.Max.Get(0), c.NullCount[0])
	}
	// Output:
	// committed version 1
	// files 1 records 3
	// amount: min 80 max 120 nulls 1
	// region: min 'EU' max 'NA' nulls 0
}

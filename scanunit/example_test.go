package scanunit_test

import (
	"fmt"

	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/scanunit"
)

func Example() {
	// Three files partitioned by region, with min/max statistics for qty.
	fs := &model.FileSet{
		Paths:         []string{"region=eu/1.parquet", "region=eu/2.parquet", "region=us/3.parquet"},
		Sizes:         []int64{100, 200, 300},
		ModTimes:      []int64{0, 0, 0},
		NumRecords:    []int64{10, 20, 30},
		DVCardinality: []int64{-1, -1, -1},
		TightBounds:   []int8{1, 1, 1},
	}
	region := model.PartitionColumn{Name: "region", Values: model.NewVector(model.KindString, 0, 3)}
	qty := model.ColumnStats{Path: model.Col("qty"), NullCount: []int64{0, 0, 0},
		Min: model.NewVector(model.KindInt, 0, 3), Max: model.NewVector(model.KindInt, 0, 3)}
	for i, r := range []string{"eu", "eu", "us"} {
		region.Raw, region.RawValid = append(region.Raw, r), append(region.RawValid, true)
		region.Values.Append(model.StringValue(r))
		qty.Min.Append(model.IntValue(int64(10 * i)))
		qty.Max.Append(model.IntValue(int64(10*i + 9)))
	}
	fs.Partitions = []model.PartitionColumn{region}
	fs.Stats = []model.ColumnStats{qty}

	pred, err := scanunit.ParseFilter("region = 'eu' AND qty BETWEEN 5 AND 12")
	if err != nil {
		panic(err)
	}
	pruner, err := scanunit.NewPruner(pred, scanunit.SchemaOf(fs))
	if err != nil {
		panic(err)
	}
	verdicts, err := pruner.Eval(fs)
	if err != nil {
		panic(err)
	}
	fmt.Println(pred)
	for i, v := range verdicts {
		fmt.Printf("%s: %v\n", fs.Paths[i], v)
	}
	units, err := scanunit.Plan(fs, verdicts, scanunit.Options{Table: "sales", Version: 7, Filters: []model.Pred{pred}})
	if err != nil {
		panic(err)
	}
	for _, u := range units {
		fmt.Println(u.Files, u.Bytes, *u.Records)
	}
	// Output:
	// region = 'eu' AND qty >= 5 AND qty <= 12
	// region=eu/1.parquet: might match
	// region=eu/2.parquet: might match
	// region=us/3.parquet: cannot match
	// [region=eu/1.parquet region=eu/2.parquet] 300 30
}

func ExampleParseFilter() {
	p, err := scanunit.ParseFilter(`d NOT BETWEEN DATE '2020-01-01' AND DATE '2020-12-31' OR s != 'x'`)
	fmt.Println(p, err)
	_, err = scanunit.ParseFilter("a = 'unterminated")
	fmt.Println(err)
	// Output:
	// NOT (d >= DATE '2020-01-01' AND d <= DATE '2020-12-31') OR s <> 'x' <nil>
	// filter: at offset 4: unterminated string
}

package scanunit_test

import (
	"fmt"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/scanunit"
)

func ExampleSubstrait() {
	schema, _ := delta.ParseSchema(`{"type":"struct","fields":[
		{"name":"qty","type":"integer","nullable":true,"metadata":{}},
		{"name":"region","type":"string","nullable":true,"metadata":{}}]}`)
	fs := &model.FileSet{
		Paths: []string{"region=eu/1.parquet"}, Sizes: []int64{100}, ModTimes: []int64{0},
		NumRecords: []int64{10}, DVCardinality: []int64{-1}, TightBounds: []int8{1},
	}
	region := model.PartitionColumn{Name: "region", Raw: []string{"eu"}, RawValid: []bool{true},
		Values: model.NewVector(model.KindString, 0, 1)}
	region.Values.Append(model.StringValue("eu"))
	fs.Partitions = []model.PartitionColumn{region}

	units, _ := scanunit.Plan(fs, nil, scanunit.Options{Table: "sales", Columns: []string{"qty", "region"}})
	filter, _ := scanunit.ParseFilter("qty > 5 AND region = 'eu'")
	sp, err := scanunit.Substrait(units[0], scanunit.Source{Root: "s3://bucket/sales", Schema: schema, Files: fs}, []model.Pred{filter})
	if err != nil {
		fmt.Println(err)
		return
	}
	read := sp.Plan.GetRelations()[0].GetRoot().GetInput().GetProject().GetInput().GetRead()
	fmt.Println("file:", read.GetLocalFiles().GetItems()[0].GetUriFile())
	fmt.Println("pushed:", sp.Pushed)
	fmt.Println("left out:", sp.Left)
	fmt.Println("outputs:", sp.Plan.GetRelations()[0].GetRoot().GetNames())
	// Output:
	// file: s3://bucket/sales/region=eu/1.parquet
	// pushed: [qty > 5]
	// left out: [region = 'eu']
	// outputs: [qty region]
}

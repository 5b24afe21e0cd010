package model_test

import (
	"fmt"

	"github.com/deltaplan/deltaplan/model"
)

func ExamplePred() {
	p := model.And{Args: []model.Pred{
		model.Cmp{Col: model.Col("l_shipdate"), Op: model.OpGe, Val: model.DateValue(8766)},
		model.In{Col: model.Col("l_shipmode"), Vals: []model.Value{model.StringValue("AIR"), model.StringValue("MAIL")}},
	}}
	fmt.Println(p)
	for _, c := range model.Columns(p) {
		fmt.Println(c)
	}
	// Output:
	// l_shipdate >= DATE '1994-01-01' AND l_shipmode IN ('AIR', 'MAIL')
	// l_shipdate
	// l_shipmode
}

func ExampleCanonicalExtension() {
	fmt.Println(model.CanonicalExtension("https://github.com/substrait-io/substrait/blob/main/extensions/functions_arithmetic.yaml"))
	fmt.Println(model.CanonicalExtension("extension:io.substrait:functions_arithmetic"))
	fmt.Println(model.CanonicalExtension("https://example.com/my_udfs.yaml"))
	// Output:
	// extension:io.substrait:functions_arithmetic
	// extension:io.substrait:functions_arithmetic
	// https://example.com/my_udfs.yaml
}

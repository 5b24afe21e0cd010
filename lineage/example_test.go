package lineage_test

import (
	"fmt"

	"github.com/deltaplan/deltaplan/lineage"
)

// A plan in protobuf JSON that declares its functions the pre-v0.75 way,
// by URI: SELECT id FROM sales WHERE region = 'EU' AND amount > 10.
const salesPlan = `{
 "extensionUris": [{"extensionUriAnchor": 1, "uri": "/functions_comparison.yaml"},
                   {"extensionUriAnchor": 2, "uri": "/functions_boolean.yaml"}],
 "extensions": [
  {"extensionFunction": {"extensionUriReference": 1, "functionAnchor": 1, "name": "equal:any_any"}},
  {"extensionFunction": {"extensionUriReference": 1, "functionAnchor": 2, "name": "gt:any_any"}},
  {"extensionFunction": {"extensionUriReference": 2, "functionAnchor": 3, "name": "and:bool"}}],
 "relations": [{"root": {"names": ["id"], "input": {"project": {
  "common": {"emit": {"outputMapping": [4]}},
  "expressions": [{"selection": {"directReference": {"structField": {}}, "rootReference": {}}}],
  "input": {"filter": {
   "condition": {"scalarFunction": {"functionReference": 3, "arguments": [
    {"value": {"scalarFunction": {"functionReference": 1, "arguments": [
     {"value": {"selection": {"directReference": {"structField": {"field": 2}}, "rootReference": {}}}},
     {"value": {"literal": {"string": "EU"}}}]}}},
    {"value": {"scalarFunction": {"functionReference": 2, "arguments": [
     {"value": {"selection": {"directReference": {"structField": {"field": 1}}, "rootReference": {}}}},
     {"value": {"literal": {"i32": 10}}}]}}}]}},
   "input": {"read": {"namedTable": {"names": ["shop", "sales"]},
    "baseSchema": {"names": ["id", "amount", "region", "note"]}}}}}}}}}]
}`

func Example() {
	plan, err := lineage.Decode([]byte(salesPlan))
	if err != nil {
		fmt.Println(err)
		return
	}
	l, err := lineage.Analyze(plan)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range l.Reads {
		fmt.Println(r.Table, r.Kind, r.Path)
		fmt.Println("columns:", r.Columns)
		for _, p := range r.Pushed {
			fmt.Printf("pushed: %s (%T)\n", p, p)
		}
	}
	for _, f := range l.Functions {
		fmt.Println(f.URN, f.Name, f.Count)
	}
	// Output:
	// shop.sales named_table root.project.filter.read
	// columns: [amount id region]
	// pushed: amount > 10 (model.Cmp)
	// pushed: region = 'EU' (model.Cmp)
	// extension:io.substrait:functions_boolean and:bool 1
	// extension:io.substrait:functions_comparison equal:any_any 1
	// extension:io.substrait:functions_comparison gt:any_any 1
}

// The extension table resolves function anchors the same way for every
// consumer of a plan (the identity package hashes these, not the anchors).
func ExampleExtensions_Function() {
	plan, err := lineage.Decode([]byte(salesPlan))
	if err != nil {
		fmt.Println(err)
		return
	}
	e, ok := plan.Extensions.Function(2)
	fmt.Println(ok, e.URN, e.Declared, e.Name, e.BaseName())
	// Output:
	// true extension:io.substrait:functions_comparison /functions_comparison.yaml gt:any_any gt
}

func ExampleDescribe() {
	plan, err := lineage.Decode([]byte(salesPlan))
	if err != nil {
		fmt.Println(err)
		return
	}
	d := lineage.Describe(plan)
	fmt.Println(d["root.project.filter"]["filter"])
	fmt.Println(d["root.project"]["emit"])
	fmt.Println(d["root"]["output_columns"])
	// Output:
	// [region = 'EU' amount > 10]
	// [id]
	// [id]
}

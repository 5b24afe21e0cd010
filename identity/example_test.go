package identity_test

import (
	"fmt"

	"github.com/deltaplan/deltaplan/identity"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
)

func ExampleEncoder() {
	e := identity.New("example")
	e.Struct(2)
	e.Field("name")
	e.String("orders")
	e.Field("columns")
	e.StringList([]string{"id", "amount"})
	d, err := e.Sum()
	fmt.Println(d, err)
	// Output:
	// sha256:17fc51916f6450181466687f65bc505ba32a959c07e062964a4beaa60f6a07d4 <nil>
}

func ExampleDiffComponents() {
	a := identity.Components{DeltaPins: []identity.Pin{{Table: "orders", TableID: "0b1c", Version: 4}}, RewriteTags: []string{"pushdown"}}
	b := identity.Components{DeltaPins: []identity.Pin{{Table: "orders", TableID: "0b1c", Version: 5}}}
	for _, c := range identity.DiffComponents(a, b) {
		fmt.Println(c)
	}
	// Output:
	// delta_pin orders: 4 -> 5
	// rewrite_tag pushdown: pushdown -> (absent)
}

func ExampleFingerprintPlan() {
	read := func(table string) *substraitpb.Plan {
		return &substraitpb.Plan{
			Version: &substraitpb.Version{Producer: "example"},
			Relations: []*substraitpb.PlanRel{{RelType: &substraitpb.PlanRel_Root{Root: &substraitpb.RelRoot{
				Names: []string{"id"},
				Input: &substraitpb.Rel{RelType: &substraitpb.Rel_Read{Read: &substraitpb.ReadRel{
					ReadType: &substraitpb.ReadRel_NamedTable_{NamedTable: &substraitpb.ReadRel_NamedTable{Names: []string{table}}},
				}}},
			}}}},
		}
	}
	a, _ := identity.FingerprintPlan(read("orders"), nil)
	other := read("orders")
	other.Version.Producer = "another producer"
	b, _ := identity.FingerprintPlan(other, nil)
	c, _ := identity.FingerprintPlan(read("customers"), nil)
	fmt.Println(a == b, a == c)

	changes, _ := identity.DiffPlans(read("orders"), read("customers"), nil, nil)
	fmt.Println(changes[0].Component, changes[0].Path)
	// Output:
	// true false
	// plan root.read
}

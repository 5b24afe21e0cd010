package identity

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"google.golang.org/protobuf/proto"
)

// TestDiffRelationsMatchesDiffPlans: explaining a difference from the stored
// relation lists gives exactly what DiffPlans gives from the plans.
func TestDiffRelationsMatchesDiffPlans(t *testing.T) {
	files := tpchFiles(t)[:6]
	for i, fa := range files {
		pa, ra := loadPlan(t, fa)
		for _, fb := range files[i:] {
			pb, rb := loadPlan(t, fb)
			t.Run(fa+" vs "+fb, func(t *testing.T) {
				checkRelationDiff(t, pa, pb, ra, rb)
			})
		}
	}
	// A changed literal deep in the tree is named at its relation only.
	p, r := loadPlan(t, "isthmus/integration-tpch-q06.json")
	q := proto.Clone(p).(*substraitpb.Plan)
	q.GetRelations()[0].GetRoot().GetInput().GetAggregate().GetInput().GetProject().GetInput().GetFilter().GetInput().GetRead().GetNamedTable().Names = []string{"OTHER"}
	got := checkRelationDiff(t, p, q, r, r)
	if len(got) != 1 || got[0].Path != "root.aggregate.project.filter.read" {
		t.Fatalf("renamed table: changes %v, want one at the read", got)
	}
}

func checkRelationDiff(t *testing.T, pa, pb *substraitpb.Plan, ra, rb Resolver) []Change {
	t.Helper()
	want, err := DiffPlans(pa, pb, ra, rb)
	if err != nil {
		t.Fatal(err)
	}
	SortChanges(want)
	la, err := PlanRelations(pa, ra)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := PlanRelations(pb, rb)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DiffRelations(la, lb)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("DiffRelations = %v\nDiffPlans     = %v", got, want)
	}
	return got
}

func TestRelationTreeRejectsNonTrees(t *testing.T) {
	p, r := loadPlan(t, "isthmus/integration-tpch-q06.json")
	good, err := PlanRelations(p, r)
	if err != nil {
		t.Fatal(err)
	}
	if good[0].Path != "plan" && good[len(good)-1].Path != "plan" {
		t.Logf("relations: %v", good)
	}
	mutate := func(f func([]Relation) []Relation) []Relation {
		c := append([]Relation(nil), good...)
		return f(c)
	}
	tests := []struct {
		name string
		rs   []Relation
	}{
		{"empty list has no plan node", nil},
		{"repeated path", mutate(func(c []Relation) []Relation { return append(c, c[0]) })},
		{"unknown parent", mutate(func(c []Relation) []Relation {
			for i := range c {
				if c[i].Kind == "read" {
					c[i].Parent = "nowhere"
				}
			}
			return c
		})},
		{"second parentless node", mutate(func(c []Relation) []Relation {
			for i := range c {
				if c[i].Kind == "read" {
					c[i].Parent = ""
				}
			}
			return c
		})},
		{"cycle below nothing", mutate(func(c []Relation) []Relation {
			for i := range c {
				if c[i].Kind == "read" {
					c[i].Parent = c[i].Path
				}
			}
			return c
		})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DiffRelations(good, tc.rs)
			if !errors.Is(err, ErrInvalidComponents) {
				t.Fatalf("err = %v, want ErrInvalidComponents", err)
			}
		})
	}
	if same, err := DiffRelations(good, good); err != nil || len(same) != 0 || !reflect.DeepEqual(good, mustRelations(t, p, r)) {
		t.Fatalf("same plan: %v %v", same, err)
	}
}

func mustRelations(t *testing.T, p *substraitpb.Plan, r Resolver) []Relation {
	t.Helper()
	rs, err := PlanRelations(p, r)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

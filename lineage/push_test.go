package lineage

import (
	"fmt"
	"strings"
	"testing"
)

// pushPlan builds: FILTER(l.a = 1 AND r.x = 2) over JOIN(type, ON l.b = r.y
// AND l.c = 3 AND r.z = 4) of reads l(a,b,c) and r(x,y,z).
func pushPlan(joinType string) string {
	ref := func(i int) string {
		return fmt.Sprintf(`{"selection":{"directReference":{"structField":{"field":%d}},"rootReference":{}}}`, i)
	}
	lit := func(v int) string { return fmt.Sprintf(`{"literal":{"i64":"%d"}}`, v) }
	eq := func(a, b string) string {
		return `{"scalarFunction":{"functionReference":1,"arguments":[{"value":` + a + `},{"value":` + b + `}]}}`
	}
	and := func(xs ...string) string {
		args := make([]string, len(xs))
		for i, x := range xs {
			args[i] = `{"value":` + x + `}`
		}
		return `{"scalarFunction":{"functionReference":2,"arguments":[` + strings.Join(args, ",") + `]}}`
	}
	read := func(t string, names ...string) string {
		return `{"read":{"namedTable":{"names":["` + t + `"]},"baseSchema":{"names":["` + strings.Join(names, `","`) + `"]}}}`
	}
	// Output columns after the join: semi/anti keep one side only.
	la, rx := 0, 3
	switch joinType {
	case "JOIN_TYPE_RIGHT_SEMI", "JOIN_TYPE_RIGHT_ANTI":
		la, rx = -1, 0
	case "JOIN_TYPE_LEFT_SEMI", "JOIN_TYPE_LEFT_ANTI":
		rx = -1
	}
	var conds []string
	if la >= 0 {
		conds = append(conds, eq(ref(la), lit(1)))
	}
	if rx >= 0 {
		conds = append(conds, eq(ref(rx), lit(2)))
	}
	on := and(eq(ref(1), ref(4)), eq(ref(2), lit(3)), eq(ref(5), lit(4)))
	join := `{"join":{"left":` + read("l", "a", "b", "c") + `,"right":` + read("r", "x", "y", "z") +
		`,"expression":` + on + `,"type":"` + joinType + `"}}`
	return `{"extensionUrns":[{"extensionUrnAnchor":1,"urn":"extension:io.substrait:functions_comparison"},
		{"extensionUrnAnchor":2,"urn":"extension:io.substrait:functions_boolean"}],
	"extensions":[{"extensionFunction":{"extensionUrnReference":1,"functionAnchor":1,"name":"equal:any_any"}},
		{"extensionFunction":{"extensionUrnReference":2,"functionAnchor":2,"name":"and:bool"}}],
	"relations":[{"root":{"input":{"filter":{"input":` + join + `,"condition":` + and(conds...) + `}}}}]}`
}

// TestPushdown: a conjunct moves to a scan only where that is sound: a
// filter above a join reaches a side whose rows are not null-extended, an
// ON conjunct reaches a side whose unmatched rows are dropped.
func TestPushdown(t *testing.T) {
	tests := []struct {
		join        string
		left, right string // pushed filters, joined by "; "
		why         string
	}{
		{"JOIN_TYPE_INNER", "a = 1; c = 3", "x = 2; z = 4", "inner: both sides, above and ON"},
		{"JOIN_TYPE_LEFT", "a = 1", "z = 4", "left: filter above reaches the preserved left; ON reaches the null-supplying right"},
		{"JOIN_TYPE_RIGHT", "c = 3", "x = 2", "right: mirror image of left"},
		{"JOIN_TYPE_OUTER", "", "", "full: no side may drop rows"},
		{"JOIN_TYPE_LEFT_SEMI", "a = 1; c = 3", "z = 4", "left semi: unmatched left rows are dropped anyway"},
		{"JOIN_TYPE_LEFT_ANTI", "a = 1", "z = 4", "left anti: ON conjuncts over the left decide which rows survive"},
		{"JOIN_TYPE_RIGHT_SEMI", "c = 3", "x = 2; z = 4", "right semi: mirror image of left semi"},
		{"JOIN_TYPE_RIGHT_ANTI", "c = 3", "x = 2", "right anti: mirror image of left anti"},
	}
	for _, tc := range tests {
		t.Run(tc.join, func(t *testing.T) {
			p, err := Decode([]byte(pushPlan(tc.join)))
			if err != nil {
				t.Fatal(err)
			}
			l, err := Analyze(p)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(l.Reads[0].Filters, "; "); got != tc.left {
				t.Errorf("left pushed %q, want %q (%s)", got, tc.left, tc.why)
			}
			if got := strings.Join(l.Reads[1].Filters, "; "); got != tc.right {
				t.Errorf("right pushed %q, want %q (%s)", got, tc.right, tc.why)
			}
			if len(l.Joins) != 1 || strings.Join(l.Joins[0].LeftKeys, ",") != "l.b" || strings.Join(l.Joins[0].RightKeys, ",") != "r.y" {
				t.Errorf("join keys %+v, want l.b = r.y", l.Joins)
			}
		})
	}
}

// TestReadFilterOutsideMask: a column used only by the read's own filter is
// needed even when the projection mask leaves it out (DuckDB does this).
func TestReadFilterOutsideMask(t *testing.T) {
	plan := `{"extensionUrns":[{"extensionUrnAnchor":1,"urn":"extension:io.substrait:functions_comparison"}],
	"extensions":[{"extensionFunction":{"extensionUrnReference":1,"functionAnchor":1,"name":"gt:any_any"}}],
	"relations":[{"root":{"input":{"read":{"namedTable":{"names":["t"]},"baseSchema":{"names":["a","b","c"]},
	"projection":{"select":{"structItems":[{}]}},
	"filter":{"scalarFunction":{"functionReference":1,"arguments":[
		{"value":{"selection":{"directReference":{"structField":{"field":2}},"rootReference":{}}}},
		{"value":{"literal":{"fp64":1.5}}}]}}}}}}]}`
	p, err := Decode([]byte(plan))
	if err != nil {
		t.Fatal(err)
	}
	l, err := Analyze(p)
	if err != nil {
		t.Fatal(err)
	}
	r := l.Reads[0]
	if strings.Join(r.Columns, ",") != "a,c" || strings.Join(r.Filters, ";") != "c > 1.5" {
		t.Fatalf("columns %v filters %v; want [a c] and c > 1.5", r.Columns, r.Filters)
	}
}

// TestPushThroughRelations: a filter above a relation reaches the scan
// below only when the relation keeps rows and columns unchanged per row.
func TestPushThroughRelations(t *testing.T) {
	const read = `{"read":{"namedTable":{"names":["t"]},"baseSchema":{"names":["a","b"]}}}`
	const a = `{"selection":{"directReference":{"structField":{}},"rootReference":{}}}`
	tests := []struct {
		name, rel string
		pushed    string
	}{
		{"should push through sort", `{"sort":{"input":` + read + `,"sorts":[{"expr":` + a + `,"direction":"SORT_DIRECTION_ASC_NULLS_LAST"}]}}`, "a = 1"},
		{"should push through a plain project", `{"project":{"input":` + read + `,"expressions":[` + a + `],"common":{"emit":{"outputMapping":[2,1]}}}}`, "a = 1"},
		{"should push through exchange", `{"exchange":{"input":` + read + `,"roundRobin":{}}}`, "a = 1"},
		{"should push onto a single grouping set's key", `{"aggregate":{"input":` + read + `,"groupings":[{"groupingExpressions":[` + a + `]}]}}`, "a = 1"},
		{"should not push below a limit", `{"fetch":{"input":` + read + `,"count":"5"}}`, ""},
		{"should not push onto a key of several grouping sets", `{"aggregate":{"input":` + read + `,"groupings":[{"groupingExpressions":[` + a + `]},{}]}}`, ""},
		{"should not push below a window", `{"window":{"input":` + read + `,"partitionExpressions":[` + a + `]}}`, ""},
		{"should not push into a set operation", `{"set":{"inputs":[` + read + `,` + read + `],"op":"SET_OP_UNION_ALL"}}`, ""},
		{"should not push into an extension", `{"extensionSingle":{"input":` + read + `}}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan := `{"extensionUrns":[{"extensionUrnAnchor":1,"urn":"extension:io.substrait:functions_comparison"}],
			"extensions":[{"extensionFunction":{"extensionUrnReference":1,"functionAnchor":1,"name":"equal:any_any"}}],
			"relations":[{"root":{"input":{"filter":{"input":` + tc.rel + `,"condition":{"scalarFunction":{"functionReference":1,
			"arguments":[{"value":` + a + `},{"value":{"literal":{"i32":1}}}]}}}}}}]}`
			p, err := Decode([]byte(plan))
			if err != nil {
				t.Fatal(err)
			}
			l, err := Analyze(p)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(l.Reads[0].Filters, "; "); got != tc.pushed {
				t.Fatalf("pushed %q, want %q", got, tc.pushed)
			}
			if len(l.Reads[0].Columns) == 0 || l.Reads[0].Columns[0] != "a" {
				t.Fatalf("columns %v lack a", l.Reads[0].Columns)
			}
		})
	}
}

// TestPushFromOr: an OR over two scans pushes, to each scan every branch
// constrains, the OR of the branches' constraints on it.
func TestPushFromOr(t *testing.T) {
	ref := func(i int) string {
		return fmt.Sprintf(`{"selection":{"directReference":{"structField":{"field":%d}},"rootReference":{}}}`, i)
	}
	lit := func(v int) string { return fmt.Sprintf(`{"literal":{"i64":"%d"}}`, v) }
	call := func(fn int, xs ...string) string {
		args := make([]string, len(xs))
		for i, x := range xs {
			args[i] = `{"value":` + x + `}`
		}
		return fmt.Sprintf(`{"scalarFunction":{"functionReference":%d,"arguments":[%s]}}`, fn, strings.Join(args, ","))
	}
	eq := func(a, b string) string { return call(1, a, b) }
	// l(a,b) × r(x,y): (l.a = 1 AND r.x = 2) OR (l.a = 3 AND l.b = r.y)
	cond := call(3, call(2, eq(ref(0), lit(1)), eq(ref(2), lit(2))), call(2, eq(ref(0), lit(3)), eq(ref(1), ref(3))))
	plan := `{"extensionUrns":[{"extensionUrnAnchor":1,"urn":"extension:io.substrait:functions_comparison"},
		{"extensionUrnAnchor":2,"urn":"extension:io.substrait:functions_boolean"}],
	"extensions":[{"extensionFunction":{"extensionUrnReference":1,"functionAnchor":1,"name":"equal:any_any"}},
		{"extensionFunction":{"extensionUrnReference":2,"functionAnchor":2,"name":"and:bool"}},
		{"extensionFunction":{"extensionUrnReference":2,"functionAnchor":3,"name":"or:bool"}}],
	"relations":[{"root":{"input":{"filter":{"condition":` + cond + `,"input":{"cross":{
		"left":{"read":{"namedTable":{"names":["l"]},"baseSchema":{"names":["a","b"]}}},
		"right":{"read":{"namedTable":{"names":["r"]},"baseSchema":{"names":["x","y"]}}}}}}}}}]}`
	p, err := Decode([]byte(plan))
	if err != nil {
		t.Fatal(err)
	}
	l, err := Analyze(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(l.Reads[0].Filters, "; "); got != "a = 1 OR a = 3" {
		t.Errorf("l: pushed %q, want %q (both branches constrain l.a)", got, "a = 1 OR a = 3")
	}
	if got := strings.Join(l.Reads[1].Filters, "; "); got != "" {
		t.Errorf("r: pushed %q, want nothing (the second branch does not constrain r alone)", got)
	}
}

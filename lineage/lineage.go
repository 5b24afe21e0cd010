package lineage

import (
	"fmt"
	"sort"
	"strings"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"

	"github.com/deltaplan/deltaplan/model"
)

// Read kinds, as in the CLI contract.
const (
	ReadNamedTable     = "named_table"
	ReadLocalFiles     = "local_files"
	ReadVirtualTable   = "virtual_table"
	ReadExtensionTable = "extension_table"
	ReadIcebergTable   = "iceberg_table"
)

// Lineage is what a plan reads. Every list is sorted as documented on its
// field, so equal plans give equal Lineage.
type Lineage struct {
	// Reads in plan walk order (depth first, left before right, plan
	// relations in order); a table read twice appears twice.
	Reads []Read
	// Joins in plan walk order.
	Joins []Join
	// Functions sorted by URN, then name.
	Functions []FunctionUse
	// Relations counts relations by kind ("read", "project", "join", ...).
	Relations map[string]int
}

// Read is one scan of a base relation.
type Read struct {
	// Table is the NamedTable names joined with "."; for local files the
	// first URI; for an extension table its detail type URL; "" for a
	// virtual table.
	Table string
	Kind  string
	// Columns are the top-level base-schema columns the plan needs, sorted.
	Columns []string
	// NestedPaths are dotted paths below top-level columns that the plan
	// references by struct field, sorted.
	NestedPaths []string
	// Pushed are the conjuncts that can be evaluated at this scan, typed for
	// pruning, deduplicated and sorted by their canonical text.
	Pushed []model.Pred
	// Filters is the canonical text of Pushed, in the same order.
	Filters []string
	// Path is the relation path of the read ("root.project.join.left.read").
	Path string
	// BaseSchema is the read's base schema as the plan declares it (shared
	// with the plan: do not modify); nil when the plan gives none.
	BaseSchema *substraitpb.NamedStruct
}

// Join is one join relation with its equi-join keys as table.column.
type Join struct {
	Type      string // "inner", "left", "left_semi", "cross", ...
	LeftKeys  []string
	RightKeys []string
	Path      string
}

// FunctionUse counts the calls of one function.
type FunctionUse struct {
	URN   string // canonical extension identity; "" when unresolvable
	Name  string // declared name, with any signature suffix
	Count int
}

// JSON is the stable JSON form of lineage (the `deltaplan lineage --json`
// document of ../shared/CONTRACT.md, plus nested_paths and path per read
// and path per join).
type JSON struct {
	Reads     []ReadJSON     `json:"reads"`
	Joins     []JoinJSON     `json:"joins"`
	Functions []FunctionJSON `json:"functions"`
	Relations map[string]int `json:"relations"`
}

// ReadJSON is one read in the JSON form.
type ReadJSON struct {
	Table       string   `json:"table"`
	Kind        string   `json:"kind"`
	Columns     []string `json:"columns"`
	Filters     []string `json:"filters"`
	NestedPaths []string `json:"nested_paths"`
	Path        string   `json:"path"`
}

// JoinJSON is one join in the JSON form.
type JoinJSON struct {
	Type      string   `json:"type"`
	LeftKeys  []string `json:"left_keys"`
	RightKeys []string `json:"right_keys"`
	Path      string   `json:"path"`
}

// FunctionJSON is one function in the JSON form.
type FunctionJSON struct {
	URN   string `json:"urn"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// JSON returns the stable JSON form; empty lists are [] rather than null.
func (l *Lineage) JSON() JSON {
	out := JSON{Reads: []ReadJSON{}, Joins: []JoinJSON{}, Functions: []FunctionJSON{}, Relations: map[string]int{}}
	for _, r := range l.Reads {
		out.Reads = append(out.Reads, ReadJSON{Table: r.Table, Kind: r.Kind, Columns: nonNil(r.Columns),
			Filters: nonNil(r.Filters), NestedPaths: nonNil(r.NestedPaths), Path: r.Path})
	}
	for _, j := range l.Joins {
		out.Joins = append(out.Joins, JoinJSON{Type: j.Type, LeftKeys: nonNil(j.LeftKeys), RightKeys: nonNil(j.RightKeys), Path: j.Path})
	}
	for _, f := range l.Functions {
		out.Functions = append(out.Functions, FunctionJSON(f))
	}
	for k, v := range l.Relations {
		out.Relations[k] = v
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// String renders lineage as readable text, one fact per line.
func (l *Lineage) String() string {
	var b strings.Builder
	for _, r := range l.Reads {
		name := r.Table
		if name == "" {
			name = "(" + r.Kind + ")"
		}
		fmt.Fprintf(&b, "read %s [%s] at %s\n", name, r.Kind, r.Path)
		fmt.Fprintf(&b, "  columns: %s\n", strings.Join(r.Columns, ", "))
		if len(r.NestedPaths) > 0 {
			fmt.Fprintf(&b, "  nested:  %s\n", strings.Join(r.NestedPaths, ", "))
		}
		for _, f := range r.Filters {
			fmt.Fprintf(&b, "  filter:  %s\n", f)
		}
	}
	for _, j := range l.Joins {
		fmt.Fprintf(&b, "join %s at %s: [%s] = [%s]\n", j.Type, j.Path, strings.Join(j.LeftKeys, ", "), strings.Join(j.RightKeys, ", "))
	}
	for _, f := range l.Functions {
		urn := f.URN
		if urn == "" {
			urn = "(unresolved)"
		}
		fmt.Fprintf(&b, "function %s %s ×%d\n", urn, f.Name, f.Count)
	}
	kinds := make([]string, 0, len(l.Relations))
	for k := range l.Relations {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(&b, "relation %s ×%d\n", k, l.Relations[k])
	}
	return b.String()
}

package planbundle

import (
	"fmt"
	"strings"

	"github.com/deltaplan/deltaplan/lineage"
)

// viewSet tracks the Inputs.Views a plan reads. A view is not a Delta table:
// reading one pins nothing and yields no scan units, and the bundle's
// signature does not cover the view's content. A workflow, which knows the
// upstream view's signature, combines it with this bundle's; identity's
// components have no slot for it, and adding one would change every
// signature's encoding.
type viewSet struct {
	names []string
	used  []bool
}

func newViewSet(names []string) *viewSet {
	return &viewSet{names: names, used: make([]bool, len(names))}
}

// match reports whether a read names a view: its full name first, then its
// last dotted part, case-insensitively (as tables are matched).
func (v *viewSet) match(rd lineage.Read) bool {
	last := rd.Table
	if i := strings.LastIndexByte(last, '.'); i >= 0 {
		last = last[i+1:]
	}
	for _, name := range []string{rd.Table, last} {
		for i, view := range v.names {
			if strings.EqualFold(view, name) {
				v.used[i] = true
				return true
			}
		}
	}
	return false
}

// unused reports a view no read of the plan matched, like an unused table.
func (v *viewSet) unused() error {
	for i, used := range v.used {
		if !used {
			return fmt.Errorf("%w: view %s matches no read of the plan", ErrInvalidInput, v.names[i])
		}
	}
	return nil
}

// validateViews lists the problems of the view names: empty, given twice,
// or also a table name (tables holds the lower-cased table names).
func validateViews(views []string, tables map[string]string) []string {
	var probs []string
	seen := map[string]string{}
	for i, v := range views {
		key := strings.ToLower(v)
		switch {
		case v == "":
			probs = append(probs, fmt.Sprintf("view %d has no name", i))
		case tables[key] != "":
			probs = append(probs, fmt.Sprintf("view %s is also a table (%s)", v, tables[key]))
		case seen[key] != "":
			probs = append(probs, fmt.Sprintf("view %s given twice (also as %s)", v, seen[key]))
		}
		seen[key] = v
	}
	return probs
}

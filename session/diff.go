package session

import (
	"fmt"
	"strings"

	"github.com/deltaplan/deltaplan/identity"
)

// Diff explains how two sessions differ, as identity.Changes sorted by
// component then path: "setting" (Path is the key; Before/After the
// values, nil when absent), "udf" (Path is "name(signature)"; Before/After
// the implementation digests), "rewrite_tag" and "planner" (Path is the
// name; Before/After the name on the side that has it). A nil Runtime is
// the empty session.
func Diff(a, b *Runtime) []identity.Change {
	if a == nil {
		a = Empty()
	}
	if b == nil {
		b = Empty()
	}
	var out []identity.Change
	// Settings: merge two sorted lists.
	i, j := 0, 0
	for i < len(a.settings) || j < len(b.settings) {
		switch {
		case j == len(b.settings) || i < len(a.settings) && a.settings[i].Key < b.settings[j].Key:
			out = append(out, identity.Change{Component: "setting", Path: a.settings[i].Key, Before: a.settings[i].Value})
			i++
		case i == len(a.settings) || b.settings[j].Key < a.settings[i].Key:
			out = append(out, identity.Change{Component: "setting", Path: b.settings[j].Key, After: b.settings[j].Value})
			j++
		default:
			if a.settings[i].Value != b.settings[j].Value {
				out = append(out, identity.Change{Component: "setting", Path: a.settings[i].Key,
					Before: a.settings[i].Value, After: b.settings[j].Value})
			}
			i++
			j++
		}
	}
	udfKey := func(u UDF) string { return fmt.Sprintf("%s(%s)", u.Name, u.Signature) }
	ua := map[string]UDF{}
	for _, u := range a.udfs {
		ua[udfKey(u)] = u
	}
	ub := map[string]UDF{}
	for _, u := range b.udfs {
		ub[udfKey(u)] = u
		if old, ok := ua[udfKey(u)]; !ok {
			out = append(out, identity.Change{Component: "udf", Path: udfKey(u), After: u.ImplementationDigest})
		} else if old.ImplementationDigest != u.ImplementationDigest {
			out = append(out, identity.Change{Component: "udf", Path: udfKey(u), Before: old.ImplementationDigest, After: u.ImplementationDigest})
		}
	}
	for _, u := range a.udfs {
		if _, ok := ub[udfKey(u)]; !ok {
			out = append(out, identity.Change{Component: "udf", Path: udfKey(u), Before: u.ImplementationDigest})
		}
	}
	out = append(out, setDiff("rewrite_tag", a.tags, b.tags)...)
	out = append(out, setDiff("planner", a.planners, b.planners)...)
	identity.SortChanges(out)
	return out
}

// setDiff compares two sorted sets.
func setDiff(component string, a, b []string) []identity.Change {
	var out []identity.Change
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && strings.Compare(a[i], b[j]) < 0:
			out = append(out, identity.Change{Component: component, Path: a[i], Before: a[i]})
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, identity.Change{Component: component, Path: b[j], After: b[j]})
			j++
		default:
			i++
			j++
		}
	}
	return out
}

package planbundle

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/deltaplan/deltaplan/identity"
	"github.com/deltaplan/deltaplan/session"
)

// Result is the explained difference of two bundles, the `diff --json`
// document of the contract.
type Result struct {
	// Same: the signatures are equal and no change can affect the result
	// (changes outside the signature, impact "none", may still be listed).
	Same    bool              `json:"same"`
	Changes []identity.Change `json:"changes"`
}

// Diff explains how bundle b differs from a, by component: a moved pin
// (delta_pin, the table, old and new version), a setting, a UDF, a rewrite
// tag or planner, the relation paths of the plan whose content changed with
// what changed inside them (the aspects of identity.Relation.Detail, join
// keys from the lineage), and per read the files added and removed. A
// digest-level change that no finer change explains is kept, so nothing is
// hidden. Every change is classified (identity.Change Kind and Impact).
// Changes are sorted by component, then path, then aspect.
//
// Bundles of two encoding versions have digests made by two encodings, so
// every component would differ for no reason: Diff then reports the one
// change "encoding_version" and nothing else.
func Diff(a, b *Bundle) (Result, error) {
	if a.EncodingVersion != b.EncodingVersion {
		return Result{Changes: []identity.Change{{Component: "encoding_version",
			Before: a.EncodingVersion, After: b.EncodingVersion,
			Kind: identity.KindCode, Impact: identity.ImpactIncomparable}}}, nil
	}
	coarse := identity.DiffComponents(a.Components, b.Components)
	fine := [][]identity.Change{session.Diff(a.Session, b.Session), diffCalledUDFs(a, b)}
	if a.Components.PlanFingerprint != b.Components.PlanFingerprint {
		rel, err := identity.DiffRelations(a.PlanRelations, b.PlanRelations)
		if err != nil {
			return Result{}, fmt.Errorf("diff plan relations: %w", err)
		}
		fine = append(fine, refinePlan(rel, a, b), diffFunctions(a, b))
	}
	units := diffScanUnits(a.ScanUnits, b.ScanUnits)
	fine = append(fine, units)
	changes := identity.Explain(coarse, fine...)
	if len(units) > 0 {
		changes = slices.DeleteFunc(changes, func(c identity.Change) bool { return c.Component == "scan_units_digest" })
	}
	if changes == nil {
		changes = []identity.Change{}
	}
	same := a.Signature == b.Signature
	planImpact := identity.ImpactNonBreaking // of the plan's changes but the function list
	for i := range changes {
		classify(&changes[i], a, b)
		if changes[i].Impact != identity.ImpactNone {
			same = false
		}
		if c := changes[i]; (c.Component == "plan" && c.Aspect != "functions" || c.Component == "plan_fingerprint") && c.Impact == identity.ImpactBreaking {
			planImpact = identity.ImpactBreaking
		}
	}
	// A function called or no longer called is as breaking as the plan
	// change that brought it (a function of an added projection is not).
	for i := range changes {
		if changes[i].Component == "plan" && changes[i].Aspect == "functions" {
			changes[i].Impact = planImpact
		}
	}
	return Result{Same: same, Changes: changes}, nil
}

// diffFunctions names the functions one plan calls and the other does not
// (Path "", aspect "functions", "<urn> <name>" on the side that calls
// it), from each bundle's lineage.
func diffFunctions(a, b *Bundle) []identity.Change {
	set := func(x *Bundle) map[string]bool {
		m := map[string]bool{}
		for _, f := range x.Lineage.Functions {
			m[strings.TrimSpace(f.URN+" "+f.Name)] = true
		}
		return m
	}
	fa, fb := set(a), set(b)
	var out []identity.Change
	for _, f := range setMinus(fa, fb) {
		out = append(out, identity.Change{Component: "plan", Aspect: "functions", Before: f})
	}
	for _, f := range setMinus(fb, fa) {
		out = append(out, identity.Change{Component: "plan", Aspect: "functions", After: f})
	}
	return out
}

// diffCalledUDFs names the UDFs one plan calls and the other does not
// (aspect "called"; Before/After the implementation digest on the side that
// calls it): with one session, this is what moves udf_snapshot_hash.
func diffCalledUDFs(a, b *Bundle) []identity.Change {
	key := func(u RequiredUDF) string { return u.Name + "(" + u.Signature + ")" }
	set := func(x *Bundle) map[string]RequiredUDF {
		m := map[string]RequiredUDF{}
		for _, u := range x.RequiredUDFs {
			m[key(u)] = u
		}
		return m
	}
	sa, sb := set(a), set(b)
	var out []identity.Change
	for _, k := range slices.Sorted(maps.Keys(sa)) {
		if _, ok := sb[k]; !ok {
			out = append(out, identity.Change{Component: "udf", Path: k, Aspect: "called", Before: sa[k].ImplementationDigest})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(sb)) {
		if _, ok := sa[k]; !ok {
			out = append(out, identity.Change{Component: "udf", Path: k, Aspect: "called", After: sb[k].ImplementationDigest})
		}
	}
	return out
}

// refinePlan replaces each changed relation's digests by what changed in
// its rendered content; a relation whose rendering shows no difference (a
// change the renderer does not show) keeps its digests.
func refinePlan(rel []identity.Change, a, b *Bundle) []identity.Change {
	byPath := func(rs []identity.Relation) map[string]identity.Relation {
		m := make(map[string]identity.Relation, len(rs))
		for _, r := range rs {
			m[r.Path] = r
		}
		return m
	}
	ra, rb := byPath(a.PlanRelations), byPath(b.PlanRelations)
	var out []identity.Change
	for _, c := range rel {
		x, okA := ra[c.Path]
		y, okB := rb[c.Path]
		if !okA || !okB || x.Kind != y.Kind {
			out = append(out, c)
			continue
		}
		fine := diffDetail(c.Path, x.Detail, y.Detail)
		fine = append(fine, diffJoinKeys(c.Path, a, b)...)
		if len(fine) == 0 || unrendered(x.Detail) || unrendered(y.Detail) {
			// The rendering may not show every change (a subquery renders
			// as "?"): keep the digests too, so nothing is hidden.
			out = append(out, c)
		}
		out = append(out, fine...)
	}
	return out
}

// unrendered reports whether a rendering left out part of the relation.
func unrendered(d map[string][]string) bool {
	for _, items := range d {
		for _, it := range items {
			if strings.Contains(it, "?") {
				return true
			}
		}
	}
	return false
}

// diffDetail compares two renderings aspect by aspect. Lists compare as
// multisets: one item replaced shows as before -> after, other removals
// and additions one change each; a pure reordering shows the whole list.
func diffDetail(path string, a, b map[string][]string) []identity.Change {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var out []identity.Change
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		x, y := a[k], b[k]
		if slices.Equal(x, y) {
			continue
		}
		ch := func(before, after any) identity.Change {
			return identity.Change{Component: "plan", Path: path, Aspect: k, Before: before, After: after}
		}
		removed, added := multisetDiff(x, y), multisetDiff(y, x)
		switch {
		case len(removed) == 0 && len(added) == 0:
			out = append(out, ch(strings.Join(x, ", "), strings.Join(y, ", ")))
		case len(removed) == 1 && len(added) == 1:
			out = append(out, ch(removed[0], added[0]))
		default:
			for _, r := range removed {
				out = append(out, ch(r, nil))
			}
			for _, s := range added {
				out = append(out, ch(nil, s))
			}
		}
	}
	return out
}

// multisetDiff returns the items of a not matched by an item of b, in a's
// order.
func multisetDiff(a, b []string) []string {
	left := map[string]int{}
	for _, s := range b {
		left[s]++
	}
	var out []string
	for _, s := range a {
		if left[s] > 0 {
			left[s]--
			continue
		}
		out = append(out, s)
	}
	return out
}

// diffJoinKeys compares the equi-join keys (table.column) of the join at
// path, from each bundle's lineage.
func diffJoinKeys(path string, a, b *Bundle) []identity.Change {
	keys := func(x *Bundle) (string, bool) {
		for _, j := range x.Lineage.Joins {
			if j.Path == path {
				pairs := make([]string, 0, len(j.LeftKeys))
				for i := range min(len(j.LeftKeys), len(j.RightKeys)) {
					pairs = append(pairs, j.LeftKeys[i]+" = "+j.RightKeys[i])
				}
				return strings.Join(pairs, ", "), true
			}
		}
		return "", false
	}
	ka, okA := keys(a)
	kb, okB := keys(b)
	if !okA || !okB || ka == kb {
		return nil
	}
	return []identity.Change{{Component: "plan", Path: path, Aspect: "join_keys", Before: ka, After: kb}}
}

// FileChange is one side of a read's file change: how many files and bytes
// the read's scan units hold, and the files only this side has.
type FileChange struct {
	Files   int      `json:"files"`
	Bytes   int64    `json:"bytes"`
	Removed []string `json:"removed,omitempty"` // on the before side
	Added   []string `json:"added,omitempty"`   // on the after side
}

func (f FileChange) String() string {
	s := fmt.Sprintf("%d files, %d bytes", f.Files, f.Bytes)
	if len(f.Removed) > 0 {
		s += fmt.Sprintf(" (%d removed: %s)", len(f.Removed), strings.Join(f.Removed, ", "))
	}
	if len(f.Added) > 0 {
		s += fmt.Sprintf(" (%d added: %s)", len(f.Added), strings.Join(f.Added, ", "))
	}
	return s
}

type readUnits struct {
	files           map[string]bool
	bytes           int64
	columns, filter map[string]bool
	versions        map[string]bool
}

func groupUnits(us []ScanUnit) map[string]*readUnits {
	m := map[string]*readUnits{}
	for _, u := range us {
		r := m[u.Table]
		if r == nil {
			r = &readUnits{files: map[string]bool{}, columns: map[string]bool{}, filter: map[string]bool{}, versions: map[string]bool{}}
			m[u.Table] = r
		}
		r.versions[strconv.FormatInt(u.DeltaVersion, 10)] = true
		for _, f := range u.Files {
			r.files[f] = true
		}
		r.bytes += u.Bytes
		for _, c := range u.ProjectedColumns {
			r.columns[c] = true
		}
		for _, f := range u.PushedFilters {
			r.filter[f] = true
		}
	}
	return m
}

// diffScanUnits explains scan-unit changes per read (table): files added
// and removed with file and byte counts, and changed projected columns or
// pushed filters. Component "scan_units", Path the table.
func diffScanUnits(a, b []ScanUnit) []identity.Change {
	ga, gb := groupUnits(a), groupUnits(b)
	tables := map[string]bool{}
	for t := range ga {
		tables[t] = true
	}
	for t := range gb {
		tables[t] = true
	}
	empty := &readUnits{files: map[string]bool{}, columns: map[string]bool{}, filter: map[string]bool{}, versions: map[string]bool{}}
	var out []identity.Change
	for _, t := range slices.Sorted(maps.Keys(tables)) {
		x, y := cmp.Or(ga[t], empty), cmp.Or(gb[t], empty)
		removed, added := setMinus(x.files, y.files), setMinus(y.files, x.files)
		if len(removed) > 0 || len(added) > 0 {
			out = append(out, identity.Change{Component: "scan_units", Path: t, Aspect: "files",
				Before: FileChange{Files: len(x.files), Bytes: x.bytes, Removed: removed},
				After:  FileChange{Files: len(y.files), Bytes: y.bytes, Added: added}})
		}
		if ga[t] == nil || gb[t] == nil {
			continue // one side reads no file of the table: the files say it all
		}
		for _, s := range []struct {
			aspect string
			x, y   map[string]bool
		}{{"delta_version", x.versions, y.versions}, {"projected_columns", x.columns, y.columns}, {"pushed_filters", x.filter, y.filter}} {
			if len(setMinus(s.x, s.y)) > 0 || len(setMinus(s.y, s.x)) > 0 {
				out = append(out, identity.Change{Component: "scan_units", Path: t, Aspect: s.aspect,
					Before: slices.Sorted(maps.Keys(s.x)), After: slices.Sorted(maps.Keys(s.y))})
			}
		}
	}
	return out
}

func setMinus(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// nonBreakingAspects are the plan aspects whose pure additions only add
// output columns (SQLMesh: only added projections are non-breaking).
var nonBreakingAspects = map[string]bool{"output_columns": true, "expressions": true, "measures": true, "emit": true}

// classify sets a change's Kind (data: pins and files; code: the rest) and
// Impact: "none" for a change the signature does not cover (a UDF the plan
// never calls, a tag that does not apply, the whole-session runtime hash),
// "non_breaking" for an added output column or projected column, else
// "breaking".
func classify(c *identity.Change, a, b *Bundle) {
	c.Kind, c.Impact = identity.KindCode, identity.ImpactBreaking
	switch c.Component {
	case "delta_pin", "scan_units_digest":
		c.Kind = identity.KindData
	case "scan_units":
		switch c.Aspect {
		case "files", "delta_version":
			c.Kind = identity.KindData
		case "projected_columns":
			before, _ := c.Before.([]string)
			after, _ := c.After.([]string)
			if len(multisetDiff(before, after)) == 0 {
				c.Impact = identity.ImpactNonBreaking
			}
		}
	case "plan":
		if c.Before == nil && c.After != nil && nonBreakingAspects[c.Aspect] {
			c.Impact = identity.ImpactNonBreaking
		}
	case "runtime_hash":
		c.Impact = identity.ImpactNone
	case "udf":
		name, _, _ := strings.Cut(c.Path, "(")
		if !calls(a, name) && !calls(b, name) {
			c.Impact = identity.ImpactNone
		}
	case "rewrite_tag":
		if !slices.Contains(a.Components.RewriteTags, c.Path) && !slices.Contains(b.Components.RewriteTags, c.Path) {
			c.Impact = identity.ImpactNone
		}
	case "encoding_version":
		c.Impact = identity.ImpactIncomparable
	}
}

func calls(b *Bundle, udf string) bool {
	return slices.ContainsFunc(b.RequiredUDFs, func(r RequiredUDF) bool { return r.Name == udf })
}

// Lines renders the result for people: one line per change with its
// classification, "same signature" when nothing can change the result.
func (r Result) Lines() []string {
	var out []string
	for _, c := range r.Changes {
		line := fmt.Sprintf("%s  [%s, %s]", c, c.Kind, c.Impact)
		if c.Component == "encoding_version" {
			line += " (digests of different encodings cannot be compared: rebuild both bundles with one deltaplan release)"
		}
		out = append(out, line)
	}
	return out
}

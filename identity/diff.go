package identity

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Change is one explained difference between two signatures. Component
// names: "plan" (Path is a relation path such as root.project.join.left.read,
// or "plan" for plan-level fields), "plan_fingerprint", "runtime_hash",
// "udf_snapshot_hash", "scan_units_digest" (Path ""), "rewrite_tag" (Path is
// the tag), "delta_pin" (Path is the table; Before/After are versions, or
// nil when the pin is absent on that side; a changed table id has Path
// "<table>.table_id"). Session packages add "setting", "udf", "planner".
//
// Aspect, when set, names what changed inside the component ("filter",
// "output_columns", "join_keys", "files_added", ...), Before/After then
// being readable values of that aspect. Kind and Impact classify the change
// (set by the bundle diff): Kind "data" (pins, files) or "code" (plan, UDFs,
// settings, tags, planners); Impact "breaking" (may change existing output
// rows), "non_breaking" (only adds output columns, as SQLMesh decides it),
// or "none" (outside the signature: cannot change this plan's result).
type Change struct {
	Component string `json:"component"`
	Path      string `json:"path"`
	Aspect    string `json:"aspect,omitempty"`
	Before    any    `json:"before"`
	After     any    `json:"after"`
	Kind      string `json:"kind,omitempty"`
	Impact    string `json:"impact,omitempty"`
}

// Change kinds and impacts.
const (
	KindData           = "data"
	KindCode           = "code"
	ImpactBreaking     = "breaking"
	ImpactNonBreaking  = "non_breaking"
	ImpactNone         = "none"
	ImpactIncomparable = "incomparable"
)

func (c Change) String() string {
	head := c.Component
	if c.Path != "" {
		head += " " + c.Path
	}
	if c.Aspect != "" {
		head += ": " + c.Aspect
	}
	return fmt.Sprintf("%s: %v -> %v", head, orAbsent(c.Before), orAbsent(c.After))
}

func orAbsent(v any) any {
	if v == nil {
		return "(absent)"
	}
	return v
}

// SortChanges orders changes by component, then path, then aspect
// (stable: the order within an aspect is kept).
func SortChanges(cs []Change) {
	slices.SortStableFunc(cs, func(a, b Change) int {
		return cmp.Or(strings.Compare(a.Component, b.Component), strings.Compare(a.Path, b.Path), strings.Compare(a.Aspect, b.Aspect))
	})
}

// DiffComponents explains which components of two signatures differ, sorted
// by component then path. Digest-only components (plan fingerprint, runtime
// hash, UDF snapshot hash, scan units) are reported as digests; callers
// with the plans or sessions at hand refine them with DiffPlans and the
// session package's diff.
func DiffComponents(a, b Components) []Change {
	a.Normalize()
	b.Normalize()
	var out []Change
	digest := func(name string, x, y Digest) {
		if x != y {
			out = append(out, Change{Component: name, Before: digestOrNil(x), After: digestOrNil(y)})
		}
	}
	digest("plan_fingerprint", a.PlanFingerprint, b.PlanFingerprint)
	digest("runtime_hash", a.RuntimeHash, b.RuntimeHash)
	digest("settings_hash", a.SettingsHash, b.SettingsHash)
	digest("udf_snapshot_hash", a.UDFSnapshotHash, b.UDFSnapshotHash)
	digest("scan_units_digest", a.ScanUnitsDigest, b.ScanUnitsDigest)

	set := func(component string, x, y []string) {
		for _, t := range x {
			if _, found := slices.BinarySearch(y, t); !found {
				out = append(out, Change{Component: component, Path: t, Before: t})
			}
		}
		for _, t := range y {
			if _, found := slices.BinarySearch(x, t); !found {
				out = append(out, Change{Component: component, Path: t, After: t})
			}
		}
	}
	set("rewrite_tag", a.RewriteTags, b.RewriteTags)
	set("planner", a.Planners, b.Planners)

	pins := func(c Components) map[string]Pin {
		m := make(map[string]Pin, len(c.DeltaPins))
		for _, p := range c.DeltaPins {
			m[p.Table] = p
		}
		return m
	}
	pa, pb := pins(a), pins(b)
	for _, p := range a.DeltaPins {
		q, ok := pb[p.Table]
		switch {
		case !ok:
			out = append(out, Change{Component: "delta_pin", Path: p.Table, Before: p.Version})
		case p.TableID != q.TableID:
			out = append(out, Change{Component: "delta_pin", Path: p.Table + ".table_id", Before: p.TableID, After: q.TableID})
			fallthrough
		case p.Version != q.Version:
			if p.Version != q.Version {
				out = append(out, Change{Component: "delta_pin", Path: p.Table, Before: p.Version, After: q.Version})
			}
		}
	}
	for _, q := range b.DeltaPins {
		if _, ok := pa[q.Table]; !ok {
			out = append(out, Change{Component: "delta_pin", Path: q.Table, After: q.Version})
		}
	}
	SortChanges(out)
	return out
}

func digestOrNil(d Digest) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

// relNode is one relation of a plan tree with the digest of its own content
// (children cut) and of its whole subtree.
type relNode struct {
	label    string // edge from the parent: "" for input, "left", "inputs[1]", ...
	kind     string // "read", "join", ... ("root" for a RelRoot, "plan" for the top)
	own, sub Digest
	children []*relNode
}

// DiffPlans returns the relations whose content differs between two plans,
// as Changes of component "plan" in pre-order. A relation's content is the
// relation message with its child relations cut (subqueries inside its
// expressions count as its content). A relation whose kind differs is
// reported once, without descending; Before/After are "<kind>" for
// added, removed or replaced relations and "<kind> <digest>" for changed
// content. ra and rb resolve each plan's anchors (nil: the plan's URN
// declarations).
func DiffPlans(a, b *substraitpb.Plan, ra, rb Resolver) ([]Change, error) {
	ta, err := planTree(a, ra)
	if err != nil {
		return nil, fmt.Errorf("diff plans: before: %w", err)
	}
	tb, err := planTree(b, rb)
	if err != nil {
		return nil, fmt.Errorf("diff plans: after: %w", err)
	}
	var out []Change
	diffNodes(ta, tb, "", &out)
	return out, nil
}

func childPath(parent string, n *relNode) string {
	parts := make([]string, 0, 3)
	for _, p := range []string{parent, n.label, n.kind} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ".")
}

// short names a relation's content by its kind and a digest prefix.
func short(n *relNode) string {
	s := n.own.String()
	if len(s) > len(digestPrefix)+12 {
		s = s[:len(digestPrefix)+12]
	}
	return n.kind + " " + s
}

func diffNodes(a, b *relNode, parent string, out *[]Change) {
	if a.sub == b.sub {
		return
	}
	path := childPath(parent, a)
	if a.kind != b.kind {
		*out = append(*out, Change{Component: "plan", Path: path, Before: a.kind, After: b.kind})
		return
	}
	if a.own != b.own {
		*out = append(*out, Change{Component: "plan", Path: path, Before: short(a), After: short(b)})
	}
	if a.kind == "plan" {
		path = "" // relation paths start at root / relations[i]
	}
	for _, ca := range a.children {
		cb := findChild(b, ca.label)
		if cb == nil {
			*out = append(*out, Change{Component: "plan", Path: childPath(path, ca), Before: ca.kind})
			continue
		}
		diffNodes(ca, cb, path, out)
	}
	for _, cb := range b.children {
		if findChild(a, cb.label) == nil {
			*out = append(*out, Change{Component: "plan", Path: childPath(path, cb), After: cb.kind})
		}
	}
}

func findChild(n *relNode, label string) *relNode {
	for _, c := range n.children {
		if c.label == label {
			return c
		}
	}
	return nil
}

// treeBuilder hashes relations one at a time with a shared resolver.
type treeBuilder struct {
	plan *substraitpb.Plan
	r    Resolver
}

func (tb *treeBuilder) own(m protoreflect.Message) (Digest, error) {
	w, err := newWalker("relation", tb.plan, tb.r)
	if err != nil {
		return Digest{}, err
	}
	if err := w.message(m, nil, true); err != nil {
		return Digest{}, err
	}
	return w.e.Sum()
}

func (tb *treeBuilder) finish(n *relNode) (*relNode, error) {
	e := New("relation-tree")
	e.Struct(3)
	e.Field("kind")
	e.String(n.kind)
	e.Field("own")
	e.Digest(n.own)
	e.Field("children")
	e.List(len(n.children))
	for _, c := range n.children {
		e.Struct(2)
		e.Field("label")
		e.String(c.label)
		e.Field("sub")
		e.Digest(c.sub)
	}
	d, err := e.Sum()
	n.sub = d
	return n, err
}

func planTree(p *substraitpb.Plan, r Resolver) (*relNode, error) {
	if p == nil {
		return nil, fmt.Errorf("nil plan")
	}
	if r == nil {
		t, err := PlanAnchors(p)
		if err != nil {
			return nil, err
		}
		r = t
	}
	tb := &treeBuilder{plan: p, r: r}
	top := &relNode{kind: "plan"}
	var err error
	if top.own, err = tb.own(p.ProtoReflect()); err != nil {
		return nil, err
	}
	rels := p.GetRelations()
	for i, pr := range rels {
		label := fmt.Sprintf("relations[%d]", i)
		var n *relNode
		switch {
		case pr.GetRoot() != nil:
			if len(rels) == 1 {
				label = ""
			}
			n = &relNode{label: label, kind: "root"}
			if n.own, err = tb.own(pr.GetRoot().ProtoReflect()); err != nil {
				return nil, err
			}
			if in := pr.GetRoot().GetInput(); in != nil {
				c, err := tb.rel(in.ProtoReflect(), "")
				if err != nil {
					return nil, err
				}
				n.children = append(n.children, c)
			}
			if n, err = tb.finish(n); err != nil {
				return nil, err
			}
		case pr.GetRel() != nil:
			if n, err = tb.rel(pr.GetRel().ProtoReflect(), label); err != nil {
				return nil, err
			}
		default:
			continue
		}
		top.children = append(top.children, n)
	}
	return tb.finish(top)
}

func (tb *treeBuilder) rel(m protoreflect.Message, label string) (*relNode, error) {
	od := m.Descriptor().Oneofs().ByName("rel_type")
	var fd protoreflect.FieldDescriptor
	if od != nil {
		fd = m.WhichOneof(od)
	}
	if fd == nil {
		n := &relNode{label: label, kind: "empty"}
		var err error
		if n.own, err = tb.own(m); err != nil {
			return nil, err
		}
		return tb.finish(n)
	}
	body := m.Get(fd).Message()
	n := &relNode{label: label, kind: string(fd.Name())}
	var err error
	if n.own, err = tb.own(body); err != nil {
		return nil, err
	}
	info := infoFor(body.Descriptor())
	for _, f := range info.fields {
		if !f.isRel || !body.Has(f.fd) {
			continue
		}
		if f.fd.IsList() {
			l := body.Get(f.fd).List()
			for i := range l.Len() {
				c, err := tb.rel(l.Get(i).Message(), fmt.Sprintf("%s[%d]", f.fd.Name(), i))
				if err != nil {
					return nil, err
				}
				n.children = append(n.children, c)
			}
			continue
		}
		childLabel := string(f.fd.Name())
		if childLabel == "input" {
			childLabel = ""
		}
		c, err := tb.rel(body.Get(f.fd).Message(), childLabel)
		if err != nil {
			return nil, err
		}
		n.children = append(n.children, c)
	}
	return tb.finish(n)
}

// explainedBy maps a digest-level component to the finer components that
// explain it.
var explainedBy = map[string][]string{
	"plan_fingerprint":  {"plan"},
	"runtime_hash":      {"setting", "udf", "rewrite_tag", "planner"},
	"settings_hash":     {"setting"},
	"udf_snapshot_hash": {"udf"},
}

// Explain merges the component-level diff (DiffComponents) with finer
// explanations (DiffPlans, the session package's Diff): a digest-level
// change is dropped when a finer change explains it, duplicates are
// removed, and the result is sorted by component then path. A digest-level
// change nothing explains stays, so the list never hides a difference.
func Explain(coarse []Change, fine ...[]Change) []Change {
	have := map[string]bool{}
	var out []Change
	seen := map[string]bool{}
	add := func(c Change) {
		key := fmt.Sprintf("%s\x00%s\x00%s\x00%v\x00%v", c.Component, c.Path, c.Aspect, c.Before, c.After)
		if !seen[key] {
			seen[key] = true
			out = append(out, c)
		}
	}
	for _, f := range fine {
		for _, c := range f {
			have[c.Component] = true
			add(c)
		}
	}
	for _, c := range coarse {
		explained := false
		for _, by := range explainedBy[c.Component] {
			explained = explained || have[by]
		}
		if !explained {
			add(c)
		}
	}
	SortChanges(out)
	return out
}

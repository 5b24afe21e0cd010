package identity

import (
	"fmt"
	"slices"
	"strings"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
)

// Relation is one node of a plan's relation tree reduced to what explaining
// a plan difference needs: where it is, its kind, and the digests of its own
// content (child relations cut) and of its whole subtree. A plan bundle
// stores the list (PlanRelations) so that DiffRelations can name the changed
// relation paths later, without the plan, giving the same answer as
// DiffPlans on the plans themselves.
//
// The plan node itself has Path "plan", Kind "plan" and Parent ""; the
// top-level relations have Parent "plan".
type Relation struct {
	Path    string `json:"path"`   // root.aggregate.filter.read, relations[1].read, plan
	Parent  string `json:"parent"` // Path of the parent node
	Label   string `json:"label"`  // edge from the parent: "" for input, "left", "inputs[1]", ...
	Kind    string `json:"kind"`   // "read", "join", ..., "root", "plan"
	Digest  Digest `json:"digest"` // own content
	Subtree Digest `json:"subtree"`
	// Detail is the relation's content rendered for people, per aspect
	// ("filter", "expressions", "measures", ...); set by the plan bundle,
	// never hashed: diff shows it to explain a changed Digest.
	Detail map[string][]string `json:"detail,omitempty"`
}

// PlanRelations lists the relation tree of p sorted by path (nil r: the
// plan's URN declarations, as in FingerprintPlan).
func PlanRelations(p *substraitpb.Plan, r Resolver) ([]Relation, error) {
	top, err := planTree(p, r)
	if err != nil {
		return nil, fmt.Errorf("plan relations: %w", err)
	}
	var out []Relation
	var walk func(n *relNode, parent, path string)
	walk = func(n *relNode, parent, path string) {
		out = append(out, Relation{Path: path, Parent: parent, Label: n.label, Kind: n.kind, Digest: n.own, Subtree: n.sub})
		base := path
		if n.kind == "plan" {
			base = "" // relation paths start at root / relations[i], as in DiffPlans
		}
		for _, c := range n.children {
			walk(c, path, childPath(base, c))
		}
	}
	walk(top, "", "plan")
	slices.SortFunc(out, func(a, b Relation) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// DiffRelations explains the difference of two plans from their relation
// lists (PlanRelations) exactly as DiffPlans does from the plans, sorted by
// path. It fails with ErrInvalidComponents when a list is not a tree: no
// single plan node, a repeated path, a parent that is not listed, or a node
// the plan node does not reach.
func DiffRelations(a, b []Relation) ([]Change, error) {
	ta, err := relationTree(a)
	if err != nil {
		return nil, fmt.Errorf("diff relations: before: %w", err)
	}
	tb, err := relationTree(b)
	if err != nil {
		return nil, fmt.Errorf("diff relations: after: %w", err)
	}
	var out []Change
	diffNodes(ta, tb, "", &out)
	SortChanges(out)
	return out, nil
}

func relationTree(rs []Relation) (*relNode, error) {
	byPath := make(map[string]*relNode, len(rs))
	var top *relNode
	for _, r := range rs {
		if _, dup := byPath[r.Path]; dup {
			return nil, fmt.Errorf("%w: relation path %q listed twice", ErrInvalidComponents, r.Path)
		}
		n := &relNode{label: r.Label, kind: r.Kind, own: r.Digest, sub: r.Subtree}
		byPath[r.Path] = n
		if r.Parent == "" {
			if r.Kind != "plan" || top != nil {
				return nil, fmt.Errorf("%w: relation %q has no parent (only the one plan node may)", ErrInvalidComponents, r.Path)
			}
			top = n
		}
	}
	if top == nil {
		return nil, fmt.Errorf("%w: no plan node among %d relations", ErrInvalidComponents, len(rs))
	}
	sorted := slices.Clone(rs)
	slices.SortFunc(sorted, func(x, y Relation) int {
		return strings.Compare(x.Parent+"\x00"+x.Label, y.Parent+"\x00"+y.Label)
	})
	for _, r := range sorted {
		if r.Parent == "" {
			continue
		}
		p, ok := byPath[r.Parent]
		if !ok {
			return nil, fmt.Errorf("%w: relation %q names parent %q, which is not listed", ErrInvalidComponents, r.Path, r.Parent)
		}
		for _, c := range p.children {
			if c.label == r.Label {
				return nil, fmt.Errorf("%w: relation %q repeats label %q under %q", ErrInvalidComponents, r.Path, r.Label, r.Parent)
			}
		}
		p.children = append(p.children, byPath[r.Path])
	}
	// Every node must hang below the plan node (no cycles, no islands).
	seen := 0
	stack := []*relNode{top}
	visited := map[*relNode]bool{top: true}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		seen++
		for _, c := range n.children {
			if !visited[c] {
				visited[c] = true
				stack = append(stack, c)
			}
		}
	}
	if seen != len(rs) {
		return nil, fmt.Errorf("%w: %d of %d relations are not below the plan node", ErrInvalidComponents, len(rs)-seen, len(rs))
	}
	return top, nil
}

package kernel

import "fmt"

// Ancestors returns the nodes with a path to name, sorted, without name
// itself (unless it lies on a cycle).
func (g *Graph) Ancestors(name string) ([]string, error) {
	id, err := g.lookup(name)
	if err != nil {
		return nil, fmt.Errorf("ancestors: %w", err)
	}
	return g.idNames(g.closure([]int32{id}, g.inStart, g.inFrom, false)), nil
}

// Descendants returns the nodes reachable from name, sorted, without name
// itself (unless it lies on a cycle).
func (g *Graph) Descendants(name string) ([]string, error) {
	id, err := g.lookup(name)
	if err != nil {
		return nil, fmt.Errorf("descendants: %w", err)
	}
	return g.idNames(g.closure([]int32{id}, g.outStart, g.outTo, false)), nil
}

// WithAncestors returns the given nodes and all their ancestors, sorted.
func (g *Graph) WithAncestors(names ...string) ([]string, error) {
	ids := make([]int32, 0, len(names))
	for _, name := range names {
		id, err := g.lookup(name)
		if err != nil {
			return nil, fmt.Errorf("ancestors: %w", err)
		}
		ids = append(ids, id)
	}
	return g.idNames(g.closure(ids, g.inStart, g.inFrom, true)), nil
}

// closure walks the rows (in- or out-adjacency) from the seeds and returns
// the visited ids ascending; seeds are included only when withSeeds is set
// or they are reached again.
func (g *Graph) closure(seeds []int32, start, adj []int32, withSeeds bool) []int32 {
	seen := make([]bool, len(g.names))
	stack := append([]int32(nil), seeds...)
	if withSeeds {
		for _, s := range seeds {
			seen[s] = true
		}
	}
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, v := range adj[start[u]:start[u+1]] {
			if !seen[v] {
				seen[v] = true
				stack = append(stack, v)
			}
		}
	}
	var out []int32
	for id, ok := range seen {
		if ok {
			out = append(out, int32(id))
		}
	}
	return out
}

// Sources returns the nodes without predecessors, sorted.
func (g *Graph) Sources() []string { return g.degreeZero(g.inStart) }

// Sinks returns the nodes without successors, sorted.
func (g *Graph) Sinks() []string { return g.degreeZero(g.outStart) }

func (g *Graph) degreeZero(start []int32) []string {
	out := []string{}
	for v := range g.names {
		if start[v+1] == start[v] {
			out = append(out, g.names[v])
		}
	}
	return out
}

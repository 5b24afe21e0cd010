package kernel

import (
	"fmt"
	"slices"
)

// minHeap is a binary min-heap of node ids; the smallest id is the smallest
// name, which is what makes Kahn's algorithm lexicographic.
type minHeap []int32

func (h *minHeap) push(x int32) {
	*h = append(*h, x)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p] <= x {
			break
		}
		s[i] = s[p]
		i = p
	}
	s[i] = x
}

func (h *minHeap) pop() int32 {
	s := *h
	top := s[0]
	last := s[len(s)-1]
	s = s[:len(s)-1]
	*h = s
	if len(s) == 0 {
		return top
	}
	i := 0
	for {
		c := 2*i + 1
		if c >= len(s) {
			break
		}
		if c+1 < len(s) && s[c+1] < s[c] {
			c++
		}
		if last <= s[c] {
			break
		}
		s[i] = s[c]
		i = c
	}
	s[i] = last
	return top
}

// order returns the lexicographic topological order (ids) and each id's
// position in it, computing them once. A cyclic graph yields a *CycleError.
func (g *Graph) order() ([]int32, []int32, error) {
	g.topoOnce.Do(func() {
		n := len(g.names)
		indeg := make([]int32, n)
		for v := 0; v < n; v++ {
			indeg[v] = g.inStart[v+1] - g.inStart[v]
		}
		h := make(minHeap, 0, 64)
		for v := 0; v < n; v++ {
			if indeg[v] == 0 {
				h.push(int32(v))
			}
		}
		topo := make([]int32, 0, n)
		for len(h) > 0 {
			u := h.pop()
			topo = append(topo, u)
			for _, v := range g.outTo[g.outStart[u]:g.outStart[u+1]] {
				indeg[v]--
				if indeg[v] == 0 {
					h.push(v)
				}
			}
		}
		if len(topo) < n {
			g.topoErr = &CycleError{Nodes: g.cycleAmong(indeg)}
			return
		}
		pos := make([]int32, n)
		for i, v := range topo {
			pos[v] = int32(i)
		}
		g.topo, g.pos = topo, pos
	})
	return g.topo, g.pos, g.topoErr
}

// cycleAmong finds a cycle among the nodes Kahn could not emit (indeg > 0).
// Each of them has a predecessor that is also left over, so walking back
// through the smallest such predecessor must revisit a node; the revisited
// stretch, reversed, is a cycle. It is rotated to start at its smallest name.
func (g *Graph) cycleAmong(indeg []int32) []string {
	start := int32(slices.IndexFunc(indeg, func(d int32) bool { return d > 0 }))
	seen := make(map[int32]int)
	var walk []int32
	v := start
	for {
		if at, ok := seen[v]; ok {
			walk = walk[at:]
			break
		}
		seen[v] = len(walk)
		walk = append(walk, v)
		for _, p := range g.inFrom[g.inStart[v]:g.inStart[v+1]] {
			if indeg[p] > 0 {
				v = p
				break
			}
		}
	}
	slices.Reverse(walk)
	m := slices.Index(walk, slices.Min(walk))
	cycle := make([]string, 0, len(walk))
	for i := range walk {
		cycle = append(cycle, g.names[walk[(m+i)%len(walk)]])
	}
	return cycle
}

// Acyclic reports whether the graph is a DAG.
func (g *Graph) Acyclic() bool {
	_, _, err := g.order()
	return err == nil
}

// FindCycle returns one directed cycle (see CycleError), or nil for a DAG.
func (g *Graph) FindCycle() []string {
	_, _, err := g.order()
	if ce, ok := err.(*CycleError); ok {
		return slices.Clone(ce.Nodes)
	}
	return nil
}

func (g *Graph) idNames(ids []int32) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = g.names[id]
	}
	return out
}

// LexOption configures LexicographicOrder.
type LexOption func(*lexConfig)

type lexConfig struct {
	reverse bool
	initial []string
	hasInit bool
}

// Reverse sorts the graph with every edge reversed, with names still
// compared ascending (rustworkx's reverse=True).
func Reverse() LexOption { return func(c *lexConfig) { c.reverse = true } }

// Initial starts the sort from the given nodes only (rustworkx's initial):
// the output holds them and the nodes all of whose predecessors (successors
// when reversed) are output, so a source outside the set is left out. The
// set must be an antichain: when the sort reaches a member from another
// member it fails with ErrBadInitial.
func Initial(names ...string) LexOption {
	return func(c *lexConfig) { c.initial, c.hasInit = slices.Clone(names), true }
}

// LexicographicOrder returns the topological order that always takes the
// smallest ready name next (Kahn's algorithm with a min-heap). Initial
// members keep their mark after output, so reaching one from another is
// always caught, as in rustworkx (which rejects such a set).
func (g *Graph) LexicographicOrder(opts ...LexOption) ([]string, error) {
	var c lexConfig
	for _, o := range opts {
		o(&c)
	}
	topo, _, err := g.order()
	if err != nil {
		return nil, err
	}
	if !c.reverse && !c.hasInit {
		return g.idNames(topo), nil
	}
	// Direction: forward follows out-edges; reverse follows in-edges.
	nextStart, next, prevStart := g.outStart, g.outTo, g.inStart
	if c.reverse {
		nextStart, next, prevStart = g.inStart, g.inFrom, g.outStart
	}
	n := len(g.names)
	const (
		unseen  = -1
		initial = -2
		emitted = -3
	)
	// remaining[v]: unseen, initial, emitted, or predecessors still pending.
	remaining := make([]int32, n)
	h := make(minHeap, 0, 64)
	if c.hasInit {
		for i := range remaining {
			remaining[i] = unseen
		}
		for _, name := range c.initial {
			id, err := g.lookup(name)
			if err != nil {
				return nil, fmt.Errorf("initial: %w", err)
			}
			if remaining[id] == initial {
				continue
			}
			remaining[id] = initial
			h.push(id)
		}
	} else {
		for v := 0; v < n; v++ {
			remaining[v] = prevStart[v+1] - prevStart[v]
			if remaining[v] == 0 {
				h.push(int32(v))
			}
		}
	}
	out := make([]int32, 0, n)
	for len(h) > 0 {
		u := h.pop()
		for _, v := range next[nextStart[u]:nextStart[u+1]] {
			switch r := remaining[v]; {
			case r == initial:
				return nil, fmt.Errorf("%q reaches %q: %w", g.names[u], g.names[v], ErrBadInitial)
			case r == unseen:
				remaining[v] = prevStart[v+1] - prevStart[v] - 1
			default:
				remaining[v]--
			}
			if remaining[v] == 0 {
				remaining[v] = emitted
				h.push(v)
			}
		}
		out = append(out, u)
	}
	return g.idNames(out), nil
}

// Generations returns the topological generations: the sources first, then
// the nodes whose predecessors all lie in earlier generations, and so on.
// Each generation is sorted by name.
func (g *Graph) Generations() ([][]string, error) {
	if _, _, err := g.order(); err != nil {
		return nil, err
	}
	n := len(g.names)
	indeg := make([]int32, n)
	var cur []int32
	for v := 0; v < n; v++ {
		indeg[v] = g.inStart[v+1] - g.inStart[v]
		if indeg[v] == 0 {
			cur = append(cur, int32(v))
		}
	}
	var gens [][]string
	for len(cur) > 0 {
		slices.Sort(cur)
		gens = append(gens, g.idNames(cur))
		var nxt []int32
		for _, u := range cur {
			for _, v := range g.outTo[g.outStart[u]:g.outStart[u+1]] {
				indeg[v]--
				if indeg[v] == 0 {
					nxt = append(nxt, v)
				}
			}
		}
		cur = nxt
	}
	return gens, nil
}

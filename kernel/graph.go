package kernel

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"

	"gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/iterator"
	"gonum.org/v1/gonum/graph/simple"
)

// Edge is a directed, weighted edge between two named nodes.
type Edge struct {
	From, To string
	Weight   int64
}

// Graph is an immutable directed graph over named nodes with int64 edge
// weights.
//
// Invariants (checked by New): names are unique and non-empty, every edge
// names known nodes, no (from, to) pair repeats, and weights are >= 0. Node
// ids are ranks in sorted name order, so ascending id is ascending name.
// Self-loops are allowed and make the graph cyclic.
//
// Adjacency is stored as compressed rows sorted by id in both directions;
// the DAG analyses (and the topological order they share, computed once)
// work on those arrays. A Graph is safe for concurrent use.
type Graph struct {
	names []string
	index map[string]int32

	// Out-edges of u are outTo[outStart[u]:outStart[u+1]], ascending; the
	// position of an out-edge is its edge index (edges sorted by from, to).
	outStart []int32
	outTo    []int32
	outW     []int64
	// In-edges of v: inFrom[inStart[v]:inStart[v+1]], ascending.
	inStart []int32
	inFrom  []int32

	topoOnce sync.Once
	topo     []int32 // lexicographic topological order, nil if cyclic
	pos      []int32 // pos[id] = index of id in topo
	topoErr  error
}

// New builds a graph from node names and edges. Node and edge order does not
// matter: the result is the same for any permutation of either list.
func New(nodes []string, edges []Edge) (*Graph, error) {
	if len(nodes) > math.MaxInt32-1 || len(edges) > math.MaxInt32-1 {
		return nil, fmt.Errorf("graph too large: %d nodes, %d edges", len(nodes), len(edges))
	}
	names := slices.Clone(nodes)
	slices.Sort(names)
	index := make(map[string]int32, len(names))
	for i, name := range names {
		if name == "" {
			return nil, fmt.Errorf("node %d: %w", i, ErrEmptyName)
		}
		if i > 0 && names[i-1] == name {
			return nil, fmt.Errorf("node %q: %w", name, ErrDuplicateNode)
		}
		index[name] = int32(i)
	}
	type rawEdge struct {
		u, v int32
		w    int64
	}
	raw := make([]rawEdge, len(edges))
	for i, e := range edges {
		u, ok := index[e.From]
		if !ok {
			return nil, fmt.Errorf("edge %d (%q -> %q): from %q: %w", i, e.From, e.To, e.From, ErrUnknownNode)
		}
		v, ok := index[e.To]
		if !ok {
			return nil, fmt.Errorf("edge %d (%q -> %q): to %q: %w", i, e.From, e.To, e.To, ErrUnknownNode)
		}
		if e.Weight < 0 {
			return nil, fmt.Errorf("edge %d (%q -> %q): weight %d: %w", i, e.From, e.To, e.Weight, ErrNegativeWeight)
		}
		raw[i] = rawEdge{u, v, e.Weight}
	}
	slices.SortFunc(raw, func(a, b rawEdge) int {
		if c := cmp.Compare(a.u, b.u); c != 0 {
			return c
		}
		return cmp.Compare(a.v, b.v)
	})
	n, m := len(names), len(raw)
	g := &Graph{
		names:    names,
		index:    index,
		outStart: make([]int32, n+1),
		outTo:    make([]int32, m),
		outW:     make([]int64, m),
		inStart:  make([]int32, n+1),
		inFrom:   make([]int32, m),
	}
	for i, e := range raw {
		if i > 0 && raw[i-1].u == e.u && raw[i-1].v == e.v {
			return nil, fmt.Errorf("edge %q -> %q: %w", names[e.u], names[e.v], ErrDuplicateEdge)
		}
		g.outStart[e.u+1]++
		g.inStart[e.v+1]++
		g.outTo[i] = e.v
		g.outW[i] = e.w
	}
	for i := 0; i < n; i++ {
		g.outStart[i+1] += g.outStart[i]
		g.inStart[i+1] += g.inStart[i]
	}
	// Edges are sorted by (u, v), so filling in-rows in edge order keeps each
	// in-row sorted by source.
	fill := slices.Clone(g.inStart[:n])
	for _, e := range raw {
		p := fill[e.v]
		fill[e.v]++
		g.inFrom[p] = e.u
	}
	return g, nil
}

// Len returns the number of nodes.
func (g *Graph) Len() int { return len(g.names) }

// NumEdges returns the number of edges.
func (g *Graph) NumEdges() int { return len(g.outTo) }

// Names returns the node names, sorted.
func (g *Graph) Names() []string { return append([]string{}, g.names...) }

// Name returns the name of node id, or "" when id is out of range.
func (g *Graph) Name(id int64) string {
	if id < 0 || id >= int64(len(g.names)) {
		return ""
	}
	return g.names[id]
}

// ID returns the id of a named node.
func (g *Graph) ID(name string) (int64, bool) {
	id, ok := g.index[name]
	return int64(id), ok
}

// EdgeList returns every edge, sorted by (from, to).
func (g *Graph) EdgeList() []Edge {
	out := make([]Edge, 0, len(g.outTo))
	for u := range g.names {
		for p := g.outStart[u]; p < g.outStart[u+1]; p++ {
			out = append(out, Edge{From: g.names[u], To: g.names[g.outTo[p]], Weight: g.outW[p]})
		}
	}
	return out
}

// edgeIndex returns the position of edge u->v, or -1.
func (g *Graph) edgeIndex(u, v int32) int {
	row := g.outTo[g.outStart[u]:g.outStart[u+1]]
	if i, ok := slices.BinarySearch(row, v); ok {
		return int(g.outStart[u]) + i
	}
	return -1
}

func (g *Graph) lookup(name string) (int32, error) {
	id, ok := g.index[name]
	if !ok {
		return 0, fmt.Errorf("node %q: %w", name, ErrUnknownNode)
	}
	return id, nil
}

// Simple returns a copy as a gonum simple.WeightedDirectedGraph whose node
// ids are this graph's ids. Iterating it is map-ordered; use the Graph
// itself where order matters.
func (g *Graph) Simple() *simple.WeightedDirectedGraph {
	s := simple.NewWeightedDirectedGraph(0, math.Inf(1))
	for id := range g.names {
		s.AddNode(simple.Node(id))
	}
	for u := range g.names {
		for p := g.outStart[u]; p < g.outStart[u+1]; p++ {
			if int32(u) == g.outTo[p] {
				continue // gonum simple graphs reject self-loops
			}
			s.SetWeightedEdge(simple.WeightedEdge{F: simple.Node(u), T: simple.Node(g.outTo[p]), W: float64(g.outW[p])})
		}
	}
	return s
}

// The methods below implement gonum's graph.WeightedDirected with ordered
// iterators, so gonum algorithms see nodes in id (= name) order.

var _ graph.WeightedDirected = (*Graph)(nil)

func (g *Graph) valid(id int64) bool { return id >= 0 && id < int64(len(g.names)) }

// Node returns the gonum node with the given id, or nil.
func (g *Graph) Node(id int64) graph.Node {
	if !g.valid(id) {
		return nil
	}
	return simple.Node(id)
}

// Nodes returns all nodes in id order.
func (g *Graph) Nodes() graph.Nodes {
	return iterator.NewImplicitNodes(0, len(g.names), func(id int) graph.Node { return simple.Node(id) })
}

func idNodes(ids []int32) graph.Nodes {
	if len(ids) == 0 {
		return graph.Empty
	}
	nodes := make([]graph.Node, len(ids))
	for i, id := range ids {
		nodes[i] = simple.Node(id)
	}
	return iterator.NewOrderedNodes(nodes)
}

// From returns the successors of id in id order.
func (g *Graph) From(id int64) graph.Nodes {
	if !g.valid(id) {
		return graph.Empty
	}
	return idNodes(g.outTo[g.outStart[id]:g.outStart[id+1]])
}

// To returns the predecessors of id in id order.
func (g *Graph) To(id int64) graph.Nodes {
	if !g.valid(id) {
		return graph.Empty
	}
	return idNodes(g.inFrom[g.inStart[id]:g.inStart[id+1]])
}

// HasEdgeFromTo reports whether the edge u->v exists.
func (g *Graph) HasEdgeFromTo(uid, vid int64) bool {
	return g.valid(uid) && g.valid(vid) && g.edgeIndex(int32(uid), int32(vid)) >= 0
}

// HasEdgeBetween reports whether an edge joins x and y in either direction.
func (g *Graph) HasEdgeBetween(xid, yid int64) bool {
	return g.HasEdgeFromTo(xid, yid) || g.HasEdgeFromTo(yid, xid)
}

// Edge returns the edge u->v, or nil.
func (g *Graph) Edge(uid, vid int64) graph.Edge {
	e := g.WeightedEdge(uid, vid)
	if e == nil {
		return nil
	}
	return e
}

// WeightedEdge returns the edge u->v with its weight, or nil.
func (g *Graph) WeightedEdge(uid, vid int64) graph.WeightedEdge {
	if !g.valid(uid) || !g.valid(vid) {
		return nil
	}
	p := g.edgeIndex(int32(uid), int32(vid))
	if p < 0 {
		return nil
	}
	return simple.WeightedEdge{F: simple.Node(uid), T: simple.Node(vid), W: float64(g.outW[p])}
}

// Weight returns the weight of x->y; a node to itself weighs 0.
func (g *Graph) Weight(xid, yid int64) (float64, bool) {
	if !g.valid(xid) || !g.valid(yid) {
		return 0, false
	}
	if p := g.edgeIndex(int32(xid), int32(yid)); p >= 0 {
		return float64(g.outW[p]), true
	}
	if xid == yid {
		return 0, true
	}
	return math.Inf(1), false
}

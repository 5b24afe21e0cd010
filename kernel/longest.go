package kernel

import (
	"fmt"
	"math"
)

// Path is a longest (critical) path of a DAG.
type Path struct {
	// Length is the path's total edge weight (edge count for
	// LongestPathEdges). It is 0 for a single node and for the empty graph.
	Length int64 `json:"length"`
	// Nodes is the path in edge order; empty only for the empty graph.
	// Among tied paths it is the smallest by name sequence: compare the
	// first names, then the second, and so on, a proper prefix being
	// smaller (so with zero-weight edges the shorter tied path wins).
	Nodes []string `json:"nodes"`
	// Count is the number of distinct node sequences (of one node or more)
	// whose weight is Length, capped at math.MaxInt64.
	Count int64 `json:"count"`
	// Tied reports Count > 1: another path has the same length.
	Tied bool `json:"tied"`
}

// LongestPath returns the maximum-weight path. Weights are >= 0, so a
// longest path may be taken to start at a source and end at a sink; ties are
// broken as documented on Path.
func (g *Graph) LongestPath() (Path, error) {
	return g.longest(func(e int32) int64 { return g.outW[e] }, nil)
}

// LongestPathEdges returns the path with the most edges (every edge weighs 1).
func (g *Graph) LongestPathEdges() (Path, error) {
	return g.longest(func(int32) int64 { return 1 }, nil)
}

// longest finds the heaviest path where a path weighs the sum of its edges'
// edgeW plus the sum of its nodes' nodeW (nil means 0); all weights >= 0.
func (g *Graph) longest(weight func(e int32) int64, nodeW func(v int32) int64) (Path, error) {
	topo, _, err := g.order()
	if err != nil {
		return Path{}, err
	}
	n := len(g.names)
	if n == 0 {
		return Path{Nodes: []string{}}, nil
	}
	if nodeW == nil {
		nodeW = func(int32) int64 { return 0 }
	}
	// best[v]: the heaviest path starting at v; rest[v]: that minus v's own
	// weight; count[v]: how many paths starting at v reach it (saturating).
	best := make([]int64, n)
	rest := make([]int64, n)
	count := make([]uint64, n)
	for i := n - 1; i >= 0; i-- {
		u := topo[i]
		var b int64
		for e := g.outStart[u]; e < g.outStart[u+1]; e++ {
			w, r := weight(e), best[g.outTo[e]]
			if r > math.MaxInt64-w {
				return Path{}, fmt.Errorf("path from %q: %w", g.names[u], ErrWeightOverflow)
			}
			b = max(b, w+r)
		}
		if own := nodeW(u); b > math.MaxInt64-own {
			return Path{}, fmt.Errorf("path from %q: %w", g.names[u], ErrWeightOverflow)
		}
		var c uint64
		if b == 0 {
			c = 1
		}
		for e := g.outStart[u]; e < g.outStart[u+1]; e++ {
			if v := g.outTo[e]; weight(e)+best[v] == b {
				c = satAdd(c, count[v])
			}
		}
		rest[u], best[u], count[u] = b, b+nodeW(u), c
	}
	var length int64
	for _, b := range best {
		length = max(length, b)
	}
	var total uint64
	start := int32(-1)
	for v := 0; v < n; v++ {
		if best[v] == length {
			total = satAdd(total, count[v])
			if start < 0 {
				start = int32(v) // smallest name among the best starts
			}
		}
	}
	// Greedy by smallest name is the smallest sequence: any successor that
	// keeps the path optimal can be chosen independently of later steps.
	path := []string{g.names[start]}
	for u := start; rest[u] != 0; {
		for e := g.outStart[u]; e < g.outStart[u+1]; e++ {
			if v := g.outTo[e]; weight(e)+best[v] == rest[u] {
				u = v
				break
			}
		}
		path = append(path, g.names[u])
	}
	if total > math.MaxInt64 {
		total = math.MaxInt64
	}
	return Path{Length: length, Nodes: path, Count: int64(total), Tied: total > 1}, nil
}

func satAdd(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

package kernel

import "slices"

// Reduction is the transitive reduction of a DAG: the fewest edges with the
// same reachability. It is unique for a DAG.
type Reduction struct {
	// Graph has the same nodes and the surviving edges, weights kept.
	Graph *Graph
	// Kept[i] tells whether edge i of the original EdgeList survives.
	Kept []bool

	orig *Graph
}

// Survives reports whether the original edge from->to is kept; ok is false
// when there is no such edge.
func (r *Reduction) Survives(from, to string) (kept, ok bool) {
	u, okU := r.orig.index[from]
	v, okV := r.orig.index[to]
	if !okU || !okV {
		return false, false
	}
	e := r.orig.edgeIndex(u, v)
	if e < 0 {
		return false, false
	}
	return r.Kept[e], true
}

// Removed returns the original edges that do not survive, sorted.
func (r *Reduction) Removed() []Edge {
	var out []Edge
	for u := range r.orig.names {
		for p := r.orig.outStart[u]; p < r.orig.outStart[u+1]; p++ {
			if !r.Kept[p] {
				out = append(out, Edge{From: r.orig.names[u], To: r.orig.names[r.orig.outTo[p]], Weight: r.orig.outW[p]})
			}
		}
	}
	return out
}

// reduceChunkBytes bounds the reachability bitsets held at once.
const reduceChunkBytes = 64 << 20

// chunkWordsOverride, when > 0, sets the chunk width in words (tests use it
// to exercise the multi-chunk path on small graphs).
var chunkWordsOverride int

// TransitiveReduction computes the reduction with bitset reachability in
// O(n·m/64) word operations. Nodes are visited in reverse topological order
// and each node's successors in topological order: an edge u->v is redundant
// exactly when v is already reachable through an earlier successor. To bound
// memory on large graphs the target positions are split into chunks whose
// bitsets (one row per node) fit in reduceChunkBytes, and each edge is
// decided in the chunk holding its target.
func (g *Graph) TransitiveReduction() (*Reduction, error) {
	topo, pos, err := g.order()
	if err != nil {
		return nil, err
	}
	n, m := len(g.names), len(g.outTo)
	// Successor positions of each node (indexed by its position), ascending,
	// with the edge index of each.
	start := make([]int32, n+1)
	for p, u := range topo {
		start[p+1] = start[p] + g.outStart[u+1] - g.outStart[u]
	}
	type succ struct{ pos, edge int32 }
	succs := make([]succ, m)
	for p, u := range topo {
		row := succs[start[p]:start[p+1]]
		for i, e := 0, g.outStart[u]; e < g.outStart[u+1]; i, e = i+1, e+1 {
			row[i] = succ{pos[g.outTo[e]], e}
		}
		slices.SortFunc(row, func(a, b succ) int { return int(a.pos - b.pos) })
	}

	redundant := make([]bool, m)
	words := 1
	if n > 0 {
		words = max(1, min((n+63)/64, reduceChunkBytes/8/n))
	}
	if chunkWordsOverride > 0 {
		words = chunkWordsOverride
	}
	chunkBits := words * 64
	reach := make([]uint64, n*words)
	for lo := 0; lo < n; lo += chunkBits {
		hi := min(n, lo+chunkBits)
		for p := hi - 1; p >= 0; p-- {
			row := reach[p*words : (p+1)*words]
			// The first contributing successor's row is copied rather than
			// ORed into a cleared row; fresh means nothing is in row yet.
			fresh := true
			for _, s := range succs[start[p]:start[p+1]] {
				q := int(s.pos)
				if q >= hi {
					break
				}
				if q >= lo {
					b := q - lo
					if fresh {
						// q's bits all lie after q, so words before b's are zero.
						clear(row[:b>>6])
						copy(row[b>>6:], reach[q*words+(b>>6):(q+1)*words])
						fresh = false
					} else if row[b>>6]&(1<<(b&63)) != 0 {
						redundant[s.edge] = true
						continue
					} else {
						from := (b + 1) >> 6
						orWords(row[from:], reach[q*words+from:(q+1)*words])
					}
					row[b>>6] |= 1 << (b & 63)
					continue
				}
				if redundant[s.edge] {
					continue // decided in an earlier chunk; subsumed
				}
				if fresh {
					copy(row, reach[q*words:(q+1)*words])
					fresh = false
				} else {
					orWords(row, reach[q*words:(q+1)*words])
				}
			}
			if fresh {
				clear(row)
			}
		}
	}
	kept := make([]bool, m)
	for i := range kept {
		kept[i] = !redundant[i]
	}
	return &Reduction{Graph: g.subgraph(kept), Kept: kept, orig: g}, nil
}

// orWords sets dst |= src, four words per step.
func orWords(dst, src []uint64) {
	src = src[:len(dst)]
	i := 0
	for ; i+4 <= len(dst); i += 4 {
		d, s := dst[i:i+4:i+4], src[i:i+4:i+4]
		d[0] |= s[0]
		d[1] |= s[1]
		d[2] |= s[2]
		d[3] |= s[3]
	}
	for ; i < len(dst); i++ {
		dst[i] |= src[i]
	}
}

// subgraph keeps the edges marked in keep (indexed like EdgeList).
func (g *Graph) subgraph(keep []bool) *Graph {
	n := len(g.names)
	s := &Graph{
		names:    g.names,
		index:    g.index,
		outStart: make([]int32, n+1),
		inStart:  make([]int32, n+1),
	}
	for u := 0; u < n; u++ {
		for e := g.outStart[u]; e < g.outStart[u+1]; e++ {
			if keep[e] {
				s.outTo = append(s.outTo, g.outTo[e])
				s.outW = append(s.outW, g.outW[e])
				s.inStart[g.outTo[e]+1]++
			}
		}
		s.outStart[u+1] = int32(len(s.outTo))
	}
	for v := 0; v < n; v++ {
		s.inStart[v+1] += s.inStart[v]
	}
	s.inFrom = make([]int32, len(s.outTo))
	fill := slices.Clone(s.inStart[:n])
	for u := 0; u < n; u++ {
		for e := s.outStart[u]; e < s.outStart[u+1]; e++ {
			v := s.outTo[e]
			s.inFrom[fill[v]] = int32(u)
			fill[v]++
		}
	}
	return s
}

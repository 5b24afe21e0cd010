package kernel

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomDAG builds a DAG like the fixtures' generator: a hidden order,
// edges forward within a window plus occasional long edges, names shuffled.
func randomDAG(seed uint64, n, maxOut, window int, wmax int64) ([]string, []Edge) {
	r := rand.New(rand.NewPCG(seed, 7))
	perm := r.Perm(n)
	name := func(i int) string { return fmt.Sprintf("n%d", perm[i]) }
	nodes := make([]string, n)
	var edges []Edge
	for i := 0; i < n; i++ {
		nodes[i] = name(i)
		seen := map[int]bool{}
		k := r.IntN(maxOut + 1)
		for j := 0; j < k && i+1 < n; j++ {
			v := i + 1 + r.IntN(min(window, n-i-1))
			if !seen[v] {
				seen[v] = true
				edges = append(edges, Edge{name(i), name(v), 1 + r.Int64N(wmax)})
			}
		}
		if i+1 < n && r.Float64() < 0.05 {
			v := i + 1 + r.IntN(n-i-1)
			if !seen[v] {
				edges = append(edges, Edge{name(i), name(v), 1 + r.Int64N(wmax)})
			}
		}
	}
	r.Shuffle(len(nodes), func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] })
	r.Shuffle(len(edges), func(i, j int) { edges[i], edges[j] = edges[j], edges[i] })
	return nodes, edges
}

func mustNew(t testing.TB, nodes []string, edges []Edge) *Graph {
	t.Helper()
	g, err := New(nodes, edges)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// reachable is a plain BFS reachability matrix for checking.
func reachable(g *Graph) [][]bool {
	n := g.Len()
	out := make([][]bool, n)
	for s := 0; s < n; s++ {
		out[s] = make([]bool, n)
		stack := []int32{int32(s)}
		for len(stack) > 0 {
			u := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, v := range g.outTo[g.outStart[u]:g.outStart[u+1]] {
				if !out[s][v] {
					out[s][v] = true
					stack = append(stack, v)
				}
			}
		}
	}
	return out
}

func TestReductionPreservesReachability(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		g := randomGraph(t, seed, 80, 4, 10, 5)
		r, err := g.TransitiveReduction()
		if err != nil {
			t.Fatal(err)
		}
		before, after := reachable(g), reachable(r.Graph)
		for u := range before {
			if !slices.Equal(before[u], after[u]) {
				t.Fatalf("seed %d: reachability from %s changed", seed, g.names[u])
			}
		}
		// Minimal: every kept edge is the only path between its ends.
		for i, e := range r.Graph.EdgeList() {
			u, _ := g.ID(e.From)
			v, _ := g.ID(e.To)
			keep := slices.Repeat([]bool{true}, r.Graph.NumEdges())
			keep[i] = false
			if reachable(r.Graph.subgraph(keep))[u][v] {
				t.Fatalf("seed %d: kept edge %s -> %s is redundant", seed, e.From, e.To)
			}
		}
	}
}

func TestReductionChunked(t *testing.T) {
	// Force many small chunks by giving the graph more nodes than one
	// chunk holds; the result must equal the single-chunk answer.
	g := randomGraph(t, 3, 3000, 4, 40, 9)
	want, err := g.TransitiveReduction()
	if err != nil {
		t.Fatal(err)
	}
	got := reduceWithChunkWords(t, g, 1)
	if !slices.Equal(got, want.Kept) {
		t.Fatal("chunked reduction differs from the single-chunk one")
	}
}

func TestGenerationsRespectEdges(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		g := randomGraph(t, seed, 200, 4, 20, 5)
		gens, err := g.Generations()
		if err != nil {
			t.Fatal(err)
		}
		level := map[string]int{}
		count := 0
		for i, gen := range gens {
			if !slices.IsSorted(gen) || len(gen) == 0 {
				t.Fatalf("generation %d not sorted or empty: %v", i, gen)
			}
			for _, name := range gen {
				level[name] = i
				count++
			}
		}
		if count != g.Len() {
			t.Fatalf("generations hold %d nodes, want %d", count, g.Len())
		}
		for _, e := range g.EdgeList() {
			if level[e.From] >= level[e.To] {
				t.Fatalf("edge %s -> %s goes from generation %d to %d", e.From, e.To, level[e.From], level[e.To])
			}
		}
		// Each node after the first generation has a predecessor in the
		// generation right before it (generations are as early as possible).
		for _, name := range g.names {
			if level[name] == 0 {
				continue
			}
			preds, _ := g.Ancestors(name)
			if !slices.ContainsFunc(preds, func(p string) bool { return level[p] == level[name]-1 }) {
				t.Fatalf("%s in generation %d has no ancestor one generation earlier", name, level[name])
			}
		}
	}
}

func TestLexicographicOrderIsSmallest(t *testing.T) {
	// Brute force: at each step the output must be the smallest ready node.
	for seed := uint64(1); seed <= 10; seed++ {
		g := randomGraph(t, seed, 60, 3, 8, 3)
		order, err := g.LexicographicOrder()
		if err != nil {
			t.Fatal(err)
		}
		done := map[string]bool{}
		for _, got := range order {
			var ready []string
			for _, name := range g.names {
				if done[name] {
					continue
				}
				anc, _ := g.Ancestors(name)
				if !slices.ContainsFunc(anc, func(a string) bool { return !done[a] }) {
					ready = append(ready, name)
				}
			}
			if got != slices.Min(ready) {
				t.Fatalf("seed %d: took %s, smallest ready is %s", seed, got, slices.Min(ready))
			}
			done[got] = true
		}
	}
}

func TestShuffleInvariance(t *testing.T) {
	nodes, edges := randomDAG(11, 300, 4, 25, 9)
	base := summarize(t, mustNew(t, nodes, edges))
	r := rand.New(rand.NewPCG(99, 1))
	for i := 0; i < 5; i++ {
		n2, e2 := slices.Clone(nodes), slices.Clone(edges)
		r.Shuffle(len(n2), func(i, j int) { n2[i], n2[j] = n2[j], n2[i] })
		r.Shuffle(len(e2), func(i, j int) { e2[i], e2[j] = e2[j], e2[i] })
		if got := summarize(t, mustNew(t, n2, e2)); got != base {
			t.Fatalf("shuffle %d changed the results", i)
		}
	}
}

// summarize renders every analysis as one string.
func summarize(t testing.TB, g *Graph) string {
	t.Helper()
	r, err := g.TransitiveReduction()
	if err != nil {
		t.Fatal(err)
	}
	gens, _ := g.Generations()
	lex, _ := g.LexicographicOrder()
	rev, _ := g.LexicographicOrder(Reverse())
	lp, _ := g.LongestPath()
	sigs, err := g.Signatures(nil)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(r.Graph.EdgeList(), r.Kept, gens, lex, rev, lp, sigs, g.NodeLink(nil, nil))
}

func TestSignatures(t *testing.T) {
	base := mustNew(t, []string{"a", "b", "c"}, []Edge{{"a", "b", 1}, {"b", "c", 1}})
	withShortcut := mustNew(t, []string{"a", "b", "c"}, []Edge{{"a", "b", 1}, {"b", "c", 1}, {"a", "c", 1}})
	reweighted := mustNew(t, []string{"c", "b", "a"}, []Edge{{"b", "c", 7}, {"a", "b", 9}})
	sig := func(g *Graph, nodeSigs map[string]string) Signatures {
		s, err := g.Signatures(nodeSigs)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	b := sig(base, nil)
	tests := []struct {
		name                string
		got                 Signatures
		sameFull, sameRedux bool
	}{
		{"weights and order do not count", sig(reweighted, nil), true, true},
		{"a redundant edge changes full only", sig(withShortcut, nil), false, true},
		{"a node signature changes both", sig(base, map[string]string{"b": "x"}), false, false},
		{"an empty node signature is absent", sig(base, map[string]string{"b": ""}), true, true},
	}
	for _, tt := range tests {
		if (tt.got.Full == b.Full) != tt.sameFull || (tt.got.Reduced == b.Reduced) != tt.sameRedux {
			t.Errorf("%s: got %+v, base %+v", tt.name, tt.got, b)
		}
	}
	if b.Full != b.Reduced {
		t.Errorf("a reduced graph's signatures differ: %+v", b)
	}
	if _, err := base.Signature(map[string]string{"zz": "x"}); !errors.Is(err, ErrUnknownNode) {
		t.Errorf("unknown node signature: err = %v", err)
	}
	// Name boundaries are length-prefixed: ("ab","c") differs from ("a","bc").
	g1 := mustNew(t, []string{"ab", "c"}, nil)
	g2 := mustNew(t, []string{"a", "bc"}, nil)
	s1, _ := g1.Signature(nil)
	s2, _ := g2.Signature(nil)
	if s1 == s2 {
		t.Error("length prefixes do not separate names")
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name  string
		nodes []string
		edges []Edge
		want  error
	}{
		{"duplicate node", []string{"a", "a"}, nil, ErrDuplicateNode},
		{"empty name", []string{""}, nil, ErrEmptyName},
		{"unknown from", []string{"a"}, []Edge{{"x", "a", 1}}, ErrUnknownNode},
		{"unknown to", []string{"a"}, []Edge{{"a", "x", 1}}, ErrUnknownNode},
		{"duplicate edge", []string{"a", "b"}, []Edge{{"a", "b", 1}, {"a", "b", 2}}, ErrDuplicateEdge},
		{"negative weight", []string{"a", "b"}, []Edge{{"a", "b", -1}}, ErrNegativeWeight},
	}
	for _, tt := range tests {
		if _, err := New(tt.nodes, tt.edges); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestSelfLoopIsCycle(t *testing.T) {
	g := mustNew(t, []string{"a", "b"}, []Edge{{"a", "b", 1}, {"b", "b", 1}})
	if c := g.FindCycle(); !slices.Equal(c, []string{"b"}) {
		t.Errorf("FindCycle = %v, want [b]", c)
	}
}

func TestLongestPathOverflow(t *testing.T) {
	g := mustNew(t, []string{"a", "b", "c"}, []Edge{{"a", "b", 1 << 62}, {"b", "c", 1 << 62}})
	if _, err := g.LongestPath(); !errors.Is(err, ErrWeightOverflow) {
		t.Errorf("err = %v, want ErrWeightOverflow", err)
	}
}

func TestLexicographicInitial(t *testing.T) {
	// rustworkx-core's documented example: 0..8, initial {6, 7}, reverse.
	nodes := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8"}
	edges := []Edge{{"0", "1", 1}, {"0", "2", 1}, {"1", "3", 1}, {"2", "4", 1}, {"3", "4", 1},
		{"4", "5", 1}, {"5", "6", 1}, {"4", "7", 1}, {"6", "8", 1}, {"7", "8", 1}}
	g := mustNew(t, nodes, edges)
	tests := []struct {
		name string
		opts []LexOption
		want []string
		err  error
	}{
		{"rustworkx example: reverse from 6 and 7", []LexOption{Reverse(), Initial("6", "7")},
			[]string{"6", "5", "7", "4", "2", "3", "1", "0"}, nil},
		{"forward from 4: only what 4 dominates", []LexOption{Initial("4")},
			[]string{"4", "5", "6", "7", "8"}, nil},
		{"forward from 5: 8 also waits on 7, so it is left out", []LexOption{Initial("5")},
			[]string{"5", "6"}, nil},
		{"no initial reverse", []LexOption{Reverse()},
			[]string{"8", "6", "5", "7", "4", "2", "3", "1", "0"}, nil},
		{"should fail: 1 reaches 4", []LexOption{Initial("1", "4")}, nil, ErrBadInitial},
		{"should fail: unknown node", []LexOption{Initial("x")}, nil, ErrUnknownNode},
	}
	for _, tt := range tests {
		got, err := g.LexicographicOrder(tt.opts...)
		if !errors.Is(err, tt.err) || !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, %v; want %v, %v", tt.name, got, err, tt.want, tt.err)
		}
	}
}

func TestGonumView(t *testing.T) {
	g := mustNew(t, []string{"b", "a", "c"}, []Edge{{"a", "c", 2}, {"a", "b", 3}})
	a, _ := g.ID("a")
	var succ []string
	for it := g.From(a); it.Next(); {
		succ = append(succ, g.Name(it.Node().ID()))
	}
	if !slices.Equal(succ, []string{"b", "c"}) {
		t.Errorf("From(a) = %v, want [b c] in name order", succ)
	}
	s := g.Simple()
	if s.Nodes().Len() != 3 || s.Edges().Len() != 2 {
		t.Errorf("Simple has %d nodes %d edges", s.Nodes().Len(), s.Edges().Len())
	}
	c, _ := g.ID("c")
	if w, ok := s.Weight(a, c); !ok || w != 2 {
		t.Errorf("Simple weight a->c = %v, %v", w, ok)
	}
	if g.Edge(c, a) != nil || g.HasEdgeFromTo(c, a) || !g.HasEdgeBetween(c, a) {
		t.Error("edge direction mixed up")
	}
}

func randomGraph(t testing.TB, seed uint64, n, maxOut, window int, wmax int64) *Graph {
	t.Helper()
	nodes, edges := randomDAG(seed, n, maxOut, window, wmax)
	return mustNew(t, nodes, edges)
}

// TestLongestPathBruteForce enumerates every path of small graphs with tiny
// weights (many ties, zero weights included) and checks the length, the
// number of longest paths and the smallest-name-sequence tie-break.
func TestLongestPathBruteForce(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		nodes, edges := randomDAG(seed, 12, 3, 4, 2)
		for i := range edges {
			edges[i].Weight-- // weights 0 or 1
		}
		g := mustNew(t, nodes, edges)
		var (
			bestLen   int64 = -1
			bestPath  []string
			bestCount int64
		)
		var walk func(u int32, path []string, w int64)
		walk = func(u int32, path []string, w int64) {
			path = append(path, g.names[u])
			switch {
			case w > bestLen:
				bestLen, bestPath, bestCount = w, slices.Clone(path), 1
			case w == bestLen:
				bestCount++
				if slices.Compare(path, bestPath) < 0 {
					bestPath = slices.Clone(path)
				}
			}
			for e := g.outStart[u]; e < g.outStart[u+1]; e++ {
				walk(g.outTo[e], path, w+g.outW[e])
			}
		}
		for u := range g.names {
			walk(int32(u), nil, 0)
		}
		got, err := g.LongestPath()
		if err != nil {
			t.Fatal(err)
		}
		if got.Length != bestLen || got.Count != bestCount || !slices.Equal(got.Nodes, bestPath) {
			t.Fatalf("seed %d: got %+v, want length %d count %d path %v", seed, got, bestLen, bestCount, bestPath)
		}
	}
}

// TestConcurrentUse runs the analyses of one Graph from several goroutines;
// with -race it checks the shared, lazily computed order.
func TestConcurrentUse(t *testing.T) {
	g := randomGraph(t, 5, 500, 4, 20, 9)
	want := summarize(t, g)
	done := make(chan string, 4)
	for range 4 {
		go func() { done <- summarize(t, g) }()
	}
	for range 4 {
		if got := <-done; got != want {
			t.Fatal("concurrent analyses disagree")
		}
	}
}

package kernel

import (
	"cmp"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/topo"

	"github.com/deltaplan/deltaplan/internal/fixtures"
)

type fixtureIndex struct {
	Fixtures []struct {
		Name         string `json:"name"`
		GraphFile    string `json:"graph_file"`
		ExpectedFile string `json:"expected_file"`
		IsDAG        bool   `json:"is_dag"`
		Nodes        int    `json:"nodes"`
		Edges        int    `json:"edges"`
	} `json:"fixtures"`
}

type expectedPath struct {
	Length           int64      `json:"length"`
	NumLongestPaths  int64      `json:"num_longest_paths"`
	Unique           bool       `json:"unique"`
	Path             []string   `json:"path"`
	AllLongestPaths  [][]string `json:"all_longest_paths"`
	NodeCount        int        `json:"node_count"`
	NetworkxDagPath  []string   `json:"networkx_dag_longest_path"`
	NodesOnPathSoted []string   `json:"nodes_on_path"`
}

type expected struct {
	IsDAG         bool       `json:"is_dag"`
	ErrorExpected bool       `json:"error_expected"`
	CycleExample  [][]string `json:"cycle_example"`
	Reduction     *struct {
		Edges   [][3]any   `json:"edges"`
		Removed [][]string `json:"removed_edges"`
	} `json:"transitive_reduction"`
	Generations [][]string          `json:"topological_generations"`
	Lex         []string            `json:"lexicographical_topological_sort"`
	LexReverse  []string            `json:"lexicographical_topological_sort_reverse"`
	Weighted    *expectedPath       `json:"longest_path_weighted"`
	Unweighted  *expectedPath       `json:"longest_path_unweighted"`
	Ancestors   map[string][]string `json:"ancestors"`
	Descendants map[string][]string `json:"descendants"`
	Sources     []string            `json:"sources"`
	Sinks       []string            `json:"sinks"`
}

type fixture struct {
	name string
	g    *Graph
	want expected
}

func loadFixtures(t testing.TB) []fixture {
	t.Helper()
	dir := fixtures.Dir(t, "kernel")
	var idx fixtureIndex
	readJSONFile(t, filepath.Join(dir, "index.json"), &idx)
	if len(idx.Fixtures) < 17 {
		t.Fatalf("index.json lists %d fixtures, want at least 17", len(idx.Fixtures))
	}
	var out []fixture
	for _, f := range idx.Fixtures {
		data, err := os.ReadFile(filepath.Join(dir, f.GraphFile))
		if err != nil {
			t.Fatal(err)
		}
		g, err := ParseJSON(data)
		if err != nil {
			t.Fatalf("%s: %v", f.GraphFile, err)
		}
		if g.Len() != f.Nodes || g.NumEdges() != f.Edges {
			t.Fatalf("%s: %d nodes %d edges, index says %d %d", f.Name, g.Len(), g.NumEdges(), f.Nodes, f.Edges)
		}
		fx := fixture{name: f.Name, g: g}
		readJSONFile(t, filepath.Join(dir, f.ExpectedFile), &fx.want)
		out = append(out, fx)
	}
	return out
}

func readJSONFile(t testing.TB, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestFixtures(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		t.Run(fx.name, func(t *testing.T) {
			g, want := fx.g, fx.want
			if g.Acyclic() != want.IsDAG {
				t.Fatalf("Acyclic = %v, want %v", g.Acyclic(), want.IsDAG)
			}
			// gonum's own sort runs on our Graph and must agree on acyclicity.
			if _, err := topo.Sort(g); (err == nil) != want.IsDAG {
				t.Errorf("gonum topo.Sort err = %v, want DAG %v", err, want.IsDAG)
			}
			if want.ErrorExpected {
				checkCycleEverywhere(t, g, want)
				return
			}
			checkReduction(t, g, want)
			gens, err := g.Generations()
			if err != nil || !equalJSON(gens, want.Generations) {
				t.Errorf("Generations = %v, %v; want %v", gens, err, want.Generations)
			}
			lex, err := g.LexicographicOrder()
			if err != nil || !equalJSON(lex, want.Lex) {
				t.Errorf("LexicographicOrder = %v, %v; want %v", lex, err, want.Lex)
			}
			rev, err := g.LexicographicOrder(Reverse())
			if err != nil || !equalJSON(rev, want.LexReverse) {
				t.Errorf("LexicographicOrder(Reverse) = %v, %v; want %v", rev, err, want.LexReverse)
			}
			wp, err := g.LongestPath()
			checkPath(t, "weighted", g, wp, err, want.Weighted, false)
			up, err := g.LongestPathEdges()
			checkPath(t, "unweighted", g, up, err, want.Unweighted, true)
			for name, w := range want.Ancestors {
				if got, err := g.Ancestors(name); err != nil || !slices.Equal(got, w) {
					t.Errorf("Ancestors(%s) = %v, %v; want %v", name, got, err, w)
				}
			}
			for name, w := range want.Descendants {
				if got, err := g.Descendants(name); err != nil || !slices.Equal(got, w) {
					t.Errorf("Descendants(%s) = %v, %v; want %v", name, got, err, w)
				}
			}
			if got := g.Sources(); !equalJSON(got, want.Sources) {
				t.Errorf("Sources = %v, want %v", got, want.Sources)
			}
			if got := g.Sinks(); !equalJSON(got, want.Sinks) {
				t.Errorf("Sinks = %v, want %v", got, want.Sinks)
			}
		})
	}
}

// equalJSON compares through JSON so nil and empty lists agree.
func equalJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) == "null" {
		ja = []byte("[]")
	}
	if string(jb) == "null" {
		jb = []byte("[]")
	}
	return string(ja) == string(jb)
}

func checkCycleEverywhere(t *testing.T, g *Graph, want expected) {
	t.Helper()
	ops := map[string]func() error{
		"TransitiveReduction": func() error { _, err := g.TransitiveReduction(); return err },
		"Generations":         func() error { _, err := g.Generations(); return err },
		"LexicographicOrder":  func() error { _, err := g.LexicographicOrder(); return err },
		"Reverse":             func() error { _, err := g.LexicographicOrder(Reverse()); return err },
		"LongestPath":         func() error { _, err := g.LongestPath(); return err },
		"LongestPathEdges":    func() error { _, err := g.LongestPathEdges(); return err },
		"Signatures":          func() error { _, err := g.Signatures(nil); return err },
		"NewScheduler":        func() error { _, err := NewScheduler(g); return err },
	}
	for _, name := range sortedKeys(ops) {
		err := ops[name]()
		var ce *CycleError
		if !errors.Is(err, ErrCycle) || !errors.As(err, &ce) {
			t.Errorf("%s: err = %v, want a *CycleError", name, err)
		}
	}
	cycle := g.FindCycle()
	if len(cycle) == 0 {
		t.Fatal("FindCycle = nil on a cyclic graph")
	}
	for i, u := range cycle {
		v := cycle[(i+1)%len(cycle)]
		ui, _ := g.ID(u)
		vi, _ := g.ID(v)
		if !g.HasEdgeFromTo(ui, vi) {
			t.Errorf("cycle %v: no edge %s -> %s", cycle, u, v)
		}
	}
	var wantNodes []string
	for _, e := range want.CycleExample {
		wantNodes = append(wantNodes, e[0])
	}
	slices.Sort(wantNodes)
	got := slices.Sorted(slices.Values(cycle))
	if !slices.Equal(got, wantNodes) {
		t.Errorf("cycle nodes %v, want %v", got, wantNodes)
	}
}

func checkReduction(t *testing.T, g *Graph, want expected) {
	t.Helper()
	r, err := g.TransitiveReduction()
	if err != nil {
		t.Fatalf("TransitiveReduction: %v", err)
	}
	var got [][3]any
	for _, e := range r.Graph.EdgeList() {
		got = append(got, [3]any{e.From, e.To, e.Weight})
	}
	if !equalJSON(got, want.Reduction.Edges) {
		t.Errorf("reduction edges differ: got %d, want %d", len(got), len(want.Reduction.Edges))
	}
	var removed [][]string
	for _, e := range r.Removed() {
		removed = append(removed, []string{e.From, e.To})
	}
	if !equalJSON(removed, want.Reduction.Removed) {
		t.Errorf("removed edges = %v, want %v", removed, want.Reduction.Removed)
	}
	for i, e := range g.EdgeList() {
		kept, ok := r.Survives(e.From, e.To)
		if !ok || kept != r.Kept[i] {
			t.Errorf("Survives(%s, %s) = %v, %v; Kept[%d] = %v", e.From, e.To, kept, ok, i, r.Kept[i])
		}
	}
}

func checkPath(t *testing.T, label string, g *Graph, p Path, err error, want *expectedPath, unit bool) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", label, err)
	}
	if p.Length != want.Length {
		t.Errorf("%s: length %d, want %d", label, p.Length, want.Length)
	}
	if p.Count != want.NumLongestPaths || p.Tied != (want.NumLongestPaths > 1) || want.Unique != (want.NumLongestPaths == 1) {
		t.Errorf("%s: count %d tied %v, want %d (unique %v)", label, p.Count, p.Tied, want.NumLongestPaths, want.Unique)
	}
	if g.Len() == 0 {
		if len(p.Nodes) != 0 {
			t.Errorf("%s: empty graph path %v", label, p.Nodes)
		}
		return
	}
	if want.Unique && !slices.Equal(p.Nodes, want.Path) {
		t.Errorf("%s: path %v, want %v", label, p.Nodes, want.Path)
	}
	// The path is real and weighs Length.
	var sum int64
	for i := 0; i+1 < len(p.Nodes); i++ {
		u, _ := g.ID(p.Nodes[i])
		v, _ := g.ID(p.Nodes[i+1])
		w, ok := g.Weight(u, v)
		if !ok || u == v {
			t.Fatalf("%s: path %v has no edge %s -> %s", label, p.Nodes, p.Nodes[i], p.Nodes[i+1])
		}
		if unit {
			w = 1
		}
		sum += int64(w)
	}
	if sum != want.Length {
		t.Errorf("%s: path %v weighs %d, want %d", label, p.Nodes, sum, want.Length)
	}
	// Tie-break: the smallest name sequence, i.e. the first of the sorted list.
	if want.AllLongestPaths != nil && !slices.Equal(p.Nodes, want.AllLongestPaths[0]) {
		t.Errorf("%s: path %v, want the smallest tied path %v", label, p.Nodes, want.AllLongestPaths[0])
	}
}

// TestGonumStabilizedSortIsNotLexicographic records why the kernel has its
// own Kahn order: on lex_vs_dfs_trap gonum's DFS-stabilized sort, run on
// this very Graph, answers d a c b, while the lexicographic order is d a b c.
func TestGonumStabilizedSortIsNotLexicographic(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixtures.Dir(t, "kernel"), "lex_vs_dfs_trap.json"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := ParseJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	byName := func(nodes []graph.Node) {
		slices.SortFunc(nodes, func(a, b graph.Node) int { return cmp.Compare(g.Name(a.ID()), g.Name(b.ID())) })
	}
	sorted, err := topo.SortStabilized(g, byName)
	if err != nil {
		t.Fatal(err)
	}
	var dfs []string
	for _, n := range sorted {
		dfs = append(dfs, g.Name(n.ID()))
	}
	lex, _ := g.LexicographicOrder()
	if !slices.Equal(dfs, []string{"d", "a", "c", "b"}) || !slices.Equal(lex, []string{"d", "a", "b", "c"}) {
		t.Errorf("gonum SortStabilized %v, kernel %v", dfs, lex)
	}
}

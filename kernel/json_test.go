package kernel

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
)

func TestParseJSONErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
	}{
		{"should fail: not JSON", `{`, ErrFormat},
		{"should fail: missing nodes", `{"edges": []}`, ErrFormat},
		{"should fail: nodes not strings", `{"nodes": [1]}`, ErrFormat},
		{"should fail: edge too short", `{"nodes": ["a"], "edges": [["a"]]}`, ErrFormat},
		{"should fail: edge too long", `{"nodes": ["a","b"], "edges": [["a","b",1,2]]}`, ErrFormat},
		{"should fail: from not a string", `{"nodes": ["a"], "edges": [[1,"a"]]}`, ErrFormat},
		{"should fail: fractional weight", `{"nodes": ["a","b"], "edges": [["a","b",1.5]]}`, ErrFormat},
		{"should fail: string weight", `{"nodes": ["a","b"], "edges": [["a","b","1"]]}`, ErrFormat},
		{"should fail: trailing data", `{"nodes": []} {}`, ErrFormat},
		{"should fail: unknown node", `{"nodes": ["a"], "edges": [["a","b"]]}`, ErrUnknownNode},
		{"should fail: negative weight", `{"nodes": ["a","b"], "edges": [["a","b",-2]]}`, ErrNegativeWeight},
		{"should pass: default weight, no edges key", `{"nodes": ["a"]}`, nil},
		{"should pass: integral float weight", `{"nodes": ["a","b"], "edges": [["a","b",2e3]]}`, nil},
	}
	for _, tt := range tests {
		if _, err := ParseJSON([]byte(tt.in)); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	g, err := ParseJSON([]byte(`{"nodes": ["b","a"], "edges": [["a","b"]]}`))
	if err != nil || !slices.Equal(g.EdgeList(), []Edge{{"a", "b", DefaultWeight}}) {
		t.Errorf("default weight: %v %v", g.EdgeList(), err)
	}
}

// encodeJSON writes a graph back in the input format.
func encodeJSON(g *Graph) []byte {
	doc := struct {
		Nodes []string `json:"nodes"`
		Edges [][3]any `json:"edges"`
	}{Nodes: g.Names(), Edges: [][3]any{}}
	for _, e := range g.EdgeList() {
		doc.Edges = append(doc.Edges, [3]any{e.From, e.To, e.Weight})
	}
	b, _ := json.Marshal(doc)
	return b
}

func FuzzParseJSON(f *testing.F) {
	dir := fixtures.Dir(f, "kernel")
	for _, name := range []string{"diamond", "cyclic", "empty", "zero_weight_tie", "lex_vs_dfs_trap"} {
		data, err := os.ReadFile(filepath.Join(dir, name+".json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"nodes": ["a","b"], "edges": [["a","b"],["b","a",0]]}`))
	f.Add([]byte(`{"nodes": ["a"], "edges": [["a","a",1e30]]}`))
	f.Add([]byte(`{"x": [1, {"y": null}], "nodes": ["\u00e9", "b\\"], "edges": [["\u00e9", "b\\", 1e2]]}`))
	f.Add([]byte("{\"nodes\": [\"\xff\"]}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ParseJSON(data)
		// The fast scanner and plain encoding/json agree on what parses and
		// on the result.
		refNodes, refEdges, refErr := parseJSONReference(data)
		var refGraph *Graph
		if refErr == nil {
			refGraph, refErr = New(refNodes, refEdges)
		}
		if (err == nil) != (refErr == nil) {
			t.Fatalf("scanner err %v, encoding/json err %v", err, refErr)
		}
		if err != nil {
			return
		}
		if !slices.Equal(g.Names(), refGraph.Names()) || !slices.Equal(g.EdgeList(), refGraph.EdgeList()) {
			t.Fatal("scanner and encoding/json decode different graphs")
		}
		// Whatever parses round-trips and analyses without panicking.
		g2, err := ParseJSON(encodeJSON(g))
		if err != nil {
			t.Fatalf("round trip: %v", err)
		}
		if !slices.Equal(g.EdgeList(), g2.EdgeList()) || !slices.Equal(g.Names(), g2.Names()) {
			t.Fatal("round trip changed the graph")
		}
		s1, err1 := g.Signatures(nil)
		s2, err2 := g2.Signatures(nil)
		if (err1 == nil) != (err2 == nil) || s1 != s2 {
			t.Fatalf("round trip changed signatures: %v %v", err1, err2)
		}
		if g.Acyclic() {
			if _, err := g.LongestPath(); err != nil && !errors.Is(err, ErrWeightOverflow) {
				t.Fatal(err)
			}
			if _, err := g.Generations(); err != nil {
				t.Fatal(err)
			}
		} else if len(g.FindCycle()) == 0 {
			t.Fatal("cyclic graph without a cycle witness")
		}
	})
}

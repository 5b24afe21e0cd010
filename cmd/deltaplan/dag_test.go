package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
)

// dagExpected holds the fixture answers the dag command must reproduce.
type dagExpected struct {
	Reduction struct {
		Edges [][]any `json:"edges"`
	} `json:"transitive_reduction"`
	Generations [][]string `json:"topological_generations"`
	Lex         []string   `json:"lexicographical_topological_sort"`
	Weighted    struct {
		Length          int64      `json:"length"`
		Unique          bool       `json:"unique"`
		Path            []string   `json:"path"`
		AllLongestPaths [][]string `json:"all_longest_paths"`
	} `json:"longest_path_weighted"`
}

func TestDAGMatchesFixtures(t *testing.T) {
	dir := fixtures.Dir(t, "kernel")
	for _, name := range []string{"diamond", "ties_equal_paths", "zero_weight_tie", "lex_vs_dfs_trap", "single_node", "empty", "random_500", "random_5000_w9"} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "dag", "--json", filepath.Join(dir, name+".json"))
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var got dagOutput
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("output is not the contract JSON: %v", err)
			}
			var want dagExpected
			data, err := os.ReadFile(filepath.Join(dir, name+".expected.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			if !got.Acyclic {
				t.Error("acyclic = false")
			}
			var red [][2]string
			for _, e := range want.Reduction.Edges {
				red = append(red, [2]string{e[0].(string), e[1].(string)})
			}
			if len(red) != len(got.TransitiveReduction) || (len(red) > 0 && !slices.Equal(red, got.TransitiveReduction)) {
				t.Errorf("transitive_reduction: got %d edges, want %d", len(got.TransitiveReduction), len(red))
			}
			if len(want.Generations) != len(got.Generations) {
				t.Errorf("generations: got %d, want %d", len(got.Generations), len(want.Generations))
			}
			for i := range min(len(want.Generations), len(got.Generations)) {
				if !slices.Equal(got.Generations[i], want.Generations[i]) {
					t.Errorf("generation %d: got %v, want %v", i, got.Generations[i], want.Generations[i])
				}
			}
			if !slices.Equal(got.LexicographicOrder, want.Lex) {
				t.Errorf("lexicographic_order differs")
			}
			if got.LongestPath.Length != want.Weighted.Length {
				t.Errorf("longest_path.length = %d, want %d", got.LongestPath.Length, want.Weighted.Length)
			}
			switch {
			case want.Weighted.Unique && !slices.Equal(got.LongestPath.Nodes, want.Weighted.Path):
				t.Errorf("longest_path.nodes = %v, want %v", got.LongestPath.Nodes, want.Weighted.Path)
			case !want.Weighted.Unique && len(want.Weighted.AllLongestPaths) > 0 &&
				!slices.Equal(got.LongestPath.Nodes, want.Weighted.AllLongestPaths[0]):
				t.Errorf("tie: longest_path.nodes = %v, want the smallest %v", got.LongestPath.Nodes, want.Weighted.AllLongestPaths[0])
			}
			if got.LongestPath.Tied == want.Weighted.Unique && name != "empty" {
				t.Errorf("tied = %v, unique = %v", got.LongestPath.Tied, want.Weighted.Unique)
			}
			for _, s := range []string{got.Signature.Full, got.Signature.Reduced} {
				if !strings.HasPrefix(s, "sha256:") || len(s) != len("sha256:")+64 {
					t.Errorf("signature %q is not sha256:<64 hex>", s)
				}
			}
			// The same graph again gives byte-identical output.
			if _, again, _ := runCLI(t, "dag", "--json", filepath.Join(dir, name+".json")); again != stdout {
				t.Error("output differs between runs")
			}
		})
	}
}

func TestDAGErrors(t *testing.T) {
	dir := fixtures.Dir(t, "kernel")
	tmp := t.TempDir()
	bad := filepath.Join(tmp, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"nodes": ["a"], "edges": [["a", "zz", 1]]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		inStderr []string
	}{
		{"cycle names its nodes", []string{"dag", "--json", filepath.Join(dir, "cyclic.json")}, exitBad,
			[]string{"cyclic.json", "cycle", "a -> b -> c -> a"}},
		{"missing file", []string{"dag", filepath.Join(tmp, "nope.json")}, exitBad, []string{"nope.json"}},
		{"unknown node", []string{"dag", bad}, exitBad, []string{"bad.json", `"zz"`, "unknown node"}},
		{"no argument", []string{"dag"}, exitUsage, nil},
		{"bad flag", []string{"dag", "--frobnicate", bad}, exitUsage, nil},
	}
	for _, tt := range tests {
		code, _, stderr := runCLI(t, tt.args...)
		if code != tt.code {
			t.Errorf("%s: exit %d, want %d (stderr %q)", tt.name, code, tt.code, stderr)
		}
		for _, s := range tt.inStderr {
			if !strings.Contains(stderr, s) {
				t.Errorf("%s: stderr %q lacks %q", tt.name, stderr, s)
			}
		}
	}
	// With --json a cycle also prints the witness on stdout.
	_, stdout, _ := runCLI(t, "dag", "--json", filepath.Join(dir, "cyclic.json"))
	var c dagCycle
	if err := json.Unmarshal([]byte(stdout), &c); err != nil || c.Acyclic || len(c.Cycle) != 3 {
		t.Errorf("cycle JSON %q: %v", stdout, err)
	}
}

func TestDAGTextAndNodeLink(t *testing.T) {
	dir := fixtures.Dir(t, "kernel")
	code, stdout, stderr := runCLI(t, "dag", filepath.Join(dir, "diamond.json"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, s := range []string{"nodes 4, edges 4, acyclic", "1: b c", "lexicographic order: a b c d", "longest path: length 6: a -> b -> d"} {
		if !strings.Contains(stdout, s) {
			t.Errorf("text output lacks %q:\n%s", s, stdout)
		}
	}
	code, stdout, _ = runCLI(t, "dag", "--node-link", filepath.Join(dir, "diamond.json"))
	var nl struct {
		Directed bool `json:"directed"`
		Nodes    []struct {
			ID   int               `json:"id"`
			Data map[string]string `json:"data"`
		} `json:"nodes"`
		Links []struct {
			Source, Target int
			Data           map[string]string `json:"data"`
		} `json:"links"`
	}
	if err := json.Unmarshal([]byte(stdout), &nl); err != nil || code != exitOK {
		t.Fatalf("node-link: exit %d, %v", code, err)
	}
	if !nl.Directed || len(nl.Nodes) != 4 || len(nl.Links) != 4 || nl.Nodes[3].Data["name"] != "d" || nl.Links[0].Data["weight"] != "2" {
		t.Errorf("node-link output wrong: %s", stdout)
	}
}

package lineage

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// TestGolden: hand-built plans (testdata/plans) cover every relation kind
// and every expression kind; their lineage must equal testdata/golden.
//
//	logical_relations:  read (nested schema, mask, filter, best-effort filter),
//	                    filter, project+emit, fetch, sort, aggregate (grouping
//	                    sets, measure filter), left join
//	physical_relations: hash/merge/nested-loop joins, exchange, window, set,
//	                    expand
//	reference:          shared subtree through plan relations, cross
//	extensions_write:   extension single/multi/leaf, write, ddl, update,
//	                    local files, virtual table, unknown Any payloads
//	expressions:        if-then, switch, singular/multi-or-list, cast, struct/
//	                    list/map segments, decimal and timestamp literals,
//	                    nested literals, window function, all four subquery
//	                    kinds with outer references, retired extensionUris,
//	                    JOIN_TYPE_SEMI
func TestGolden(t *testing.T) {
	plans, err := filepath.Glob("testdata/plans/*.json")
	if err != nil || len(plans) < 5 {
		t.Fatalf("hand-built plans missing: %v %v", plans, err)
	}
	for _, path := range plans {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(name, func(t *testing.T) {
			l := analyzeFile(t, path)
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			if err := enc.Encode(l.JSON()); err != nil {
				t.Fatal(err)
			}
			buf.WriteString(l.String())
			golden := filepath.Join("testdata", "golden", name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("lineage of %s differs from %s\n got:\n%s\nwant:\n%s", path, golden, buf.Bytes(), want)
			}
		})
	}
}

// TestGoldenRelationCoverage guards the claim above: together the
// hand-built plans contain every relation kind the walker knows.
func TestGoldenRelationCoverage(t *testing.T) {
	seen := map[string]bool{}
	plans, _ := filepath.Glob("testdata/plans/*.json")
	for _, path := range plans {
		for k := range analyzeFile(t, path).Relations {
			seen[k] = true
		}
	}
	for _, k := range []string{"read", "filter", "fetch", "aggregate", "sort", "join", "project", "set",
		"extension_single", "extension_multi", "extension_leaf", "cross", "reference", "write", "ddl",
		"update", "hash_join", "merge_join", "nested_loop_join", "window", "exchange", "expand"} {
		if !seen[k] {
			t.Errorf("no hand-built plan has a %s relation", k)
		}
	}
}

package planbundle

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/lineage"
)

// TestDiffGolden: diff shows what changed inside each component, classified.
// Goldens: testdata/diff/<case>.golden (text lines, then the JSON).
func TestDiffGolden(t *testing.T) {
	rev, join := string(revenuePlan(t)), string(joinPlan(t))
	top := string(readFile(t, filepath.Join(fixtures.RepoRoot(t), "testdata", "example", "plans", "top_eu_orders.json")))
	sales := []Table{{Name: "sales", Location: salesDir(t)}}
	both := []Table{{Name: "sales", Location: salesDir(t)}, {Name: "letters", Location: lettersDir(t)}}
	tests := []struct {
		name          string
		before, after Inputs
	}{
		{"literal", Inputs{Plan: []byte(rev), Tables: sales},
			Inputs{Plan: []byte(replaceOnce(t, rev, `{"date": 19845}`, `{"date": 19846}`)), Tables: sales}},
		{"join_key", Inputs{Plan: []byte(join), Tables: both},
			Inputs{Plan: []byte(replaceOnce(t, join, `{"field": 0}}, "rootReference": {}}}},
            {"value": {"selection": {"directReference": {"structField": {"field": 7}}`, `{"field": 4}}, "rootReference": {}}}},
            {"value": {"selection": {"directReference": {"structField": {"field": 7}}`)), Tables: both}},
		{"changed_function", Inputs{Plan: []byte(rev), Tables: sales},
			Inputs{Plan: []byte(replaceOnce(t, rev, `"sum:dec"`, `"avg:dec"`)), Tables: sales}},
		{"added_projection", Inputs{Plan: []byte(top), Tables: sales},
			Inputs{Plan: []byte(addProjection(t, top)), Tables: sales}},
		// Version 2 of sales removes an NA file and adds its rewrite; the
		// join reads sales unfiltered.
		{"remove_add_commit", Inputs{Plan: []byte(join), Tables: []Table{{Name: "sales", Location: salesDir(t), Version: version(1)}, both[1]}},
			Inputs{Plan: []byte(join), Tables: []Table{{Name: "sales", Location: salesDir(t), Version: version(2)}, both[1]}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := mustBuild(t, tc.before), mustBuild(t, tc.after)
			res, err := Diff(a, b)
			if err != nil {
				t.Fatal(err)
			}
			if res.Same {
				t.Fatal("diff says same")
			}
			js, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(res.Lines(), "\n") + "\n\n" + string(js) + "\n"
			path := filepath.Join("testdata", "diff", tc.name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./planbundle -run TestDiffGolden -update)", err)
			}
			if got != string(want) {
				t.Fatalf("%s differs (run -update and review):\ngot:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
}

// addProjection adds quantity as a second projected expression of
// top_eu_orders, emitted and named at the root: a pure added column.
func addProjection(t *testing.T, plan string) string {
	t.Helper()
	plan = replaceOnce(t, plan, `"names": ["order_id", "amount_eur"]`, `"names": ["order_id", "amount_eur", "quantity"]`)
	plan = replaceOnce(t, plan, `"outputMapping": [0, 6]`, `"outputMapping": [0, 6, 7]`)
	return replaceOnce(t, plan, `              {"value": {"literal": {"string": "EUR"}}}
            ]
          }}],`, `              {"value": {"literal": {"string": "EUR"}}}
            ]
          }},
          {"selection": {"directReference": {"structField": {"field": 4}}, "rootReference": {}}}],`)
}

// TestDescribePathsMatchRelations: every relation lineage.Describe renders
// is a relation of identity.PlanRelations (the two walks agree on paths),
// over the TPC-H corpus and the example plans.
func TestDescribePathsMatchRelations(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(fixtures.Dir(t, "substrait"), "isthmus", "integration-tpch-q*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no TPC-H plans: %v", err)
	}
	more, _ := filepath.Glob(filepath.Join(fixtures.RepoRoot(t), "testdata", "example", "plans", "*.json"))
	files = append(files, more...)
	for _, f := range files {
		prep, err := Prepare(readFile(t, f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		described := 0
		for _, r := range prep.relations {
			if r.Detail != nil {
				described++
			}
		}
		want := len(lineage.Describe(prep.plan))
		if described != want || want == 0 {
			t.Errorf("%s: %d of %d described relations matched a relation path", filepath.Base(f), described, want)
		}
	}
}

package planbundle

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/lineage"
	"github.com/deltaplan/deltaplan/session"
)

// reshape rewrites a plan JSON through generic JSON values.
func reshape(tb testing.TB, plan []byte, f func(m map[string]any)) []byte {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(plan, &m); err != nil {
		tb.Fatal(err)
	}
	f(m)
	out, err := json.MarshalIndent(m, "", "\t")
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// renumber shifts every anchor and reference of one kind by delta.
func renumber(plan []byte, delta int, keys ...string) []byte {
	for _, k := range keys {
		re := regexp.MustCompile(`"` + k + `":\s*(\d+)`)
		plan = re.ReplaceAllFunc(plan, func(b []byte) []byte {
			n, _ := strconv.Atoi(string(re.FindSubmatch(b)[1]))
			return []byte(fmt.Sprintf(`"%s": %d`, k, n+delta))
		})
	}
	return plan
}

// TestReproducible: every variant below is the same plan, session and table
// versions, so it must give one signature.
func TestReproducible(t *testing.T) {
	for _, tc := range []struct {
		name string
		plan func(tb testing.TB) []byte
	}{{"revenue_by_region", revenuePlan}, {"sales_join_letters", joinPlan}} {
		t.Run(tc.name, func(t *testing.T) {
			plan := tc.plan(t)
			tables := []Table{{Name: "sales", Location: salesDir(t)}, {Name: "letters", Location: lettersDir(t)}}
			if tc.name == "revenue_by_region" {
				tables = tables[:1]
			}
			base := mustBuild(t, Inputs{Plan: plan, Tables: tables, Session: exampleSession(t)})

			decoded, err := lineage.Decode(plan)
			if err != nil {
				t.Fatal(err)
			}
			binary, err := proto.Marshal(decoded.Proto)
			if err != nil {
				t.Fatal(err)
			}
			copied := t.TempDir()
			copyDir(t, salesDir(t), filepath.Join(copied, "sales"))
			copyDir(t, lettersDir(t), filepath.Join(copied, "letters"))
			copiedTables := []Table{{Name: "sales", Location: filepath.Join(copied, "sales")}, {Name: "letters", Location: "file://" + filepath.Join(copied, "letters")}}[:len(tables)]
			reversed := slices.Clone(tables)
			slices.Reverse(reversed)
			upper := slices.Clone(tables)
			for i := range upper {
				upper[i].Name = strings.ToUpper(upper[i].Name)
			}
			sessionFromGo, err := session.New(session.Spec{
				Settings: map[string]string{"spark.sql.shuffle.partitions": "64", "spark.sql.session.timeZone": "UTC", "spark.sql.ansi.enabled": "true"},
				UDFs: []session.UDF{{Name: "fx_convert", Signature: "(amount decimal(12,2), currency string) -> decimal(18,2)",
					ImplementationDigest: "sha256:5f2b7a3c9e1d4f6a8b0c2e4d6f8a1b3c5e7d9f0a2c4e6b8d1f3a5c7e9b0d2f4a"}},
				RewriteTags: []string{"join:broadcast_hash", "ansi_decimal_rounding", "aggregate:partial_final"},
				Planners:    []string{"scan_pushdown", "cbo"},
			})
			if err != nil {
				t.Fatal(err)
			}
			variants := []struct {
				name string
				in   Inputs
			}{
				{"protobuf binary", Inputs{Plan: binary}},
				{"renumbered function and URN anchors", Inputs{Plan: renumber(renumber(plan, 40, "functionAnchor", "functionReference"), 7, "extensionUrnAnchor", "extensionUrnReference")}},
				{"shuffled extension declarations", Inputs{Plan: reshape(t, plan, func(m map[string]any) {
					for _, k := range []string{"extensions", "extensionUrns"} {
						l := m[k].([]any)
						slices.Reverse(l)
					}
				})}},
				{"other producer string", Inputs{Plan: reshape(t, plan, func(m map[string]any) {
					m["version"].(map[string]any)["producer"] = "another-producer 9.9"
				})}},
				{"tables copied elsewhere", Inputs{Tables: copiedTables}},
				{"tables in another order", Inputs{Tables: reversed}},
				{"table names in another case", Inputs{Tables: upper}},
				{"session built in Go", Inputs{Session: sessionFromGo}},
			}
			for _, v := range variants {
				t.Run(v.name, func(t *testing.T) {
					in := Inputs{Plan: plan, Tables: tables, Session: exampleSession(t)}
					if v.in.Plan != nil {
						in.Plan = v.in.Plan
					}
					if v.in.Tables != nil {
						in.Tables = v.in.Tables
					}
					if v.in.Session != nil {
						in.Session = v.in.Session
					}
					got := mustBuild(t, in)
					if got.Signature != base.Signature {
						t.Fatalf("signature %s, want %s\ncomponents %+v\nwant       %+v", got.Signature, base.Signature, got.Components, base.Components)
					}
				})
			}
		})
	}
}

const childEnv = "DELTAPLAN_PLANBUNDLE_CHILD"

// TestSecondProcess: another process (its own map seeds and memory layout)
// computes the same signatures.
func TestSecondProcess(t *testing.T) {
	sigs := func() string {
		a := mustBuild(t, Inputs{Plan: revenuePlan(t), Tables: []Table{{Name: "sales", Location: salesDir(t)}}, Session: exampleSession(t)})
		b := mustBuild(t, Inputs{Plan: joinPlan(t), Tables: []Table{{Name: "sales", Location: salesDir(t)}, {Name: "letters", Location: lettersDir(t)}}})
		return a.Signature.String() + "\n" + b.Signature.String() + "\n"
	}
	if os.Getenv(childEnv) == "1" {
		fmt.Print("BEGIN\n" + sigs() + "END\n")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSecondProcess$")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child process: %v\n%s", err, out)
	}
	s := string(out)
	start, end := strings.Index(s, "BEGIN\n"), strings.Index(s, "END\n")
	if start < 0 || end < start {
		t.Fatalf("child output: %s", s)
	}
	if got, want := s[start+len("BEGIN\n"):end], sigs(); got != want {
		t.Fatalf("second process:\n%s\nthis process:\n%s", got, want)
	}
}

// recreatedLetters is a copy of the letters table whose metadata id differs:
// the same schema and files, another table.
func recreatedLetters(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "letters")
	copyDir(t, lettersDir(t), dir)
	first := filepath.Join(dir, "_delta_log", "00000000000000000000.json")
	data := readFile(t, first)
	const id = "ced0baf6-aa13-4871-af26-91e6e2787052"
	if !strings.Contains(string(data), id) {
		t.Fatalf("%s: metadata id %s not found", first, id)
	}
	if err := os.WriteFile(first, []byte(strings.Replace(string(data), id, "0000baf6-aa13-4871-af26-91e6e2787052", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestMutations: each semantic change gives a new signature, and Diff names
// the component (and for the plan, the relation path) that changed.
func TestMutations(t *testing.T) {
	rev, join := string(revenuePlan(t)), string(joinPlan(t))
	top := string(readFile(t, filepath.Join(fixtures.RepoRoot(t), "testdata", "example", "plans", "top_eu_orders.json")))
	salesOnly := []Table{{Name: "sales", Location: salesDir(t)}}
	both := []Table{{Name: "sales", Location: salesDir(t)}, {Name: "letters", Location: lettersDir(t)}}
	spec := func(edit func(*session.Spec)) *session.Runtime {
		s := session.Spec{
			Settings:    map[string]string{"spark.sql.ansi.enabled": "true"},
			UDFs:        []session.UDF{{Name: "fx_convert", Signature: "dec,str", ImplementationDigest: "sha256:aaaa"}},
			RewriteTags: []string{"ansi_decimal_rounding"},
		}
		if edit != nil {
			edit(&s)
		}
		rt, err := session.New(s)
		if err != nil {
			t.Fatal(err)
		}
		return rt
	}
	tests := []struct {
		name          string
		before, after Inputs
		component     string
		path          string
	}{
		{"changed literal: the filter's date bound",
			Inputs{Plan: []byte(rev), Tables: salesOnly},
			Inputs{Plan: []byte(replaceOnce(t, rev, `{"date": 19845}`, `{"date": 19846}`)), Tables: salesOnly},
			"plan", "root.aggregate.filter"},
		{"changed column reference: sum(quantity) instead of sum(amount)",
			Inputs{Plan: []byte(rev), Tables: salesOnly},
			Inputs{Plan: []byte(replaceOnce(t, rev, `"structField": {"field": 3}`, `"structField": {"field": 4}`)), Tables: salesOnly},
			"plan", "root.aggregate"},
		{"changed function: avg instead of sum",
			Inputs{Plan: []byte(rev), Tables: salesOnly},
			Inputs{Plan: []byte(replaceOnce(t, rev, `"sum:dec"`, `"avg:dec"`)), Tables: salesOnly},
			"plan", "root.aggregate"},
		{"changed join type: left instead of inner",
			Inputs{Plan: []byte(join), Tables: both},
			Inputs{Plan: []byte(replaceOnce(t, join, `"JOIN_TYPE_INNER"`, `"JOIN_TYPE_LEFT"`)), Tables: both},
			"plan", "root.aggregate.join"},
		{"changed setting",
			Inputs{Plan: []byte(rev), Tables: salesOnly, Session: spec(nil)},
			Inputs{Plan: []byte(rev), Tables: salesOnly, Session: spec(func(s *session.Spec) { s.Settings["spark.sql.ansi.enabled"] = "false" })},
			"setting", "spark.sql.ansi.enabled"},
		{"changed implementation digest of a UDF the plan calls",
			Inputs{Plan: []byte(top), Tables: salesOnly, Session: spec(nil)},
			Inputs{Plan: []byte(top), Tables: salesOnly, Session: spec(func(s *session.Spec) { s.UDFs[0].ImplementationDigest = "sha256:bbbb" })},
			"udf", "fx_convert(dec,str)"},
		{"added overload of a UDF the plan calls",
			Inputs{Plan: []byte(top), Tables: salesOnly, Session: spec(nil)},
			Inputs{Plan: []byte(top), Tables: salesOnly, Session: spec(func(s *session.Spec) {
				s.UDFs = append(s.UDFs, session.UDF{Name: "fx_convert", Signature: "dbl,str", ImplementationDigest: "sha256:cccc"})
			})},
			"udf", "fx_convert(dbl,str)"},
		{"added rewrite tag scoped to a relation kind the plan has",
			Inputs{Plan: []byte(join), Tables: both, Session: spec(nil)},
			Inputs{Plan: []byte(join), Tables: both, Session: spec(func(s *session.Spec) { s.RewriteTags = append(s.RewriteTags, "join:broadcast_hash") })},
			"rewrite_tag", "join:broadcast_hash"},
		{"added rewrite tag scoped to a function the plan calls",
			Inputs{Plan: []byte(rev), Tables: salesOnly, Session: spec(nil)},
			Inputs{Plan: []byte(rev), Tables: salesOnly, Session: spec(func(s *session.Spec) { s.RewriteTags = append(s.RewriteTags, "sum:kahan") })},
			"rewrite_tag", "sum:kahan"},
		{"added global rewrite tag",
			Inputs{Plan: []byte(rev), Tables: salesOnly, Session: spec(nil)},
			Inputs{Plan: []byte(rev), Tables: salesOnly, Session: spec(func(s *session.Spec) { s.RewriteTags = append(s.RewriteTags, "no_cse") })},
			"rewrite_tag", "no_cse"},
		{"added planner",
			Inputs{Plan: []byte(rev), Tables: salesOnly, Session: spec(nil)},
			Inputs{Plan: []byte(rev), Tables: salesOnly, Session: spec(func(s *session.Spec) { s.Planners = []string{"cbo"} })},
			"planner", "cbo"},
		{"added setting no plan mentions (settings are never attributed)",
			Inputs{Plan: []byte(rev), Tables: salesOnly, Session: spec(nil)},
			Inputs{Plan: []byte(rev), Tables: salesOnly, Session: spec(func(s *session.Spec) { s.Settings["spark.sql.shuffle.partitions"] = "8" })},
			"setting", "spark.sql.shuffle.partitions"},
		{"Delta version moved",
			Inputs{Plan: []byte(rev), Tables: salesOnly},
			Inputs{Plan: []byte(rev), Tables: []Table{{Name: "sales", Location: salesDir(t), Version: version(3)}}},
			"delta_pin", "sales"},
		{"other table behind the same name (table id)",
			Inputs{Plan: []byte(join), Tables: both},
			Inputs{Plan: []byte(join), Tables: []Table{{Name: "sales", Location: salesDir(t)}, {Name: "letters", Location: recreatedLetters(t)}}},
			"delta_pin", "default.letters.table_id"},
		{"smaller scan units",
			Inputs{Plan: []byte(join), Tables: both},
			Inputs{Plan: []byte(join), Tables: both, TargetBytes: 1},
			"scan_units_digest", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := mustBuild(t, tc.before), mustBuild(t, tc.after)
			if a.Signature == b.Signature {
				t.Fatalf("same signature %s after the change", a.Signature)
			}
			res, err := Diff(a, b)
			if err != nil {
				t.Fatal(err)
			}
			if res.Same {
				t.Fatal("Diff says same")
			}
			for _, c := range res.Changes {
				if c.Component == tc.component && c.Path == tc.path {
					return
				}
			}
			t.Fatalf("changes %v do not name %s %q", res.Changes, tc.component, tc.path)
		})
	}
}

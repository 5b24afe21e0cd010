package planbundle

import (
	"path/filepath"
	"testing"

	"github.com/deltaplan/deltaplan/identity"
	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/session"
)

// TestRelevance: the signature moves only when the plan's result can. A
// change the plan cannot see keeps the signature, still shows in
// runtime_hash, and diff lists it with impact "none" and says same.
func TestRelevance(t *testing.T) {
	rev := revenuePlan(t)
	top := readFile(t, filepath.Join(fixtures.RepoRoot(t), "testdata", "example", "plans", "top_eu_orders.json"))
	sales := []Table{{Name: "sales", Location: salesDir(t)}}
	rt := func(edit func(*session.Spec)) *session.Runtime {
		s := session.Spec{
			Settings:    map[string]string{"spark.sql.ansi.enabled": "true"},
			UDFs:        []session.UDF{{Name: "fx_convert", Signature: "dec,str", ImplementationDigest: "sha256:aaaa"}},
			RewriteTags: []string{"ansi_decimal_rounding"},
		}
		if edit != nil {
			edit(&s)
		}
		r, err := session.New(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	tests := []struct {
		name      string
		plan      []byte
		edit      func(*session.Spec)
		moves     bool
		component string // the change diff lists
		path      string
	}{
		{"unused UDF: revenue_by_region never calls fx_convert", rev,
			func(s *session.Spec) { s.UDFs[0].ImplementationDigest = "sha256:bbbb" }, false, "udf", "fx_convert(dec,str)"},
		{"unused UDF added", rev,
			func(s *session.Spec) {
				s.UDFs = append(s.UDFs, session.UDF{Name: "normalize_sku", ImplementationDigest: "sha256:1"})
			}, false, "udf", "normalize_sku()"},
		{"unused scoped tag: join:sort_merge on a plan with no join", rev,
			func(s *session.Spec) { s.RewriteTags = append(s.RewriteTags, "join:sort_merge") }, false, "rewrite_tag", "join:sort_merge"},
		{"unused function-scoped tag: like:ascii_fast on a plan without like", rev,
			func(s *session.Spec) { s.RewriteTags = append(s.RewriteTags, "like:ascii_fast") }, false, "rewrite_tag", "like:ascii_fast"},
		{"used UDF: top_eu_orders calls fx_convert", top,
			func(s *session.Spec) { s.UDFs[0].ImplementationDigest = "sha256:bbbb" }, true, "udf", "fx_convert(dec,str)"},
		{"setting: never attributed, always signed", rev,
			func(s *session.Spec) { s.Settings["spark.sql.ansi.enabled"] = "false" }, true, "setting", "spark.sql.ansi.enabled"},
		{"scoped tag that applies: aggregate:partial_final on an aggregate", rev,
			func(s *session.Spec) { s.RewriteTags = append(s.RewriteTags, "aggregate:partial_final") }, true, "rewrite_tag", "aggregate:partial_final"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := mustBuild(t, Inputs{Plan: tc.plan, Tables: sales, Session: rt(nil)})
			b := mustBuild(t, Inputs{Plan: tc.plan, Tables: sales, Session: rt(tc.edit)})
			if a.Components.RuntimeHash == b.Components.RuntimeHash {
				t.Fatal("runtime_hash must still tell the two sessions apart")
			}
			if moved := a.Signature != b.Signature; moved != tc.moves {
				t.Fatalf("signature moved = %v, want %v", moved, tc.moves)
			}
			res, err := Diff(a, b)
			if err != nil {
				t.Fatal(err)
			}
			if res.Same == tc.moves {
				t.Fatalf("diff same = %v with signature moved = %v: %v", res.Same, tc.moves, res.Changes)
			}
			wantImpact := identity.ImpactNone
			if tc.moves {
				wantImpact = identity.ImpactBreaking
			}
			for _, c := range res.Changes {
				if c.Component == tc.component && c.Path == tc.path {
					if c.Impact != wantImpact || c.Kind != identity.KindCode {
						t.Fatalf("%s classified %s/%s, want code/%s", c, c.Kind, c.Impact, wantImpact)
					}
					return
				}
			}
			t.Fatalf("changes %v do not name %s %q", res.Changes, tc.component, tc.path)
		})
	}
}

// TestDiffCalledUDF: with one session, a plan that starts calling a UDF
// moves the signature and diff names the UDF (aspect "called").
func TestDiffCalledUDF(t *testing.T) {
	rt := exampleSession(t)
	sales := []Table{{Name: "sales", Location: salesDir(t)}}
	top := readFile(t, filepath.Join(fixtures.RepoRoot(t), "testdata", "example", "plans", "top_eu_orders.json"))
	renamed := replaceOnce(t, string(top), `"name": "fx_convert:dec_str"`, `"name": "fx_convert_v0:dec_str"`)
	a := mustBuild(t, Inputs{Plan: []byte(renamed), Tables: sales, Session: rt})
	b := mustBuild(t, Inputs{Plan: top, Tables: sales, Session: rt})
	res, err := Diff(a, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Changes {
		if c.Component == "udf_snapshot_hash" {
			t.Fatalf("udf_snapshot_hash left unexplained: %v", res.Changes)
		}
		if c.Component == "udf" && c.Aspect == "called" && c.Before == nil && c.After != nil && c.Impact == identity.ImpactBreaking {
			return
		}
	}
	t.Fatalf("changes %v do not name the newly called UDF", res.Changes)
}

package identity

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func digestOf(t *testing.T, s string) Digest {
	return sum(t, "test", func(e *Encoder) { e.String(s) })
}

func baseComponents(t *testing.T) Components {
	return Components{
		PlanFingerprint: mustFingerprint(t, samplePlan(), nil),
		RuntimeHash:     digestOf(t, "runtime"),
		SettingsHash:    digestOf(t, "settings"),
		UDFSnapshotHash: digestOf(t, "udfs"),
		RewriteTags:     []string{"pushdown", "folding"},
		Planners:        []string{"scan_pushdown"},
		DeltaPins: []Pin{
			{Table: "region", TableID: "id-r", Version: 3},
			{Table: "nation", TableID: "id-n", Version: 7},
		},
		ScanUnitsDigest: digestOf(t, "units"),
	}
}

// TestSignatureMutations: each component change gives a new signature and
// DiffComponents names that component; reordering does not.
func TestSignatureMutations(t *testing.T) {
	base, err := NewManifest(baseComponents(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(c *Components)
		want []string // "component path"; nil: signature must not change
	}{
		{"pins and tags reordered", func(c *Components) {
			c.DeltaPins[0], c.DeltaPins[1] = c.DeltaPins[1], c.DeltaPins[0]
			c.RewriteTags = []string{"folding", "pushdown", "folding"}
		}, nil},
		{"delta version moved", func(c *Components) { c.DeltaPins[1].Version = 8 }, []string{"delta_pin nation: 7 -> 8"}},
		{"table id changed (table recreated)", func(c *Components) { c.DeltaPins[0].TableID = "id-r2" },
			[]string{"delta_pin region.table_id: id-r -> id-r2"}},
		{"pin added", func(c *Components) { c.DeltaPins = append(c.DeltaPins, Pin{"lineitem", "id-l", 1}) },
			[]string{"delta_pin lineitem: (absent) -> 1"}},
		{"rewrite tag added", func(c *Components) { c.RewriteTags = append(c.RewriteTags, "reorder") },
			[]string{"rewrite_tag reorder: (absent) -> reorder"}},
		{"rewrite tag removed", func(c *Components) { c.RewriteTags = c.RewriteTags[:1] },
			[]string{"rewrite_tag folding: folding -> (absent)"}},
		{"whole-session runtime hash changed: outside the signature", func(c *Components) { c.RuntimeHash = digestOf(t, "runtime2") }, nil},
		{"setting changed", func(c *Components) { c.SettingsHash = digestOf(t, "settings2") }, []string{"settings_hash "}},
		{"planner added", func(c *Components) { c.Planners = append(c.Planners, "cbo") }, []string{"planner cbo: (absent) -> cbo"}},
		{"UDF digest changed", func(c *Components) { c.UDFSnapshotHash = digestOf(t, "udfs2") }, []string{"udf_snapshot_hash "}},
		{"plan changed", func(c *Components) {
			p := samplePlan()
			p.Relations[0].GetRoot().Names[0] = "name"
			c.PlanFingerprint = mustFingerprint(t, p, nil)
		}, []string{"plan_fingerprint "}},
		{"scan units absent", func(c *Components) { c.ScanUnitsDigest = Digest{} }, []string{"scan_units_digest "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := baseComponents(t)
			tt.edit(&c)
			m, err := NewManifest(c)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == nil {
				if m.Signature != base.Signature {
					t.Fatal("should keep the signature: only order or unsigned components changed")
				}
				return
			}
			if m.Signature == base.Signature {
				t.Fatal("should change the signature")
			}
			var got []string
			for _, ch := range DiffComponents(base.Components, m.Components) {
				s := ch.String()
				if strings.HasSuffix(ch.Component, "_hash") || strings.HasSuffix(ch.Component, "_digest") || ch.Component == "plan_fingerprint" {
					s = ch.Component + " " + ch.Path
				}
				got = append(got, s)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("diff %q, want %q", got, tt.want)
			}
		})
	}
}

func TestComponentsValidate(t *testing.T) {
	tests := []struct {
		name string
		c    Components
		want string
	}{
		{"unsorted pins", Components{DeltaPins: []Pin{{"b", "x", 1}, {"a", "y", 1}}}, "delta_pins[1]"},
		{"duplicate pin table", Components{DeltaPins: []Pin{{"a", "x", 1}, {"a", "x", 2}}}, "delta_pins[1]"},
		{"negative version", Components{DeltaPins: []Pin{{"a", "x", -1}}}, "negative version"},
		{"empty table", Components{DeltaPins: []Pin{{"", "x", 1}}}, "no table"},
		{"unsorted tags", Components{RewriteTags: []string{"b", "a"}}, "rewrite_tags[1]"},
		{"empty tag", Components{RewriteTags: []string{""}}, "rewrite_tags[0] is empty"},
		{"unsorted planners", Components{Planners: []string{"b", "a"}}, "planners[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.c.Signature()
			if !errors.Is(err, ErrInvalidComponents) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want ErrInvalidComponents mentioning %q", err, tt.want)
			}
		})
	}
}

func TestManifestJSON(t *testing.T) {
	m, err := NewManifest(baseComponents(t))
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"signature":"sha256:`, `"plan_fingerprint":"sha256:`, `"runtime_hash"`, `"udf_snapshot_hash"`,
		`"rewrite_tags":["folding","pushdown"]`, `"delta_pins":[{"table":"nation","table_id":"id-n","version":7}`, `"scan_units_digest"`} {
		if !strings.Contains(string(js), field) {
			t.Errorf("manifest JSON lacks %s: %s", field, js)
		}
	}
	var back Manifest
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if err := back.Verify(); err != nil {
		t.Fatalf("read-back manifest: %v", err)
	}
	back.Components.DeltaPins[0].Version++
	if err := back.Verify(); !errors.Is(err, ErrInvalidComponents) {
		t.Fatalf("edited manifest verified: %v", err)
	}
}

func TestExplain(t *testing.T) {
	a, b := baseComponents(t), baseComponents(t)
	b.RuntimeHash = digestOf(t, "other runtime")
	b.PlanFingerprint = digestOf(t, "other plan")
	b.UDFSnapshotHash = digestOf(t, "other udfs")
	b.RewriteTags = []string{"folding"}
	coarse := DiffComponents(a, b)
	plan := []Change{{Component: "plan", Path: "root.project", Before: "project x", After: "project y"}}
	sess := []Change{
		{Component: "setting", Path: "tz", Before: "UTC", After: "CET"},
		{Component: "rewrite_tag", Path: "pushdown", Before: "pushdown"},
	}
	var got []string
	for _, c := range Explain(coarse, plan, sess) {
		got = append(got, c.Component+" "+c.Path)
	}
	want := []string{"plan root.project", "rewrite_tag pushdown", "setting tz", "udf_snapshot_hash "}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("explain: %q, want %q (runtime and plan digests explained; udf snapshot not; tag once)", got, want)
	}
}

// TestSessionDigest: the signed part of the session moves with settings,
// called UDFs, tags and planners, never with the whole-session runtime hash.
func TestSessionDigest(t *testing.T) {
	base := baseComponents(t)
	d := base.SessionDigest()
	for _, tc := range []struct {
		name  string
		edit  func(*Components)
		moves bool
	}{
		{"runtime hash", func(c *Components) { c.RuntimeHash = digestOf(t, "other") }, false},
		{"pins and scan units", func(c *Components) { c.DeltaPins = nil; c.ScanUnitsDigest = Digest{} }, false},
		{"tag order", func(c *Components) { c.RewriteTags = []string{"pushdown", "folding"} }, false},
		{"settings", func(c *Components) { c.SettingsHash = digestOf(t, "other") }, true},
		{"called UDFs", func(c *Components) { c.UDFSnapshotHash = digestOf(t, "other") }, true},
		{"tags", func(c *Components) { c.RewriteTags = []string{"folding"} }, true},
		{"planners", func(c *Components) { c.Planners = nil }, true},
	} {
		c := baseComponents(t)
		tc.edit(&c)
		if moved := c.SessionDigest() != d; moved != tc.moves {
			t.Errorf("%s: session digest moved = %v, want %v", tc.name, moved, tc.moves)
		}
	}
}

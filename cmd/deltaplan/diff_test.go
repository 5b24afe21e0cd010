package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeBundle runs plan --json and stores the bundle.
func writeBundle(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	code, stdout, stderr := runCLI(t, append([]string{"plan", "--json"}, args...)...)
	if code != exitOK {
		t.Fatalf("plan %v: exit %d: %s", args, code, stderr)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDiffCommand(t *testing.T) {
	revenue, _, sess, sales := examplePaths(t)
	dir := t.TempDir()
	data, err := os.ReadFile(revenue)
	if err != nil {
		t.Fatal(err)
	}
	later := filepath.Join(dir, "later.json") // the date range starts a day later
	if err := os.WriteFile(later, []byte(strings.Replace(string(data), `{"date": 19845}`, `{"date": 19846}`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	otherSession := filepath.Join(dir, "session.json")
	sessData, err := os.ReadFile(sess)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(otherSession, []byte(strings.Replace(string(sessData), `"64"`, `"128"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	base := writeBundle(t, dir, "base.json", revenue, "--table", "sales="+sales, "--session", sess)
	again := writeBundle(t, dir, "again.json", revenue, "--table", "SALES="+sales, "--session", sess)
	v3 := writeBundle(t, dir, "v3.json", revenue, "--table", "sales="+sales, "--session", sess, "--version", "sales=3")
	lit := writeBundle(t, dir, "literal.json", later, "--table", "sales="+sales, "--session", sess)
	set := writeBundle(t, dir, "setting.json", revenue, "--table", "sales="+sales, "--session", otherSession)
	otherUDF := filepath.Join(dir, "udf.json") // fx_convert changed; revenue_by_region never calls it
	if err := os.WriteFile(otherUDF, []byte(strings.Replace(string(sessData), `"sha256:5f2b`, `"sha256:0f2b`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	udf := writeBundle(t, dir, "udf-bundle.json", revenue, "--table", "sales="+sales, "--session", otherUDF)
	baseData, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	oldEnc := filepath.Join(dir, "encoding1.json") // as an older release wrote it: no encoding_version
	if err := os.WriteFile(oldEnc, []byte(strings.Replace(string(baseData), `"encoding_version": 2,`, "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.json")
	if err := os.WriteFile(garbage, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		a, b      string
		code      int
		component string // a change the JSON must name
		path      string
		text      string // in text stdout (or stderr on trouble)
	}{
		{"same bundle built twice", base, again, exitOK, "", "", "same signature"},
		{"pin moved", v3, base, exitBad, "delta_pin", "sales", "delta_pin sales: 3 -> 4"},
		{"changed literal shows the values", base, lit, exitBad, "plan", "root.aggregate.filter",
			"plan root.aggregate.filter: filter: order_date >= DATE '2024-05-02' -> order_date >= DATE '2024-05-03'  [code, breaking]"},
		{"unused UDF: same signature, listed outside it", base, udf, exitOK, "udf", "fx_convert((amount decimal(12,2), currency string) -> decimal(18,2))", "[code, none]"},
		{"other encoding version: said once, no noise", oldEnc, base, exitBad, "encoding_version", "", "encoding_version: 1 -> 2"},
		{"changed setting", base, set, exitBad, "setting", "spark.sql.shuffle.partitions", "setting spark.sql.shuffle.partitions: 64 -> 128"},
		{"missing file is trouble", base, filepath.Join(dir, "none.json"), exitUsage, "", "", "none.json"},
		{"invalid bundle is trouble", garbage, base, exitUsage, "", "", "garbage.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "diff", tc.a, tc.b)
			if code != tc.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tc.code, stderr)
			}
			where := stdout
			if code == exitUsage {
				where = stderr
			}
			if !strings.Contains(where, tc.text) {
				t.Fatalf("output lacks %q:\nstdout %s\nstderr %s", tc.text, stdout, stderr)
			}
			if code == exitUsage {
				return
			}
			code, stdout, _ = runCLI(t, "diff", "--json", tc.a, tc.b)
			var doc struct {
				Same    bool `json:"same"`
				Changes []struct {
					Component string `json:"component"`
					Path      string `json:"path"`
					Before    any    `json:"before"`
					After     any    `json:"after"`
				} `json:"changes"`
			}
			if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
				t.Fatalf("not one JSON document: %v\n%s", err, stdout)
			}
			if doc.Same != (tc.code == exitOK) || code != tc.code || doc.Changes == nil {
				t.Fatalf("--json: exit %d same %v changes %v", code, doc.Same, doc.Changes)
			}
			if tc.component == "encoding_version" && len(doc.Changes) != 1 {
				t.Fatalf("encoding versions differ: want one change, got %+v", doc.Changes)
			}
			if tc.component == "" {
				if len(doc.Changes) != 0 {
					t.Fatalf("same bundles with changes %+v", doc.Changes)
				}
				return
			}
			for _, c := range doc.Changes {
				if c.Component == tc.component && c.Path == tc.path {
					return
				}
			}
			t.Fatalf("changes %+v do not name %s %s", doc.Changes, tc.component, tc.path)
		})
	}
	if code, _, stderr := runCLI(t, "diff", base); code != exitUsage {
		t.Fatalf("one argument: exit %d (%s), want %d", code, stderr, exitUsage)
	}
}

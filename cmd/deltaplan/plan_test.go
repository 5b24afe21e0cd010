package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
)

// example paths: the example plans, session and table of testdata/example.
func examplePaths(t *testing.T) (revenue, top, sess, sales string) {
	t.Helper()
	ex := filepath.Join(fixtures.RepoRoot(t), "testdata", "example")
	return filepath.Join(ex, "plans", "revenue_by_region.json"), filepath.Join(ex, "plans", "top_eu_orders.json"),
		filepath.Join(ex, "session.json"), filepath.Join(ex, "sales")
}

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

func TestPlanCommandJSON(t *testing.T) {
	_, top, sess, sales := examplePaths(t)
	code, stdout, stderr := runCLI(t, "plan", top, "--table", "sales="+sales, "--session", sess, "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Signature  string `json:"signature"`
		Components struct {
			PlanFingerprint string   `json:"plan_fingerprint"`
			RuntimeHash     string   `json:"runtime_hash"`
			UDFSnapshotHash string   `json:"udf_snapshot_hash"`
			RewriteTags     []string `json:"rewrite_tags"`
			DeltaPins       []struct {
				Table   string `json:"table"`
				TableID string `json:"table_id"`
				Version int64  `json:"version"`
			} `json:"delta_pins"`
			ScanUnitsDigest string `json:"scan_units_digest"`
		} `json:"components"`
		Lineage struct {
			Reads []struct {
				Table string `json:"table"`
			} `json:"reads"`
		} `json:"lineage"`
		ScanUnits []struct {
			ID               string   `json:"id"`
			Table            string   `json:"table"`
			DeltaVersion     int64    `json:"delta_version"`
			Files            []string `json:"files"`
			ProjectedColumns []string `json:"projected_columns"`
			PushedFilters    []string `json:"pushed_filters"`
			Bytes            int64    `json:"bytes"`
			Records          *int64   `json:"records"`
		} `json:"scan_units"`
		Session struct {
			Settings map[string]string `json:"settings"`
		} `json:"session"`
		RequiredUDFs []struct {
			Name string `json:"name"`
		} `json:"required_udfs"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("not one JSON document: %v\n%s", err, stdout)
	}
	c := doc.Components
	for name, d := range map[string]string{"signature": doc.Signature, "plan_fingerprint": c.PlanFingerprint, "runtime_hash": c.RuntimeHash,
		"udf_snapshot_hash": c.UDFSnapshotHash, "scan_units_digest": c.ScanUnitsDigest} {
		if !digestRE.MatchString(d) {
			t.Errorf("%s = %q, want sha256:<64 hex>", name, d)
		}
	}
	if len(c.DeltaPins) != 1 || c.DeltaPins[0].Table != "sales" || c.DeltaPins[0].Version != 4 || c.DeltaPins[0].TableID == "" {
		t.Errorf("delta_pins %+v", c.DeltaPins)
	}
	if len(doc.ScanUnits) != 1 || doc.ScanUnits[0].DeltaVersion != 4 || doc.ScanUnits[0].Records == nil || *doc.ScanUnits[0].Records != 30 ||
		!strings.HasPrefix(doc.ScanUnits[0].Files[0], "region=EU/") {
		t.Errorf("scan_units %+v, want the one EU file of 2024-05-04", doc.ScanUnits)
	}
	if len(doc.Lineage.Reads) != 1 || doc.Session.Settings["spark.sql.session.timeZone"] != "UTC" || len(doc.RequiredUDFs) != 1 || len(c.RewriteTags) != 1 { // only the global tag applies (no join, no aggregate)
		t.Errorf("lineage, session, required_udfs or rewrite_tags incomplete:\n%s", stdout)
	}
}

func TestPlanCommandErrors(t *testing.T) {
	revenue, _, sess, sales := examplePaths(t)
	join := filepath.Join(fixtures.RepoRoot(t), "planbundle", "testdata", "sales_join_letters.json")
	badSession := filepath.Join(t.TempDir(), "bad-session.json")
	if err := os.WriteFile(badSession, []byte(`{"settings": {"a": "1", "a": "2"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	revData, err := os.ReadFile(revenue)
	if err != nil {
		t.Fatal(err)
	}
	wrongType := filepath.Join(t.TempDir(), "wrong-type.json") // amount as i32; the table has decimal(12,2)
	if err := os.WriteFile(wrongType, []byte(strings.Replace(string(revData),
		`{"decimal": {"precision": 12, "scale": 2, "nullability": "NULLABILITY_NULLABLE"}}`, `{"i32": {"nullability": "NULLABILITY_NULLABLE"}}`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"text output", []string{"plan", revenue, "--table", "sales=" + sales, "--session", sess}, exitOK, "signature"},
		{"read without --table names the read", []string{"plan", join, "--table", "sales=" + sales}, exitBad, "default.letters"},
		{"--table without =", []string{"plan", revenue, "--table", sales}, exitUsage, "NAME=LOCATION"},
		{"--version of an unknown table", []string{"plan", revenue, "--table", "sales=" + sales, "--version", "other=1"}, exitUsage, "no --table other"},
		{"--version not a number", []string{"plan", revenue, "--table", "sales=" + sales, "--version", "sales=x"}, exitUsage, "NAME=N"},
		{"--version beyond the log", []string{"plan", revenue, "--table", "sales=" + sales, "--version", "sales=40"}, exitBad, "sales"},
		{"missing plan file", []string{"plan", filepath.Join(t.TempDir(), "none.json"), "--table", "sales=" + sales}, exitBad, "none.json"},
		{"session file with a duplicate key", []string{"plan", revenue, "--table", "sales=" + sales, "--session", badSession}, exitBad, "bad-session.json"},
		{"no plan argument", []string{"plan"}, exitUsage, "accepts 1 arg"},
		{"fingerprint: same errors", []string{"fingerprint", join, "--table", "sales=" + sales}, exitBad, "default.letters"},
		{"plan schema against the pinned table: names read, column, both types", []string{"plan", wrongType, "--table", "sales=" + sales}, exitBad,
			"read sales at root.aggregate.filter.read: column amount: plan type i32, table type decimal(12,2)"},
		{"fingerprint checks the schema too", []string{"fingerprint", wrongType, "--table", "sales=" + sales}, exitBad, "column amount: plan type i32"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tc.code, stderr)
			}
			where := stdout
			if code != exitOK {
				where = stderr
			}
			if !strings.Contains(where, tc.contains) {
				t.Fatalf("output lacks %q:\nstdout %s\nstderr %s", tc.contains, stdout, stderr)
			}
		})
	}
}

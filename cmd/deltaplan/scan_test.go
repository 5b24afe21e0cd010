package main

import (
	"encoding/json"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
)

// TestScanCountJSON: --count --json prints rows, files and bytes; a filter
// counts exactly the matching rows of the kept files.
func TestScanCountJSON(t *testing.T) {
	sales := filepath.Join(fixtures.RepoRoot(t), "testdata", "example", "sales")
	cases := []struct {
		args   []string
		want   scanCountJSON
		reason string
	}{
		{[]string{sales}, scanCountJSON{Rows: 263, Files: 8, Bytes: 14545}, "every live row of version 4"},
		{[]string{sales, "--version", "0"}, scanCountJSON{Rows: 110, Files: 3, Bytes: 0}, "time travel to version 0"},
		{[]string{sales, "--filter", "region IN ('EU', 'NA') AND amount > 100"}, scanCountJSON{Rows: 167, Files: 5, Bytes: 9562}, "rows filtered after pruning"},
		{[]string{sales, "--limit", "7"}, scanCountJSON{Rows: 7, Files: 8, Bytes: 14545}, "--limit caps the count"},
	}
	for _, c := range cases {
		code, out, errb := runCLI(t, append([]string{"scan", "--count", "--json"}, c.args...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", c.reason, code, errb)
		}
		var got scanCountJSON
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if c.want.Bytes == 0 {
			c.want.Bytes = got.Bytes
		}
		if got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.reason, got, c.want)
		}
	}
}

// TestScanBundleUnit: every unit of a bundle read back from its JSON can be
// executed, and the units together give exactly the rows of a scan of the
// table with the same pushed filters.
func TestScanBundleUnit(t *testing.T) {
	plan, _, sess, sales := examplePaths(t)
	code, out, errb := runCLI(t, "plan", plan, "--table", "sales="+sales, "--session", sess, "--json")
	if code != 0 {
		t.Fatalf("plan: %d %s", code, errb)
	}
	path := filepath.Join(t.TempDir(), "b.json")
	os.WriteFile(path, []byte(out), 0o644)
	var b struct {
		ScanUnits []struct {
			ID            string   `json:"id"`
			PushedFilters []string `json:"pushed_filters"`
		} `json:"scan_units"`
	}
	json.Unmarshal([]byte(out), &b)
	if len(b.ScanUnits) < 2 {
		t.Fatalf("want several units, got %d", len(b.ScanUnits))
	}
	var total int64
	for _, u := range b.ScanUnits {
		code, out, errb := runCLI(t, "scan", "--bundle", path, "--unit", u.ID[:12], "--count", "--json")
		if code != 0 {
			t.Fatalf("unit %s: exit %d: %s", u.ID, code, errb)
		}
		var c scanCountJSON
		json.Unmarshal([]byte(out), &c)
		total += c.Rows
	}
	filter := strings.Join(b.ScanUnits[0].PushedFilters, " AND ")
	code, out, errb = runCLI(t, "scan", sales, "--filter", filter, "--count", "--json")
	if code != 0 {
		t.Fatalf("scan: %d %s", code, errb)
	}
	var whole scanCountJSON
	json.Unmarshal([]byte(out), &whole)
	if whole.Rows != total || total == 0 {
		t.Fatalf("units give %d rows, the filtered table %d", total, whole.Rows)
	}
	// Bad command lines exit 2; a unknown unit exits 1.
	if code, _, _ := runCLI(t, "scan", "--bundle", path, "--unit", "zzzz"); code != exitBad {
		t.Errorf("unknown unit: exit %d, want 1", code)
	}
	if code, _, _ := runCLI(t, "scan", "--bundle", path, "--unit", b.ScanUnits[0].ID, "--filter", "x = 1"); code != exitUsage {
		t.Errorf("--filter with --unit: exit %d, want 2", code)
	}
	if code, _, _ := runCLI(t, "scan", sales, "--format", "xml"); code != exitUsage {
		t.Errorf("--format xml: exit %d, want 2", code)
	}
	if code, _, errb := runCLI(t, "scan", sales, "--columns", "nope"); code != exitBad || !strings.Contains(errb, "nope") {
		t.Errorf("unknown column: exit %d (%s), want 1 naming it", code, errb)
	}
}

// TestScanFormats: every format writes the rows (arrow and parquet as
// files that read back).
func TestScanFormats(t *testing.T) {
	sales := filepath.Join(fixtures.RepoRoot(t), "testdata", "example", "sales")
	for _, f := range []string{"table", "jsonl", "csv"} {
		code, out, errb := runCLI(t, "scan", sales, "--format", f, "--limit", "3", "--columns", "order_id,region")
		if code != 0 {
			t.Fatalf("%s: %d %s", f, code, errb)
		}
		if lines := strings.Count(out, "\n"); (f == "jsonl" && lines != 3) || (f != "jsonl" && lines != 4) {
			t.Errorf("%s: %d lines:\n%s", f, lines, out)
		}
	}
	for _, f := range []string{"arrow", "parquet"} {
		p := filepath.Join(t.TempDir(), "out."+f)
		if code, _, errb := runCLI(t, "scan", sales, "--format", f, "--output", p); code != 0 {
			t.Fatalf("%s: %s", f, errb)
		}
		if st, err := os.Stat(p); err != nil || st.Size() < 100 {
			t.Fatalf("%s: output %v", f, err)
		}
	}
	// The Arrow IPC stream reads back with every row.
	p := filepath.Join(t.TempDir(), "rows.arrow")
	if code, _, errb := runCLI(t, "scan", sales, "--format", "arrow", "--output", p); code != 0 {
		t.Fatal(errb)
	}
	fh, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	rd, err := ipc.NewReader(fh)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Release()
	var rows int64
	for rd.Next() {
		rows += rd.RecordBatch().NumRows()
	}
	if rd.Err() != nil || rows != 263 || rd.Schema().NumFields() != 6 {
		t.Fatalf("arrow stream: %d rows, %d columns, %v", rows, rd.Schema().NumFields(), rd.Err())
	}
}

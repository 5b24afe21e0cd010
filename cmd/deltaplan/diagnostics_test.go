package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/google/uuid"

	"github.com/deltaplan/deltaplan/delta"
)

// readRows reads the string columns of a parquet data file.
func readRows(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pf, err := file.NewParquetReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	rows := make([]map[string]string, tbl.NumRows())
	for r := range rows {
		rows[r] = map[string]string{}
		for c := 0; c < int(tbl.NumCols()); c++ {
			if s, ok := tbl.Column(c).Data().Chunk(0).(*array.String); ok {
				rows[r][tbl.Schema().Field(c).Name] = s.Value(r)
			}
		}
	}
	return rows
}

// TestPlanDiagnostics: --diagnostics appends the bundle's rows under the
// location and leaves stdout as it is without the flag.
func TestPlanDiagnostics(t *testing.T) {
	_, top, sess, sales := examplePaths(t)
	dir := filepath.Join(t.TempDir(), "diag")
	base := []string{"plan", top, "--table", "sales=" + sales, "--session", sess, "--json"}
	code, plain, stderr := runCLI(t, base...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for run := 1; run <= 2; run++ {
		code, out, stderr := runCLI(t, append(base, "--diagnostics", dir)...)
		if code != exitOK {
			t.Fatalf("run %d: exit %d: %s", run, code, stderr)
		}
		if out != plain || stderr != "" {
			t.Fatalf("run %d: stdout/stderr changed with --diagnostics:\n%s\nstderr %q", run, out, stderr)
		}
	}
	var b struct {
		Signature string `json:"signature"`
		ScanUnits []struct {
			ID string `json:"id"`
		} `json:"scan_units"`
	}
	if err := json.Unmarshal([]byte(plain), &b); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for table, perRun := range map[string]int{"plan_bundles": 1, "scan_units": len(b.ScanUnits), "lineage_reads": 1} {
		dt, err := delta.Open(ctx, filepath.Join(dir, table))
		if err != nil {
			t.Fatal(err)
		}
		snap, err := dt.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if snap.Version != 2 || snap.NumRecords == nil || *snap.NumRecords != int64(2*perRun) {
			t.Errorf("%s: version %d with %v rows, want version 2 (two runs) and %d rows", table, snap.Version, snap.NumRecords, 2*perRun)
		}
		// Each run's commit carries its own run id.
		runIDs := map[string]bool{}
		for _, p := range snap.Files.Paths {
			rows := readRows(t, filepath.Join(dir, table, p))
			ids := map[string]bool{}
			for _, r := range rows {
				ids[r["run_id"]] = true
				if table == "plan_bundles" && (r["signature"] != b.Signature || r["view"] != "top_eu_orders") {
					t.Errorf("plan_bundles row %v, want signature %s and view top_eu_orders", r, b.Signature)
				}
			}
			if len(ids) != 1 {
				t.Errorf("%s: one commit holds run ids %v", table, ids)
			}
			for id := range ids {
				if _, err := uuid.Parse(id); err != nil {
					t.Errorf("%s: run id %q is not a UUID", table, id)
				}
				runIDs[id] = true
			}
		}
		if len(runIDs) != 2 {
			t.Errorf("%s: run ids %v, want two", table, runIDs)
		}
	}
}

// TestPlanDiagnosticsErrors: a location that cannot be written exits 1
// naming it, and prints nothing on stdout.
func TestPlanDiagnosticsErrors(t *testing.T) {
	_, top, _, sales := examplePaths(t)
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, loc := range []string{filepath.Join(blocker, "diag"), "ftp://host/diag"} {
		code, out, stderr := runCLI(t, "plan", top, "--table", "sales="+sales, "--json", "--diagnostics", loc)
		if code != exitBad || out != "" || !strings.Contains(stderr, loc) {
			t.Errorf("--diagnostics %s: exit %d, stdout %q, stderr %q; want exit 1 naming the location", loc, code, out, stderr)
		}
	}
}

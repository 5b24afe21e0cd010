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

	"github.com/deltaplan/deltaplan/storage"
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
		dt, err := storage.OpenTable(ctx, filepath.Join(dir, table))
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

// tableRows reads every row (string columns) of a diagnostics table at its
// latest version.
func tableRows(t *testing.T, dir string) []map[string]string {
	t.Helper()
	ctx := context.Background()
	dt, err := storage.OpenTable(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := dt.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for _, p := range snap.Files.Paths {
		rows = append(rows, readRows(t, filepath.Join(dir, p))...)
	}
	return rows
}

// TestScheduleRecordDiagnostics: schedule --store --diagnostics writes the
// schedule's nodes (with cache keys) and each view's bundle rows under the
// ledger's run id; record --diagnostics writes the results and the drift.
func TestScheduleRecordDiagnostics(t *testing.T) {
	dir := scheduleWorkspace(t)
	store := filepath.Join(dir, "ledger.db")
	diag := filepath.Join(dir, "diag")
	d := scheduleStore(t, filepath.Join(dir, "workflow.json"), "--store", store, "--diagnostics", diag)
	nodes := tableRows(t, filepath.Join(diag, "schedule_nodes"))
	if len(nodes) != len(d.Nodes) {
		t.Fatalf("schedule_nodes has %d rows for %d nodes", len(nodes), len(d.Nodes))
	}
	keys := map[string]string{}
	for _, n := range d.Nodes {
		keys[n.Name] = n.CacheKey
	}
	for _, r := range nodes {
		if r["run_id"] != d.RunID || r["cache_key"] != keys[r["name"]] || r["cache_key"] == "" || r["status"] == "" {
			t.Errorf("schedule_nodes row %v", r)
		}
	}
	if got := len(tableRows(t, filepath.Join(diag, "plan_bundles"))); got != 4 {
		t.Errorf("plan_bundles: %d rows, want one per view (4)", got)
	}
	res := filepath.Join(dir, "results.json")
	os.WriteFile(res, []byte(`{"run_id": "`+d.RunID+`", "tasks": [{"name": "view:region_report", "status": "failed", "data_version": "x"}]}`), 0o644)
	if code, _, stderr := runCLI(t, "record", "--store", store, res, "--diagnostics", diag); code != 0 {
		t.Fatal(stderr)
	}
	results := tableRows(t, filepath.Join(diag, "run_results"))
	if len(results) != 1 || results[0]["run_id"] != d.RunID || results[0]["status"] != "failed" || results[0]["data_version"] != "x" || results[0]["cache_key"] != keys["view:region_report"] {
		t.Errorf("run_results %v", results)
	}
	drift := tableRows(t, filepath.Join(diag, "drift"))
	kinds := map[string]int{}
	for _, r := range drift {
		kinds[r["kind"]]++
	}
	if kinds["failed"] != 1 || kinds["admitted_not_reported"] != len(d.Nodes)-1 {
		t.Errorf("drift kinds %v", kinds)
	}
}

// TestDiagnosticsCommand reads back what schedule --diagnostics wrote.
func TestDiagnosticsCommand(t *testing.T) {
	dir := scheduleWorkspace(t)
	diag := filepath.Join(dir, "diag")
	store := filepath.Join(dir, "ledger.db")
	d1 := scheduleStore(t, filepath.Join(dir, "workflow.json"), "--store", store, "--diagnostics", diag)
	d2 := scheduleStore(t, filepath.Join(dir, "workflow.json"), "--store", store, "--diagnostics", diag)
	code, out, stderr := runCLI(t, "diagnostics", diag, "schedule_nodes")
	if code != 0 {
		t.Fatal(stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(d1.Nodes)+len(d2.Nodes) {
		t.Fatalf("%d rows, want %d", len(lines), len(d1.Nodes)+len(d2.Nodes))
	}
	code, out, _ = runCLI(t, "diagnostics", diag, "schedule_nodes", "--run", d2.RunID)
	var row map[string]any
	first := strings.SplitN(out, "\n", 2)[0]
	if err := json.Unmarshal([]byte(first), &row); err != nil || code != 0 {
		t.Fatalf("row %q: %v", first, err)
	}
	if row["run_id"] != d2.RunID || row["admitted"] != true || row["bytes"] == nil || strings.Count(out, "\n") != len(d2.Nodes) {
		t.Errorf("run %s rows: %s", d2.RunID, out)
	}
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"diagnostics", diag, "nope"}, exitUsage},
		{[]string{"diagnostics", filepath.Join(dir, "missing"), "drift"}, exitBad},
	} {
		if code, _, _ := runCLI(t, c.args...); code != c.code {
			t.Errorf("%v: exit %d, want %d", c.args, code, c.code)
		}
	}
}

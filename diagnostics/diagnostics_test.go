package diagnostics_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/deltawrite"
	"github.com/deltaplan/deltaplan/diagnostics"
	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/kernel"
	"github.com/deltaplan/deltaplan/objstore/objstoretest"
	"github.com/deltaplan/deltaplan/planbundle"
	"github.com/deltaplan/deltaplan/session"
	"github.com/deltaplan/deltaplan/storage"
	"github.com/deltaplan/deltaplan/workflow"
)

func exampleBundle(t *testing.T, plan string) *planbundle.Bundle {
	t.Helper()
	ex := filepath.Join(fixtures.RepoRoot(t), "testdata", "example")
	data, err := os.ReadFile(filepath.Join(ex, "plans", plan+".json"))
	if err != nil {
		t.Fatal(err)
	}
	rt, err := session.Load(context.Background(), filepath.Join(ex, "session.json"))
	if err != nil {
		t.Fatal(err)
	}
	sales := planbundle.Table{Name: "sales", Location: filepath.Join(ex, "sales")}
	if sales.Snapshot, err = planbundle.Pin(context.Background(), storage.OpenTable, sales); err != nil {
		t.Fatal(err)
	}
	b, err := planbundle.Build(context.Background(), planbundle.Inputs{
		Plan: data, Session: rt, Tables: []planbundle.Table{sales},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readTable reads every row of a diagnostics table (latest version) as
// maps column → value, ordered by the file list, then row.
func readTable(t *testing.T, loc string) (*delta.Snapshot, []map[string]any) {
	t.Helper()
	ctx := context.Background()
	dt, err := storage.OpenTable(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := dt.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	for _, p := range snap.Files.Paths {
		f, err := os.Open(filepath.Join(loc, p))
		if err != nil {
			t.Fatal(err)
		}
		pf, err := file.NewParquetReader(f)
		if err != nil {
			t.Fatal(err)
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		fr, _ := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, mem)
		tbl, err := fr.ReadTable(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for r := 0; r < int(tbl.NumRows()); r++ {
			row := map[string]any{}
			for c := 0; c < int(tbl.NumCols()); c++ {
				a := tbl.Column(c).Data().Chunk(0)
				name := tbl.Schema().Field(c).Name
				if a.IsNull(r) {
					row[name] = nil
					continue
				}
				switch x := a.(type) {
				case *array.String:
					row[name] = x.Value(r)
				case *array.Int64:
					row[name] = x.Value(r)
				case *array.Boolean:
					row[name] = x.Value(r)
				case *array.Timestamp:
					row[name] = time.UnixMicro(int64(x.Value(r))).UTC()
				default:
					t.Fatalf("column %s: unexpected %T", name, a)
				}
			}
			rows = append(rows, row)
		}
		tbl.Release()
		pf.Close()
		mem.AssertSize(t, 0)
	}
	return snap, rows
}

func jsonList(t *testing.T, v any) []string {
	t.Helper()
	var out []string
	if err := json.Unmarshal([]byte(v.(string)), &out); err != nil {
		t.Fatalf("%v is not a JSON list of strings: %v", v, err)
	}
	return out
}

// TestWriteBundleDiagnostics writes two runs of the example bundles and
// reads every row back with the delta reader and arrow-go.
func TestWriteBundleDiagnostics(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	top, rev := exampleBundle(t, "top_eu_orders"), exampleBundle(t, "revenue_by_region")
	if err := diagnostics.Write(ctx, dir, "run-1", diagnostics.BundleBatches("top_eu_orders", top)...); err != nil {
		t.Fatal(err)
	}
	if err := diagnostics.Write(ctx, "file://"+dir, "run-2", append(diagnostics.BundleBatches("top_eu_orders", top), diagnostics.BundleBatches("revenue_by_region", rev)...)...); err != nil {
		t.Fatal(err)
	}
	// plan_bundles: one row per view and run, one commit per run.
	snap, rows := readTable(t, filepath.Join(dir, "plan_bundles"))
	if snap.Version != 2 || len(rows) != 3 {
		t.Fatalf("plan_bundles: version %d with %d rows, want 2 and 3 (one commit per run)", snap.Version, len(rows))
	}
	for _, r := range rows {
		b := top
		if r["view"] == "revenue_by_region" {
			b = rev
		}
		want := map[string]any{
			"signature": b.Signature.String(), "plan_fingerprint": b.Components.PlanFingerprint.String(),
			"runtime_hash": b.Components.RuntimeHash.String(), "udf_snapshot_hash": b.Components.UDFSnapshotHash.String(),
			"scan_units_digest": b.Components.ScanUnitsDigest.String(),
		}
		for k, v := range want {
			if r[k] != v {
				t.Errorf("plan_bundles %s run %s: %s = %v, want %v", r["view"], r["run_id"], k, r[k], v)
			}
		}
		if got := jsonList(t, r["rewrite_tags"]); !reflect.DeepEqual(got, b.Components.RewriteTags) {
			t.Errorf("rewrite_tags %v, want %v", got, b.Components.RewriteTags)
		}
		var pins []struct {
			Table   string `json:"table"`
			TableID string `json:"table_id"`
			Version int64  `json:"version"`
		}
		if err := json.Unmarshal([]byte(r["delta_pins"].(string)), &pins); err != nil || len(pins) != 1 || pins[0].Table != "sales" || pins[0].Version != 4 || pins[0].TableID == "" {
			t.Errorf("delta_pins %v (%v)", r["delta_pins"], err)
		}
	}
	// scan_units: a row per unit and run.
	_, rows = readTable(t, filepath.Join(dir, "scan_units"))
	wantUnits := 2*len(top.ScanUnits) + len(rev.ScanUnits)
	if len(rows) != wantUnits {
		t.Fatalf("scan_units: %d rows, want %d", len(rows), wantUnits)
	}
	for _, r := range rows {
		b := top
		if r["view"] == "revenue_by_region" {
			b = rev
		}
		var u *planbundle.ScanUnit
		for i := range b.ScanUnits {
			if b.ScanUnits[i].ID == r["unit_id"] {
				u = &b.ScanUnits[i]
			}
		}
		if u == nil {
			t.Fatalf("scan_units row %v names no unit of %s", r, r["view"])
		}
		var recs any
		if u.Records != nil {
			recs = *u.Records
		}
		if r["table"] != u.Table || r["delta_version"] != u.DeltaVersion || r["files"] != int64(len(u.Files)) ||
			r["bytes"] != u.Bytes || r["records"] != recs ||
			!reflect.DeepEqual(jsonList(t, r["file_list"]), u.Files) ||
			!reflect.DeepEqual(jsonList(t, r["projected_columns"]), u.ProjectedColumns) ||
			!reflect.DeepEqual(jsonList(t, r["pushed_filters"]), u.FilterTexts()) {
			t.Errorf("scan_units row %v, want unit %+v", r, *u)
		}
	}
	// lineage_reads: a row per read and run.
	_, rows = readTable(t, filepath.Join(dir, "lineage_reads"))
	if want := 2*len(top.Lineage.Reads) + len(rev.Lineage.Reads); len(rows) != want {
		t.Fatalf("lineage_reads: %d rows, want %d", len(rows), want)
	}
	var runs []string
	for _, r := range rows {
		runs = append(runs, r["run_id"].(string)+" "+r["view"].(string))
		b := top
		if r["view"] == "revenue_by_region" {
			b = rev
		}
		rd := b.Lineage.Reads[0]
		if r["table"] != rd.Table || r["kind"] != rd.Kind || r["path"] != rd.Path ||
			!reflect.DeepEqual(jsonList(t, r["columns"]), rd.Columns) || !reflect.DeepEqual(jsonList(t, r["filters"]), rd.Filters) {
			t.Errorf("lineage_reads row %v, want %+v", r, rd)
		}
	}
	sort.Strings(runs)
	if want := []string{"run-1 top_eu_orders", "run-2 revenue_by_region", "run-2 top_eu_orders"}; !reflect.DeepEqual(runs, want) {
		t.Errorf("lineage_reads runs %v, want %v", runs, want)
	}
}

// TestWriteOtherTables: schedule_nodes, run_results and drift rows,
// including NULLs.
func TestWriteOtherTables(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	v, key, dv, grp := int64(4), "sha256:abc", "engine:7", int64(2)
	started := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
	err := diagnostics.Write(ctx, dir, "r1",
		diagnostics.ScheduleNodes(
			diagnostics.ScheduleNode{Name: "scan:sales:0123", Kind: "scan_unit", Status: "stale", Reason: "new node", Signature: "s1", Bytes: 10, Table: "sales", DeltaVersion: &v, Files: 2, Admitted: true, Behavior: "default", CacheKey: &key},
			diagnostics.ScheduleNode{Name: "view:a", Kind: "view", Status: "fresh", View: "a", Behavior: "ignore", Explain: "unchanged signature"}),
		diagnostics.RunResults(diagnostics.RunResult{Name: "view:a", Status: "succeeded", DataVersion: &dv, CacheKey: key, StartedAt: started, EndedAt: started.Add(time.Second), Group: &grp}),
		diagnostics.Drifts(diagnostics.Drift{Kind: "pin moved", Task: "view:a", Predecessor: "scan:sales:0123", Detail: "3 -> 4"}),
		diagnostics.Drifts(), // empty: nothing written
	)
	if err != nil {
		t.Fatal(err)
	}
	_, rows := readTable(t, filepath.Join(dir, "schedule_nodes"))
	if len(rows) != 2 {
		t.Fatalf("schedule_nodes rows %v", rows)
	}
	scan, view := rows[0], rows[1]
	if scan["name"] != "scan:sales:0123" {
		scan, view = view, scan
	}
	if scan["delta_version"] != int64(4) || scan["cache_key"] != key || scan["admitted"] != true || scan["files"] != int64(2) || scan["records"] != nil {
		t.Errorf("scan node row %v", scan)
	}
	if view["delta_version"] != nil || view["cache_key"] != nil || view["admitted"] != false || view["explain"] != "unchanged signature" || view["run_id"] != "r1" {
		t.Errorf("view node row %v", view)
	}
	_, rows = readTable(t, filepath.Join(dir, "run_results"))
	if len(rows) != 1 || rows[0]["started_at"] != started || rows[0]["ended_at"] != started.Add(time.Second) || rows[0]["data_version"] != dv || rows[0]["group"] != grp || rows[0]["cache_key"] != key {
		t.Errorf("run_results rows %v", rows)
	}
	_, rows = readTable(t, filepath.Join(dir, "drift"))
	if len(rows) != 1 || rows[0]["detail"] != "3 -> 4" || rows[0]["predecessor"] != "scan:sales:0123" {
		t.Errorf("drift rows %v", rows)
	}
}

// TestSchemaEvolution: a table created by an older writer without some
// columns gets them as nullable columns; a table with columns this writer
// does not know gets NULLs there.
func TestSchemaEvolution(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	loc := filepath.Join(dir, "drift")
	old := arrow.NewSchema([]arrow.Field{
		{Name: "run_id", Type: arrow.BinaryTypes.String},
		{Name: "kind", Type: arrow.BinaryTypes.String},
		{Name: "future", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	if _, err := deltawrite.OpenOrCreate(ctx, deltawrite.Local(loc), old); err != nil {
		t.Fatal(err)
	}
	if err := diagnostics.Write(ctx, dir, "r1", diagnostics.Drifts(diagnostics.Drift{Kind: "k", Task: "t", Predecessor: "p", Detail: "d"})); err != nil {
		t.Fatal(err)
	}
	snap, rows := readTable(t, loc)
	if snap.Version != 2 {
		t.Fatalf("version %d, want 2 (add columns, then append)", snap.Version)
	}
	got := map[string]bool{}
	for _, f := range snap.Metadata.Schema.Fields {
		got[f.Name] = f.Nullable
	}
	if want := map[string]bool{"run_id": false, "kind": false, "future": true, "task": true, "predecessor": true, "detail": true}; !reflect.DeepEqual(got, want) {
		t.Errorf("schema nullability %v, want %v", got, want)
	}
	if len(rows) != 1 || rows[0]["future"] != nil || rows[0]["task"] != "t" || rows[0]["kind"] != "k" {
		t.Errorf("rows %v", rows)
	}
}

// TestWriteErrors: a failing opener is named with the table location; an
// empty run id and a non-nullable unknown column are refused.
func TestWriteErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	boom := errors.New("boom")
	w := diagnostics.Writer{Open: func(ctx context.Context, loc string) (deltawrite.Storage, error) { return nil, boom }}
	err := w.Write(ctx, "s3://bucket/diag", "r1", diagnostics.Drifts(diagnostics.Drift{Kind: "k"}))
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "s3://bucket/diag/drift") {
		t.Errorf("opener failure: %v", err)
	}
	if err := diagnostics.Write(ctx, dir, "", diagnostics.Drifts(diagnostics.Drift{Kind: "k"})); !errors.Is(err, diagnostics.ErrInvalid) {
		t.Errorf("empty run id: %v", err)
	}
	strict := arrow.NewSchema([]arrow.Field{{Name: "run_id", Type: arrow.BinaryTypes.String}, {Name: "must", Type: arrow.BinaryTypes.String}}, nil)
	if _, err := deltawrite.OpenOrCreate(ctx, deltawrite.Local(filepath.Join(dir, "drift")), strict); err != nil {
		t.Fatal(err)
	}
	if err := diagnostics.Write(ctx, dir, "r1", diagnostics.Drifts(diagnostics.Drift{Kind: "k"})); !errors.Is(err, diagnostics.ErrInvalid) || !strings.Contains(err.Error(), "must") {
		t.Errorf("non-nullable unknown column: %v", err)
	}
}

// TestFromSchedule converts schedule nodes field by field.
func TestFromSchedule(t *testing.T) {
	v, recs := int64(3), int64(30)
	s := &workflow.Schedule{Nodes: []workflow.Node{
		{Name: "scan:sales:00", Kind: kernel.KindScanUnit, Signature: "sig", Behavior: kernel.BehaviorDefault, Bytes: 9, Table: "sales", DeltaVersion: &v, Files: 2, Records: &recs, Admitted: true, Status: "stale", Reason: "new node", Explain: "new"},
		{Name: "view:a", Kind: kernel.KindView, View: "a", Behavior: kernel.BehaviorIgnore},
	}}
	got := diagnostics.FromSchedule(s)
	want := []diagnostics.ScheduleNode{
		{Name: "scan:sales:00", Kind: "scan_unit", Status: "stale", Reason: "new node", Signature: "sig", Bytes: 9, Table: "sales", DeltaVersion: &v, Files: 2, Records: &recs, Admitted: true, Behavior: "default", Explain: "new"},
		{Name: "view:a", Kind: "view", View: "a", Behavior: "ignore"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

// TestWriteS3 writes the example bundle's diagnostics to the S3 server and
// reads them back through the delta reader.
func TestWriteS3(t *testing.T) {
	srv := objstoretest.Require(t)
	srv.UseS3(t, srv.S3Endpoint)
	ctx := context.Background()
	uri := "s3://" + srv.NewS3Bucket(t, ctx).Name + "/diag"
	b := exampleBundle(t, "top_eu_orders")
	for _, run := range []string{"r1", "r2"} {
		if err := diagnostics.Write(ctx, uri, run, diagnostics.BundleBatches("top_eu_orders", b)...); err != nil {
			t.Fatal(err)
		}
	}
	for table, perRun := range map[string]int{"plan_bundles": 1, "scan_units": len(b.ScanUnits), "lineage_reads": len(b.Lineage.Reads)} {
		dt, err := storage.OpenTable(ctx, uri+"/"+table)
		if err != nil {
			t.Fatal(err)
		}
		snap, err := dt.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if snap.Version != 2 || snap.NumRecords == nil || *snap.NumRecords != int64(2*perRun) {
			t.Errorf("%s: version %d, records %v; want 2 and %d", table, snap.Version, snap.NumRecords, 2*perRun)
		}
	}
}

// TestRead: rows come back typed, filtered by run and in a stable order.
func TestRead(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	grp := int64(3)
	started := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, run := range []string{"r2", "r1"} {
		err := diagnostics.Write(ctx, dir, run, diagnostics.RunResults(
			diagnostics.RunResult{Name: "view:b", Status: "failed", CacheKey: "k2"},
			diagnostics.RunResult{Name: "view:a", Status: "succeeded", CacheKey: "k1", StartedAt: started, Group: &grp}))
		if err != nil {
			t.Fatal(err)
		}
	}
	rows, err := diagnostics.Writer{}.Read(ctx, dir, diagnostics.TableRunResults, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0]["run_id"] != "r1" || rows[3]["run_id"] != "r2" {
		t.Fatalf("rows %v", rows)
	}
	a := rows[0]
	if a["name"] != "view:a" || a["group"] != int64(3) || a["started_at"] != "2026-01-02T03:04:05Z" || a["ended_at"] != nil || a["data_version"] != nil {
		t.Errorf("row %v", a)
	}
	only, err := diagnostics.Writer{}.Read(ctx, dir, diagnostics.TableRunResults, "r2")
	if err != nil || len(only) != 2 {
		t.Errorf("run r2: %v %v", only, err)
	}
	if _, err := (diagnostics.Writer{}).Read(ctx, dir, diagnostics.TableDrift, ""); err == nil || !strings.Contains(err.Error(), "drift") {
		t.Errorf("missing table: %v", err)
	}
}

package planbundle

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/session"
)

// TestBuildPrunesExample checks the scan units of the example plan (region
// IN ('EU','NA') AND order_date in [2024-05-02, 2024-05-04)) per version
// against the table's history (testdata/example/README.md).
func TestBuildPrunesExample(t *testing.T) {
	tests := []struct {
		name    string
		version *int64
		want    []string // kept files, sorted
	}{
		{"latest: only the 2024-05-02 files of EU and NA", nil, []string{
			"region=EU/part-00001-5a1e0001-0c0d-4e0f-8a1b-000000000002.c000.snappy.parquet",
			"region=NA/part-00001-5a1e0001-0c0d-4e0f-8a1b-000000000002.c000.snappy.parquet",
		}},
		{"version 0: every file is from 2024-05-01, none may match", version(0), nil},
		{"version 1: the appended EU and NA files", version(1), []string{
			"region=EU/part-00001-5a1e0001-0c0d-4e0f-8a1b-000000000002.c000.snappy.parquet",
			"region=NA/part-00001-5a1e0001-0c0d-4e0f-8a1b-000000000002.c000.snappy.parquet",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := mustBuild(t, Inputs{Plan: revenuePlan(t), Tables: []Table{{Name: "sales", Location: salesDir(t), Version: tc.version}}})
			var got []string
			for _, u := range b.ScanUnits {
				got = append(got, u.Files...)
				if u.Table != "sales" || strings.Join(u.ProjectedColumns, ",") != "amount,order_date,region" || len(u.PushedFilters) != 3 {
					t.Errorf("unit %+v: wrong table, columns or filters", u)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("kept %v, want %v", got, tc.want)
			}
			wantVersion := int64(4)
			if tc.version != nil {
				wantVersion = *tc.version
			}
			if p := b.Components.DeltaPins; len(p) != 1 || p[0].Table != "sales" || p[0].Version != wantVersion || p[0].TableID == "" {
				t.Fatalf("pins %+v, want sales at %d", p, wantVersion)
			}
		})
	}
}

// pruneOnly plans the scan units of the plan's first read over the table
// at loc, without Build's schema check: the pruner must stay sound on its
// own for plans whose columns the table lacks.
func pruneOnly(t *testing.T, plan []byte, name, loc string) []ScanUnit {
	t.Helper()
	prep, err := Prepare(plan)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := Pin(context.Background(), func(ctx context.Context, l string) (*delta.Table, error) { return delta.Open(ctx, l) },
		Table{Name: name, Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	units, err := scanUnits(prep.Lineage().Reads[0], snap, 0)
	if err != nil {
		t.Fatal(err)
	}
	return units
}

// TestPruningIsSound: conjuncts the table cannot answer (unknown columns,
// other spellings) keep files; case-insensitive names still prune. (Build
// refuses plans naming unknown columns, TestSchemaCheck; the pruner is
// tested alone.)
func TestPruningIsSound(t *testing.T) {
	plan := string(revenuePlan(t))
	tests := []struct {
		name      string
		from, to  string
		wantFiles int
	}{
		{"plan spells columns in upper case: still prunes", `"order_id", "region", "order_date"`, `"ORDER_ID", "REGION", "ORDER_DATE"`, 2},
		{"unknown date column: date conjuncts left out, region prunes", `"order_id", "region", "order_date"`, `"order_id", "region", "no_such_date"`, 5},
		{"unknown region column: only the date range prunes (05-02 and 05-03 files of every region)", `"order_id", "region", "order_date"`, `"order_id", "no_such_region", "order_date"`, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := replaceOnce(t, plan, tc.from, tc.to)
			n := 0
			for _, u := range pruneOnly(t, []byte(p), "sales", salesDir(t)) {
				n += len(u.Files)
			}
			if n != tc.wantFiles {
				t.Fatalf("kept %d files, want %d", n, tc.wantFiles)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	sales := salesDir(t)
	tests := []struct {
		name    string
		in      Inputs
		wantErr error
		want    string
	}{
		{"read without a table names the read", Inputs{Plan: joinPlan(t), Tables: []Table{{Name: "sales", Location: sales}}}, ErrNoTable, "default.letters"},
		{"two tables match one read", Inputs{Plan: revenuePlan(t), Tables: []Table{{Name: "sales", Location: sales}, {Name: "SALES", Location: sales}}}, ErrInvalidInput, "given twice"},
		{"unused table", Inputs{Plan: revenuePlan(t), Tables: []Table{{Name: "sales", Location: sales}, {Name: "other", Location: sales}}}, ErrInvalidInput, "other matches no read"},
		{"negative target", Inputs{Plan: revenuePlan(t), Tables: []Table{{Name: "sales", Location: sales}}, TargetBytes: -1}, ErrInvalidInput, "target bytes"},
		{"missing table directory", Inputs{Plan: revenuePlan(t), Tables: []Table{{Name: "sales", Location: filepath.Join(t.TempDir(), "nope")}}}, delta.ErrTableNotFound, "nope"},
		{"version beyond the log", Inputs{Plan: revenuePlan(t), Tables: []Table{{Name: "sales", Location: sales, Version: version(99)}}}, delta.ErrVersionNotFound, "sales"},
		{"garbage plan", Inputs{Plan: []byte("\xff\x00 not a plan"), Tables: []Table{{Name: "sales", Location: sales}}}, nil, "decode plan"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(context.Background(), tc.in)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %q lacks %q", err, tc.want)
			}
		})
	}
}

// TestMatchByLastPart: --table letters matches the read default.letters,
// and a full-name match wins over a last-part match.
func TestMatchByLastPart(t *testing.T) {
	b := mustBuild(t, Inputs{Plan: joinPlan(t), Tables: []Table{
		{Name: "LETTERS", Location: lettersDir(t)}, {Name: "sales", Location: salesDir(t)}}})
	var tables []string
	for _, p := range b.Components.DeltaPins {
		tables = append(tables, p.Table)
	}
	if strings.Join(tables, ",") != "default.letters,sales" {
		t.Fatalf("pins %v", tables)
	}
	// letter = 'a' keeps the two letter=a files only.
	for _, u := range b.ScanUnits {
		if u.Table == "default.letters" && (len(u.Files) != 2 || !strings.HasPrefix(u.Files[0], "letter=a/")) {
			t.Fatalf("letters unit %+v, want the two letter=a files", u)
		}
	}
	if _, err := Build(context.Background(), Inputs{Plan: joinPlan(t), Tables: []Table{
		{Name: "default.letters", Location: lettersDir(t)}, {Name: "letters", Location: salesDir(t)}, {Name: "sales", Location: salesDir(t)}}}); err == nil || !strings.Contains(err.Error(), "matches no read") {
		t.Fatalf("full name should win and leave 'letters' unused: %v", err)
	}
}

func TestRequiredUDFsAndTags(t *testing.T) {
	root := filepath.Join(salesDir(t), "..", "plans")
	rt := exampleSession(t)
	top := mustBuild(t, Inputs{Plan: readFile(t, filepath.Join(root, "top_eu_orders.json")), Tables: []Table{{Name: "sales", Location: salesDir(t)}}, Session: rt})
	if len(top.RequiredUDFs) != 1 || top.RequiredUDFs[0].Name != "fx_convert" || top.RequiredUDFs[0].Functions[0] != "extension:com.example:fx fx_convert:dec_str" {
		t.Fatalf("required udfs %+v", top.RequiredUDFs)
	}
	if got := strings.Join(top.RequiredRewriteTags, ","); got != "ansi_decimal_rounding" {
		t.Fatalf("top: required tags %s, want only the global tag (no aggregate, no join)", got)
	}
	rev := mustBuild(t, Inputs{Plan: revenuePlan(t), Tables: []Table{{Name: "sales", Location: salesDir(t)}}, Session: rt})
	if len(rev.RequiredUDFs) != 0 {
		t.Fatalf("revenue calls no UDF: %+v", rev.RequiredUDFs)
	}
	if got := strings.Join(rev.RequiredRewriteTags, ","); got != "aggregate:partial_final,ansi_decimal_rounding" {
		t.Fatalf("revenue: required tags %s", got)
	}
	if got := strings.Join(rev.Components.RewriteTags, ","); got != "aggregate:partial_final,ansi_decimal_rounding" {
		t.Fatalf("the signature hashes the applicable tags only (join:broadcast_hash needs a join): %s", got)
	}
	if top.Components.UDFSnapshotHash != session.HashUDFs(rt.UDFs()) || rev.Components.UDFSnapshotHash != session.HashUDFs(nil) {
		t.Fatal("udf_snapshot_hash must cover exactly the called UDFs")
	}
	if rev.Components.RuntimeHash != rt.Hash() {
		t.Fatal("runtime_hash must stay the whole session's hash")
	}
}

func replaceOnce(tb testing.TB, s, from, to string) string {
	tb.Helper()
	if n := strings.Count(s, from); n != 1 {
		tb.Fatalf("%q occurs %d times, want once", from, n)
	}
	return strings.Replace(s, from, to, 1)
}

// TestTableReadTwice: a self-join pins the table once; two reads with the
// same columns and filters share their scan units (listed once).
func TestTableReadTwice(t *testing.T) {
	plan := reshape(t, joinPlan(t), func(m map[string]any) {
		agg := m["relations"].([]any)[0].(map[string]any)["root"].(map[string]any)["input"].(map[string]any)["aggregate"].(map[string]any)
		join := agg["input"].(map[string]any)["join"].(map[string]any)
		join["right"] = join["left"]
		cond := join["expression"].(map[string]any)["scalarFunction"].(map[string]any)["arguments"].([]any)
		cond[1] = map[string]any{"value": fieldRef(6)}               // right.order_id
		agg["groupingExpressions"] = []any{fieldRef(1), fieldRef(7)} // left.region, right.region
		measures := agg["measures"].([]any)
		second := map[string]any{}
		data, err := json.Marshal(measures[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &second); err != nil {
			t.Fatal(err)
		}
		second["measure"].(map[string]any)["arguments"] = []any{map[string]any{"value": fieldRef(9)}} // right.amount
		agg["measures"] = append(measures, second)
		m["relations"].([]any)[0].(map[string]any)["root"].(map[string]any)["names"] = []any{"region", "other_region", "total", "other_total"}
	})
	b := mustBuild(t, Inputs{Plan: plan, Tables: []Table{{Name: "sales", Location: salesDir(t)}}})
	if len(b.Lineage.Reads) != 2 || len(b.Components.DeltaPins) != 1 || len(b.Tables) != 1 {
		t.Fatalf("reads %d, pins %+v, tables %+v: want two reads of one pinned table", len(b.Lineage.Reads), b.Components.DeltaPins, b.Tables)
	}
	if b.Lineage.Reads[0].Columns[0] != "amount" || strings.Join(b.Lineage.Reads[0].Columns, ",") != strings.Join(b.Lineage.Reads[1].Columns, ",") {
		t.Fatalf("the two reads should need the same columns: %+v", b.Lineage.Reads)
	}
	files := 0
	for _, u := range b.ScanUnits {
		files += len(u.Files)
	}
	if files != 8 {
		t.Fatalf("units cover %d files, want the 8 active files once", files)
	}
}

func fieldRef(i int) map[string]any {
	return map[string]any{"selection": map[string]any{"directReference": map[string]any{"structField": map[string]any{"field": i}}, "rootReference": map[string]any{}}}
}

// TestReadsWithoutTables: a virtual-table read needs no --table and gets no
// pin or scan units; a plan declaring extensions by legacy URI (Isthmus
// TPC-H q6) is fingerprinted through lineage's resolved extension table, and
// its filters over columns the table lacks prune nothing.
func TestReadsWithoutTables(t *testing.T) {
	corpus := fixtures.Dir(t, "substrait")
	virtual := mustBuild(t, Inputs{Plan: readFile(t, filepath.Join(corpus, "substrait-go", "value_with_literal.json"))})
	if len(virtual.Components.DeltaPins) != 0 || len(virtual.ScanUnits) != 0 || virtual.Components.ScanUnitsDigest.IsZero() {
		t.Fatalf("virtual table: pins %v units %v digest %s", virtual.Components.DeltaPins, virtual.ScanUnits, virtual.Components.ScanUnitsDigest)
	}
	q6plan := readFile(t, filepath.Join(corpus, "isthmus", "integration-tpch-q06.json"))
	_, err := Build(context.Background(), Inputs{Plan: q6plan, Tables: []Table{{Name: "lineitem", Location: salesDir(t)}}})
	if !errors.Is(err, ErrSchemaMismatch) || !strings.Contains(err.Error(), "column L_SHIPDATE: the table has no such column (plan type date)") {
		t.Fatalf("q6 over a table without its columns: %v, want a schema mismatch naming L_SHIPDATE", err)
	}
	files := 0
	for _, u := range pruneOnly(t, q6plan, "lineitem", salesDir(t)) {
		files += len(u.Files)
	}
	if files != 8 {
		t.Fatalf("q6 pruned alone over a table without its columns kept %d files (want all 8)", files)
	}
}

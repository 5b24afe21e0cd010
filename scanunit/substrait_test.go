package scanunit

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/substrait-io/substrait-go/v8/extensions"
	"github.com/substrait-io/substrait-go/v8/plan"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/lineage"
	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/storage"
)

// loadSource pins the latest version of a local table.
func loadSource(t *testing.T, dir string) (Source, *delta.Snapshot) {
	t.Helper()
	tbl, err := storage.OpenTable(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := tbl.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return Source{Root: dir, Schema: s.Metadata.Schema, ColumnMapping: s.Metadata.ColumnMappingMode(), Files: s.Files}, s
}

// checkExport validates an exported plan: (a) it round-trips through
// protojson, (b) substrait-go's consumer accepts it, (c) lineage sees one
// local_files read per unit whose needed columns are the projected ones and
// whose pushed filters are the conjuncts the export pushed.
func checkExport(t *testing.T, sp *SubstraitPlan, units int, projected []string) {
	t.Helper()
	js, err := MarshalSubstraitJSON(sp.Plan)
	if err != nil {
		t.Fatal(err)
	}
	var back substraitpb.Plan
	if err := protojson.Unmarshal(js, &back); err != nil {
		t.Fatalf("protojson round trip: %v", err)
	}
	if !proto.Equal(&back, sp.Plan) {
		t.Fatalf("protojson round trip changed the plan")
	}
	again, err := MarshalSubstraitJSON(&back)
	if err != nil || string(again) != string(js) {
		t.Fatalf("JSON bytes not stable: %v", err)
	}
	if _, err := plan.FromProto(sp.Plan, extensions.GetDefaultCollectionWithNoError()); err != nil {
		t.Fatalf("substrait-go rejects the plan: %v\n%s", err, js)
	}
	p, err := lineage.Decode(js)
	if err != nil {
		t.Fatal(err)
	}
	lin, err := lineage.Analyze(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(lin.Reads) != units {
		t.Fatalf("lineage reads = %d, want %d", len(lin.Reads), units)
	}
	var want []string
	for _, q := range sp.Pushed {
		want = append(want, q.String())
	}
	slices.Sort(want)
	// Lineage needs the projected columns and those the pushed filter reads.
	cols := slices.Clone(projected)
	for _, q := range sp.Pushed {
		for _, c := range model.Columns(q) {
			cols = append(cols, c[0])
		}
	}
	slices.Sort(cols)
	cols = slices.Compact(cols)
	for _, rd := range lin.Reads {
		if rd.Kind != lineage.ReadLocalFiles {
			t.Errorf("read kind %s, want local_files", rd.Kind)
		}
		if !slices.Equal(rd.Columns, cols) {
			t.Errorf("needed columns %v, want %v", rd.Columns, cols)
		}
		if !slices.Equal(rd.Filters, want) && !(len(rd.Filters) == 0 && len(want) == 0) {
			t.Errorf("pushed filters\n got %q\nwant %q", rd.Filters, want)
		}
	}
}

func TestSubstraitExport(t *testing.T) {
	delta := fixtures.Dir(t, "delta")
	sales := filepath.Join(fixtures.RepoRoot(t), "testdata", "example", "sales")
	tests := []struct {
		name, dir string
		cols      []string
		filter    string
		opaque    bool     // add an opaque conjunct, which must be left out
		left      []string // conjuncts that must be left out (besides the opaque one)
		target    int64
	}{
		{name: "sales: partition, decimal, date, timestamp", dir: sales,
			cols:   []string{"amount", "order_date", "region", "ts"},
			filter: "region = 'EU' AND amount > 100 AND order_date >= DATE '2024-01-01' AND ts < TIMESTAMP '2030-01-01 00:00:00+00:00' AND quantity IN (1, 2, 3)",
			opaque: true, left: []string{"region = 'EU'"}},
		{name: "sales: not in, is null, or, not, between, one unit per file", dir: sales, target: 1,
			cols:   []string{"order_id", "quantity"},
			filter: "quantity NOT IN (4, 5) AND (order_id < 10 OR amount IS NULL) AND NOT (quantity = 7) AND order_id BETWEEN 1 AND 1000000"},
		{name: "sales: inexact literal left out", dir: sales,
			cols:   []string{"quantity"},
			filter: "quantity < 2.5 AND amount = 1.005",
			left:   []string{"amount = 1.005", "quantity < 2.5"}},
		{name: "all types", dir: filepath.Join(delta, "data-skipping-basic-stats-all-types"),
			cols:   []string{"as_big_decimal", "as_byte", "as_date", "as_double", "as_float", "as_int", "as_long", "as_short", "as_string", "as_timestamp"},
			filter: "as_int = 1 AND as_long <> 2 AND as_byte < 3 AND as_short <= 4 AND as_float > 0.5 AND as_double >= 1 AND as_string = 'x' AND as_date = DATE '2021-01-01' AND as_timestamp IS NOT NULL AND as_big_decimal IN (1, 2)"},
		{name: "partition values of every type, nested struct", dir: filepath.Join(delta, "data-reader-partition-values"),
			cols:   []string{"as_boolean", "as_date", "as_big_decimal", "as_float", "as_int", "as_list_of_records", "as_nested_struct", "as_string", "as_string_lit_null", "as_timestamp", "value"},
			filter: "value <> 'x' AND as_nested_struct.ac.aca > 0 AND as_int = 1",
			left:   []string{"as_int = 1"}},
		{name: "timestamp partition column", dir: filepath.Join(delta, "timestamp-partitioned-table"),
			cols: []string{"time", "x"}, filter: "x > 0 AND time > TIMESTAMP '1970-01-01 00:00:00+00:00'",
			left: []string{"time > TIMESTAMP '1970-01-01 00:00:00+00:00'"}},
		{name: "nested struct filter", dir: filepath.Join(delta, "data-reader-nested-struct"),
			cols:   []string{"a", "b"},
			filter: "a.aa = 'x' OR a.ac.acb IS NULL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src, _ := loadSource(t, tc.dir)
			pred, err := ParseFilter(tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			pushed := []model.Pred{pred}
			if tc.opaque {
				pushed = append(pushed, model.Opaque{Text: "fx(amount) > 1", Cols: []model.Column{{"amount"}}})
			}
			units, err := Plan(src.Files, nil, Options{Table: "t", Columns: tc.cols, TargetBytes: tc.target})
			if err != nil {
				t.Fatal(err)
			}
			if len(units) == 0 {
				t.Fatal("no units")
			}
			// Every unit alone, then all of them in one plan.
			for _, u := range units {
				sp, err := Substrait(u, src, pushed)
				if err != nil {
					t.Fatal(err)
				}
				checkExport(t, sp, 1, tc.cols)
				checkItems(t, sp.Plan, src, []Unit{u})
			}
			sp, err := SubstraitAll(units, src, pushed)
			if err != nil {
				t.Fatal(err)
			}
			checkExport(t, sp, len(units), tc.cols)
			checkItems(t, sp.Plan, src, units)
			var left []string
			for _, q := range sp.Left {
				left = append(left, q.String())
			}
			want := slices.Clone(tc.left)
			if tc.opaque {
				want = append(want, "fx(amount) > 1")
			}
			slices.Sort(want)
			if !slices.Equal(left, want) {
				t.Errorf("left out %q, want %q", left, want)
			}
			if n := len(model.Conjuncts(pred)) + len(pushed) - 1; len(sp.Pushed)+len(sp.Left) != n {
				t.Errorf("pushed %d + left %d conjuncts, want %d", len(sp.Pushed), len(sp.Left), n)
			}
		})
	}
}

// checkItems: one parquet item per file, absolute URI, the whole file, the
// unit's ordinal as partition index; partition columns filled in by a
// projection with the unit's values.
func checkItems(t *testing.T, p *substraitpb.Plan, src Source, units []Unit) {
	t.Helper()
	var reads []*substraitpb.ReadRel
	var projects []*substraitpb.ProjectRel
	var walk func(r *substraitpb.Rel)
	walk = func(r *substraitpb.Rel) {
		switch x := r.GetRelType().(type) {
		case *substraitpb.Rel_Read:
			reads = append(reads, x.Read)
		case *substraitpb.Rel_Project:
			projects = append(projects, x.Project)
			walk(x.Project.GetInput())
		case *substraitpb.Rel_Set:
			for _, in := range x.Set.GetInputs() {
				walk(in)
			}
		}
	}
	walk(p.GetRelations()[0].GetRoot().GetInput())
	if len(reads) != len(units) {
		t.Fatalf("%d reads for %d units", len(reads), len(units))
	}
	abs, _ := filepath.Abs(src.Root)
	for ui, u := range units {
		items := reads[ui].GetLocalFiles().GetItems()
		if len(items) != len(u.Files) {
			t.Fatalf("unit %d: %d items for %d files", ui, len(items), len(u.Files))
		}
		for i, it := range items {
			if !strings.HasPrefix(it.GetUriFile(), "file://"+filepath.ToSlash(abs)+"/") {
				t.Errorf("item uri %s not under file://%s", it.GetUriFile(), abs)
			}
			if it.GetLength() != uint64(u.Sizes[i]) || it.GetStart() != 0 || it.GetPartitionIndex() != uint64(ui) || it.GetParquet() == nil {
				t.Errorf("item %d of unit %d: %v", i, ui, it)
			}
		}
		if got := reads[ui].GetBaseSchema().GetStruct().GetTypes(); len(got) != len(src.Schema.Fields) {
			t.Errorf("base schema has %d columns, want the %d of the table", len(got), len(src.Schema.Fields))
		}
	}
	projectsPartition := false
	for _, c := range units[0].ProjectedColumns {
		for _, pc := range src.Files.Partitions {
			projectsPartition = projectsPartition || strings.EqualFold(pc.Name, c)
		}
	}
	if projectsPartition != (len(projects) == len(units)) || !projectsPartition && len(projects) > 0 {
		t.Errorf("%d projections for %d units; partition columns projected: %v", len(projects), len(units), projectsPartition)
	}
	for ui, pr := range projects {
		for _, e := range pr.GetExpressions() {
			if e.GetLiteral() == nil {
				t.Errorf("unit %d: partition projection %v is not a literal", ui, e)
			}
		}
	}
}

func TestSubstraitErrors(t *testing.T) {
	sales := filepath.Join(fixtures.RepoRoot(t), "testdata", "example", "sales")
	src, _ := loadSource(t, sales)
	units, err := Plan(src.Files, nil, Options{Columns: []string{"amount"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		units []Unit
		src   Source
		want  string // in the error
	}{
		{"should fail: no schema", units, Source{Root: sales, Files: src.Files}, "no table schema"},
		{"should fail: no file set", units, Source{Root: sales, Schema: src.Schema}, "no file set"},
		{"should fail: no units", nil, src, "no units"},
		{"should fail: unknown projected column", []Unit{{ID: "u", Files: units[0].Files, ProjectedColumns: []string{"nope"}}}, src, `column "nope"`},
		{"should fail: file not in the snapshot", []Unit{{ID: "u", Files: []string{"gone.parquet"}, ProjectedColumns: []string{"amount"}}}, src, "gone.parquet is not in the snapshot"},
		{"should fail: units project different columns", []Unit{units[0], {ID: "v", ProjectedColumns: []string{"ts"}}}, src, "project different columns"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SubstraitAll(tc.units, tc.src, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestSubstraitEmptyUnit: a unit without files is an empty read whose
// partition columns are typed NULLs.
func TestSubstraitEmptyUnit(t *testing.T) {
	sales := filepath.Join(fixtures.RepoRoot(t), "testdata", "example", "sales")
	src, _ := loadSource(t, sales)
	cols := []string{"order_id", "region"}
	sp, err := Substrait(Unit{ID: "empty", ProjectedColumns: cols}, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkExport(t, sp, 1, cols)
	pr := sp.Plan.GetRelations()[0].GetRoot().GetInput().GetProject()
	if pr == nil || len(pr.GetExpressions()) != 1 || pr.GetExpressions()[0].GetLiteral().GetNull() == nil {
		t.Fatalf("want a projection of one NULL literal for region, got %v", pr)
	}
}

// TestSubstraitObjectStoreURI: files of an object-store table are addressed
// by the store URI.
func TestSubstraitObjectStoreURI(t *testing.T) {
	sales := filepath.Join(fixtures.RepoRoot(t), "testdata", "example", "sales")
	src, _ := loadSource(t, sales)
	src.Root = "s3://bucket/warehouse/sales/"
	units, err := Plan(src.Files, nil, Options{Columns: []string{"order_id"}})
	if err != nil {
		t.Fatal(err)
	}
	sp, err := Substrait(units[0], src, nil)
	if err != nil {
		t.Fatal(err)
	}
	uri := sp.Plan.GetRelations()[0].GetRoot().GetInput().GetRead().GetLocalFiles().GetItems()[0].GetUriFile()
	if want := "s3://bucket/warehouse/sales/" + units[0].Files[0]; uri != want {
		t.Fatalf("uri %s, want %s", uri, want)
	}
}

// FuzzSubstraitFilter: any filter that parses exports to a plan that
// substrait-go accepts and lineage reads back with the pushed conjuncts.
func FuzzSubstraitFilter(f *testing.F) {
	for _, s := range []string{
		"amount > 100", "region = 'EU' OR quantity IN (1, 2)", "NOT (ts IS NULL)",
		"order_date BETWEEN DATE '2024-01-01' AND DATE '2024-12-31'", "quantity NOT IN (1, 2.5)",
		"amount = -12345678901.99 AND order_id <> 9223372036854775807", "TRUE AND NOT FALSE",
	} {
		f.Add(s)
	}
	sales := filepath.Join(fixtures.RepoRoot(f), "testdata", "example", "sales")
	tbl, err := storage.OpenTable(context.Background(), sales)
	if err != nil {
		f.Fatal(err)
	}
	s, err := tbl.Snapshot(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	src := Source{Root: sales, Schema: s.Metadata.Schema, Files: s.Files}
	units, err := Plan(s.Files, nil, Options{Columns: []string{"amount", "order_date", "order_id", "quantity", "region", "ts"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p, err := ParseFilter(text)
		if err != nil {
			return
		}
		sp, err := Substrait(units[0], src, []model.Pred{p})
		if err != nil {
			t.Fatal(err)
		}
		checkExport(t, sp, 1, units[0].ProjectedColumns)
	})
}

// TestSubstraitColumnMapping: under column mapping the read's base schema
// names the physical columns the parquet files hold, the root the logical
// ones; lineage of the plan sees the physical names.
func TestSubstraitColumnMapping(t *testing.T) {
	src, _ := loadSource(t, filepath.Join(fixtures.Dir(t, "delta"), "data-reader-timestamp_ntz-name-mode"))
	if src.ColumnMapping != "name" {
		t.Fatalf("column mapping %q, want name", src.ColumnMapping)
	}
	cols := []string{"id", "tsNtz", "tsNtzPartition"}
	units, err := Plan(src.Files, nil, Options{Columns: cols})
	if err != nil {
		t.Fatal(err)
	}
	pred, _ := ParseFilter("id > 1 AND tsNtz > TIMESTAMP '2000-01-01 00:00:00'")
	sp, err := Substrait(units[0], src, []model.Pred{pred})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plan.FromProto(sp.Plan, extensions.GetDefaultCollectionWithNoError()); err != nil {
		t.Fatal(err)
	}
	root := sp.Plan.GetRelations()[0].GetRoot()
	if got := root.GetNames(); !slices.Equal(got, cols) {
		t.Errorf("root names %v, want logical %v", got, cols)
	}
	var physical []string
	for _, f := range src.Schema.Fields {
		physical = append(physical, f.PhysicalName("name"))
	}
	base := root.GetInput().GetProject().GetInput().GetRead().GetBaseSchema().GetNames()
	if !slices.Equal(base, physical) || slices.Equal(base, cols) {
		t.Errorf("base schema names %v, want physical %v", base, physical)
	}
	js, _ := MarshalSubstraitJSON(sp.Plan)
	p, err := lineage.Decode(js)
	if err != nil {
		t.Fatal(err)
	}
	lin, err := lineage.Analyze(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(sp.Pushed) != 2 {
		t.Errorf("pushed %v, want both conjuncts", sp.Pushed)
	}
	if rd := lin.Reads[0]; len(rd.Filters) != 2 || !strings.HasPrefix(rd.Filters[0], `"col-`) {
		t.Errorf("lineage filters %q, want the physical name", rd.Filters)
	}
}

// TestExporterShared: one Exporter serves concurrent Plan calls, each with
// the same bytes as a call alone (run with -race).
func TestExporterShared(t *testing.T) {
	src, _ := loadSource(t, filepath.Join(fixtures.RepoRoot(t), "testdata", "example", "sales"))
	units, err := Plan(src.Files, nil, Options{Columns: []string{"amount", "region"}, TargetBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewExporter(src)
	if err != nil {
		t.Fatal(err)
	}
	pred, _ := ParseFilter("amount > 1 AND quantity IN (1, 2)")
	want := make([]string, len(units))
	for i, u := range units {
		sp, err := x.Plan([]Unit{u}, []model.Pred{pred})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := MarshalSubstraitJSON(sp.Plan)
		want[i] = string(b)
	}
	got := make([]string, len(units))
	done := make(chan struct{})
	for i, u := range units {
		go func() {
			defer func() { done <- struct{}{} }()
			sp, err := x.Plan([]Unit{u}, []model.Pred{pred})
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := MarshalSubstraitJSON(sp.Plan)
			got[i] = string(b)
		}()
	}
	for range units {
		<-done
	}
	if !slices.Equal(got, want) {
		t.Error("concurrent exports differ from sequential ones")
	}
}

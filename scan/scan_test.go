package scan

import (
	"context"
	"errors"
	"fmt"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/deltaplan/deltaplan/deletionvector"
	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/scan/scantest"
	"github.com/deltaplan/deltaplan/scanunit"
)

func genTable(t *testing.T, sp scantest.Spec) *scantest.Table {
	t.Helper()
	g, err := scantest.Write(filepath.Join(t.TempDir(), "t"), sp)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func count(t *testing.T, tab Table, files []int, opts Options) (int64, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	opts.Allocator = mem
	return Count(context.Background(), tab, files, opts)
}

// TestDeletionVectorsApplied: a generated table whose every file deletes
// each 7th row reads exactly its live rows, also through a filter.
func TestDeletionVectorsApplied(t *testing.T) {
	g := genTable(t, scantest.Spec{Files: 3, RowsPerFile: 2500, DeleteEvery: 7, Seed: 3, RowGroupRows: 600})
	tab := openTable(t, g.Dir)
	n, err := count(t, tab, nil, Options{})
	if err != nil || n != g.LiveRows {
		t.Fatalf("should read the %d live rows: got %d, %v", g.LiveRows, n, err)
	}
	// id % 7 == 0 within a file is deleted: ids < 2500 are file 0, so the
	// rows with id < 700 that survive number 700 - 100.
	n, err = count(t, tab, nil, Options{Filter: model.Cmp{Col: model.Col("id"), Op: model.OpLt, Val: model.IntValue(700)}})
	if err != nil || n != 600 {
		t.Fatalf("should keep 600 of the first 700 rows after deletions: got %d, %v", n, err)
	}
}

// TestBadInput: each defect is an error naming the file, never a panic or
// a silent answer.
func TestBadInput(t *testing.T) {
	cases := []struct {
		name    string
		mutate  func(t *testing.T, g *scantest.Table)
		wantErr error
		reason  string
	}{
		{"missing-data-file", func(t *testing.T, g *scantest.Table) {
			if err := os.Remove(g.DataFiles[1]); err != nil {
				t.Fatal(err)
			}
		}, os.ErrNotExist, "should fail naming the missing file"},
		{"truncated-parquet", func(t *testing.T, g *scantest.Table) {
			st, _ := os.Stat(g.DataFiles[1])
			if err := os.Truncate(g.DataFiles[1], st.Size()/2); err != nil {
				t.Fatal(err)
			}
		}, nil, "should fail naming the truncated file"},
		{"dv-cardinality", func(t *testing.T, g *scantest.Table) {
			p := filepath.Join(g.Dir, "_delta_log", "00000000000000000000.json")
			data, _ := os.ReadFile(p)
			s := strings.Replace(string(data), `"cardinality":358`, `"cardinality":357`, 1)
			if s == string(data) {
				t.Fatal("no cardinality 358 in the log")
			}
			os.WriteFile(p, []byte(s), 0o644)
		}, deletionvector.ErrCardinality, "should fail: the log says one row fewer than the bitmap"},
		{"dv-missing", func(t *testing.T, g *scantest.Table) {
			ms, _ := filepath.Glob(filepath.Join(g.Dir, "deletion_vector_*.bin"))
			os.Remove(ms[0])
		}, os.ErrNotExist, "should fail naming the deletion-vector file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := genTable(t, scantest.Spec{Files: 3, RowsPerFile: 2500, DeleteEvery: 7, Seed: 3})
			c.mutate(t, g)
			tab := openTable(t, g.Dir)
			_, err := count(t, tab, nil, Options{Columns: []string{"id", "s"}})
			if err == nil {
				t.Fatalf("%s: no error", c.reason)
			}
			if c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Fatalf("%s: got %v", c.reason, err)
			}
			msg := err.Error()
			named := false
			for _, f := range g.DataFiles {
				named = named || strings.Contains(msg, filepath.Base(f))
			}
			if !named || (c.name == "dv-missing" && !strings.Contains(msg, "deletion_vector_")) {
				t.Fatalf("%s: error does not name the file: %v", c.reason, err)
			}
		})
	}
}

// randomPred builds a random predicate over the generated schema.
func randomPred(r *rand.Rand, depth int) model.Pred {
	if depth > 0 && r.IntN(3) == 0 {
		a, b := randomPred(r, depth-1), randomPred(r, depth-1)
		switch r.IntN(3) {
		case 0:
			return model.And{Args: []model.Pred{a, b}}
		case 1:
			return model.Or{Args: []model.Pred{a, b}}
		}
		return model.Not{Arg: a}
	}
	op := model.Op(r.IntN(6))
	switch r.IntN(6) {
	case 0:
		return model.Cmp{Col: model.Col("k"), Op: op, Val: model.IntValue(int64(r.IntN(1100) - 50))}
	case 1:
		return model.Cmp{Col: model.Col("x"), Op: op, Val: model.FloatValue(r.Float64())}
	case 2:
		return model.Cmp{Col: model.Col("s"), Op: op, Val: model.StringValue(string(rune('a' + r.IntN(27))))}
	case 3:
		return model.IsNull{Col: model.Col([]string{"k", "x", "s"}[r.IntN(3)]), Negated: r.IntN(2) == 0}
	case 4:
		return model.In{Col: model.Col("k"), Vals: []model.Value{model.IntValue(int64(r.IntN(1000))), model.IntValue(int64(r.IntN(1000)))}, Negated: r.IntN(2) == 0}
	}
	return model.Cmp{Col: model.Col("id"), Op: op, Val: model.IntValue(int64(r.IntN(20000)))}
}

// TestPruningSoundEndToEnd: for random filters, scanning every file with
// the filter equals scanning only the files the pruner keeps with the
// filter (row groups of 500 rows, 8 files sorted by id so pruning bites).
func TestPruningSoundEndToEnd(t *testing.T) {
	g := genTable(t, scantest.Spec{Files: 8, RowsPerFile: 1500, Seed: 11, RowGroupRows: 500})
	tab := openTable(t, g.Dir)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 60; i++ {
		p := randomPred(r, 2)
		all, err := count(t, tab, nil, Options{Filter: p})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		pr, err := scanunit.NewPruner(p, scanunit.SchemaOf(tab.Snapshot.Files))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		kept, err := pr.Keep(tab.Snapshot.Files)
		if err != nil {
			t.Fatal(err)
		}
		some, err := count(t, tab, kept, Options{Filter: p})
		if err != nil {
			t.Fatal(err)
		}
		if all != some {
			t.Fatalf("filter %s: all files give %d rows, the %d kept files %d", p, all, len(kept), some)
		}
	}
}

// TestFixturePruningSound runs the same property on the example table,
// whose files have statistics and partitions.
func TestFixturePruningSound(t *testing.T) {
	tab := openTable(t, filepath.Join(fixtures.RepoRoot(t), "testdata", "example", "sales"))
	for _, f := range []string{"region = 'EU'", "region IN ('EU', 'NA') AND amount > 100", "amount > 900 OR region IS NULL", "NOT (quantity < 5)", "order_date >= DATE '2024-05-03'", "ts > TIMESTAMP '2024-05-02 00:00:00'", "region <> 'APAC' AND quantity IS NOT NULL"} {
		p, err := scanunit.ParseFilter(f)
		if err != nil {
			t.Fatal(err)
		}
		all, err := count(t, tab, nil, Options{Filter: p})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		pr, err := scanunit.NewPruner(p, scanunit.SchemaOf(tab.Snapshot.Files))
		if err != nil {
			t.Fatal(err)
		}
		kept, _ := pr.Keep(tab.Snapshot.Files)
		some, err := count(t, tab, kept, Options{Filter: p})
		if err != nil || all != some {
			t.Fatalf("%s: all %d, kept %d (%d files), %v", f, all, some, len(kept), err)
		}
	}
}

// TestEarlyStopAndCancel: breaking out of the stream and cancelling the
// context both stop cleanly without leaking buffers.
func TestEarlyStopAndCancel(t *testing.T) {
	g := genTable(t, scantest.Spec{Files: 6, RowsPerFile: 5000, Seed: 5, RowGroupRows: 1000})
	tab := openTable(t, g.Dir)
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	_, seq, err := Snapshot(context.Background(), tab, Options{Allocator: mem, BatchSize: 512, Concurrency: 3})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rec, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		rec.Release()
		if n++; n == 3 {
			break
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, seq, _ = Snapshot(ctx, tab, Options{Allocator: mem, BatchSize: 512})
	var gotErr error
	for rec, err := range seq {
		if err != nil {
			gotErr = err
			continue
		}
		rec.Release()
		cancel()
	}
	if !errors.Is(gotErr, context.Canceled) {
		t.Fatalf("should report cancellation, got %v", gotErr)
	}
}

// TestProjectionAndFilterColumns: output holds exactly the requested
// columns, in table order, even when the filter reads others.
func TestProjectionAndFilterColumns(t *testing.T) {
	g := genTable(t, scantest.Spec{Files: 2, RowsPerFile: 100, Seed: 9})
	tab := openTable(t, g.Dir)
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	schema, seq, err := Snapshot(context.Background(), tab, Options{Allocator: mem, Columns: []string{"s", "id"}, Filter: model.Cmp{Col: model.Col("k"), Op: model.OpGe, Val: model.IntValue(0)}})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%s %s %d", schema.Field(0).Name, schema.Field(1).Name, schema.NumFields()); got != "id s 2" {
		t.Fatalf("schema should be id, s in table order: %s", got)
	}
	for rec, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		if rec.NumCols() != 2 {
			t.Fatalf("batch has %d columns", rec.NumCols())
		}
		rec.Release()
	}
	for _, bad := range []Options{{Columns: []string{"nope"}}, {Filter: model.Cmp{Col: model.Col("nope"), Op: model.OpEq, Val: model.IntValue(1)}}, {Filter: model.Opaque{Text: "f(x)"}}, {Filter: model.Cmp{Col: model.Col("k"), Op: model.OpEq, Val: model.StringValue("a")}}} {
		if _, _, err := Snapshot(context.Background(), tab, bad); err == nil {
			t.Errorf("%+v should be rejected before reading", bad)
		}
	}
}

// TestRowGroupSkipping: with 500-row groups over ascending ids, a filter on
// id skips every row group but the matching ones, and still counts exactly.
func TestRowGroupSkipping(t *testing.T) {
	g := genTable(t, scantest.Spec{Files: 1, RowsPerFile: 3000, Seed: 4, RowGroupRows: 500})
	tab := openTable(t, g.Dir)
	pred := model.And{Args: []model.Pred{
		model.Cmp{Col: model.Col("id"), Op: model.OpGe, Val: model.IntValue(1200)},
		model.Cmp{Col: model.Col("id"), Op: model.OpLt, Val: model.IntValue(1300)}}}
	p, err := newPlan(tab, Options{Filter: pred})
	if err != nil || p.rgPruner == nil {
		t.Fatalf("should build a row-group pruner: %v", err)
	}
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	p.mem = mem
	err = p.readFile(context.Background(), 0, func(rec arrow.RecordBatch) bool {
		rec.Release()
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := count(t, tab, nil, Options{Filter: pred})
	if err != nil || n != 100 {
		t.Fatalf("should count the 100 ids in [1200, 1300): %d, %v", n, err)
	}
	rd, _ := newRangeReader(t, g.DataFiles[0])
	fr, pf := rd.fr, rd.pf
	defer pf.Close()
	src := make([]int, len(p.fields))
	for i, of := range p.fields {
		src[i] = findField(fr.Manifest.Fields, of.field, p.mode)
	}
	skip, err := p.skipRowGroups(pf, fr, 0, src)
	if err != nil {
		t.Fatal(err)
	}
	want := []bool{true, true, false, true, true, true}
	if fmt.Sprint(skip) != fmt.Sprint(want) {
		t.Fatalf("should read only row group 2 (ids 1000..1499): skip %v", skip)
	}
}

type openedParquet struct {
	pf *file.Reader
	fr *pqarrow.FileReader
}

func newRangeReader(t *testing.T, path string) (openedParquet, error) {
	t.Helper()
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	return openedParquet{pf, fr}, nil
}

package scan

import (
	"context"
	"encoding/json"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/scan/scantest"
	"github.com/deltaplan/deltaplan/scanunit"
)

// duckDBEnv names the directory scripts/duckdb/install.sh prints (it holds
// node_modules/@duckdb/node-api). The Makefile's test target sets it.
const duckDBEnv = "DELTAPLAN_DUCKDB"

// duckDB returns the oracle's directory. Without it a CI run fails (the
// comparison must not silently vanish); a plain `go test` skips, saying how
// to enable it.
func duckDB(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(duckDBEnv)
	if dir == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI must run the DuckDB oracle (make test sets it via scripts/duckdb/install.sh)", duckDBEnv)
		}
		t.Skipf("DuckDB oracle skipped: set %s=$(bash scripts/duckdb/install.sh) or run make test", duckDBEnv)
	}
	return dir
}

// duckCounts asks DuckDB for count(*) over files for each where clause.
func duckCounts(t *testing.T, dir string, files, where []string) []int64 {
	t.Helper()
	req, _ := json.Marshal(map[string]any{"files": files, "where": where})
	rf := filepath.Join(t.TempDir(), "req.json")
	if err := os.WriteFile(rf, req, 0o644); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(fixtures.RepoRoot(t), "scripts", "duckdb", "count.js")
	out, err := exec.Command("node", script, dir, rf).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("duckdb: %v: %s", err, ee.Stderr)
		}
		t.Fatalf("duckdb: %v", err)
	}
	var counts []int64
	if err := json.Unmarshal(out, &counts); err != nil {
		t.Fatalf("duckdb output %q: %v", out, err)
	}
	return counts
}

// TestDuckDBOracle: on tables without deletion vectors or column mapping,
// DuckDB reading the same parquet files gives the same counts, filtered and
// unfiltered, as a scan (which prunes files with the filter first, then
// filters rows).
func TestDuckDBOracle(t *testing.T) {
	dir := duckDB(t)
	gen, err := scantest.Write(filepath.Join(t.TempDir(), "gen"), scantest.Spec{Files: 8, RowsPerFile: 3000, Seed: 7, RowGroupRows: 1000})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		dir    string
		where  []string
		reason string
	}{
		{"generated", gen.Dir, append([]string{""}, gen.PlainFilter...), "NULLs, NaN, IN lists, NOT, dates: three-valued logic must agree"},
		{"example-sales", filepath.Join(fixtures.RepoRoot(t), "testdata", "example", "sales"), []string{"", "amount > 100", "quantity BETWEEN 3 AND 9 AND amount <= 500", "order_date = DATE '2024-05-02' OR quantity IS NULL"}, "decimals, dates, a partitioned table (the filter avoids the partition column)"},
		{"basic-with-inserts-updates", fixtures.Dir(t, "delta/basic-with-inserts-updates"), []string{""}, "rewritten files: only active files count"},
		{"parquet-all-types", fixtures.Dir(t, "delta/parquet-all-types"), []string{""}, "every primitive type"},
		{"decimal-various-scale-precision", fixtures.Dir(t, "delta/decimal-various-scale-precision"), []string{""}, "decimals"},
		{"parquet-decimal-type", fixtures.Dir(t, "delta/parquet-decimal-type"), []string{""}, "100k rows"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab := openTable(t, c.dir)
			var paths []string
			for _, p := range tab.Snapshot.Files.Paths {
				paths = append(paths, filepath.Join(c.dir, p))
			}
			want := duckCounts(t, dir, paths, c.where)
			for i, w := range c.where {
				mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
				opts := Options{Allocator: mem}
				files := []int(nil)
				if w != "" {
					pred, err := scanunit.ParseFilter(w)
					if err != nil {
						t.Fatal(err)
					}
					opts.Filter = pred
					pr, err := scanunit.NewPruner(pred, scanunit.SchemaOf(tab.Snapshot.Files))
					if err == nil {
						if files, err = pr.Keep(tab.Snapshot.Files); err != nil {
							t.Fatal(err)
						}
					}
				}
				got, err := Count(context.Background(), tab, files, opts)
				if err != nil {
					t.Fatalf("%q: %v", w, err)
				}
				mem.AssertSize(t, 0)
				if got != want[i] {
					t.Errorf("%s: filter %q: scan counts %d, DuckDB %d", c.reason, w, got, want[i])
				}
			}
		})
	}
}

// TestDuckDBReadsScanOutput: the rows a scan yields, written as parquet,
// read back by DuckDB with the same count and the same filtered count —
// for tables with deletion vectors and column mapping too, which DuckDB
// cannot read from the Delta files themselves.
func TestDuckDBReadsScanOutput(t *testing.T) {
	dir := duckDB(t)
	cases := []struct {
		name   string
		where  string
		reason string
	}{
		{"dv-with-columnmapping", "", "deletion vectors and column mapping by name"},
		{"table-with-dv-small", "value > 3", "stored deletion vectors, filtered"},
		{"data-skipping-basic-stats-all-types-columnmapping-id", "", "mapping by field id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab := openTable(t, fixtures.Dir(t, "delta/"+c.name))
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			schema, seq, err := Snapshot(context.Background(), tab, Options{Allocator: mem})
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "rows.parquet")
			fh, err := os.Create(out)
			if err != nil {
				t.Fatal(err)
			}
			w, err := pqarrow.NewFileWriter(schema, fh, nil, pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem)))
			if err != nil {
				t.Fatal(err)
			}
			var rows int64
			for rec, err := range seq {
				if err != nil {
					t.Fatal(err)
				}
				rows += rec.NumRows()
				if err := w.WriteBuffered(rec); err != nil {
					t.Fatal(err)
				}
				rec.Release()
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			where := []string{""}
			if c.where != "" {
				where = append(where, c.where)
			}
			got := duckCounts(t, dir, []string{out}, where)
			if got[0] != rows {
				t.Fatalf("%s: DuckDB reads %d rows, the scan wrote %d", c.reason, got[0], rows)
			}
			if c.where != "" {
				p, err := scanunit.ParseFilter(c.where)
				if err != nil {
					t.Fatal(err)
				}
				n, err := Count(context.Background(), tab, nil, Options{Filter: p, Allocator: mem})
				if err != nil || n != got[1] {
					t.Fatalf("%s: filter %q: scan %d, DuckDB on the scan's rows %d (%v)", c.reason, c.where, n, got[1], err)
				}
			}
		})
	}
}

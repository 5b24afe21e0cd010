package bench_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/scan/scantest"
)

// scanBenchDir holds the generated tables (never the repository): 8 files
// of 500,000 rows each, one plain and one whose files delete every 10th row
// with deletion vectors. Generated once, reused by later runs.
const scanBenchDir = "/tmp/deltaplan-scan-bench"

const scanBenchFilter = "k < 500 AND x > 0.5"

func scanBenchTable(b *testing.B, name string, deleteEvery int) *scantest.Table {
	b.Helper()
	dir := filepath.Join(scanBenchDir, name)
	stamp := filepath.Join(dir, ".complete")
	if _, err := os.Stat(stamp); err != nil {
		os.RemoveAll(dir)
		if _, err := scantest.Write(dir, scantest.Spec{Files: 8, RowsPerFile: 500000, DeleteEvery: deleteEvery, Seed: 42}); err != nil {
			b.Fatal(err)
		}
		os.WriteFile(stamp, nil, 0o644)
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.parquet"))
	return &scantest.Table{Dir: dir, DataFiles: paths}
}

// runProc runs one whole process and returns its stdout and CPU time
// (user + system).
func runProc(b *testing.B, name string, args ...string) (string, time.Duration) {
	b.Helper()
	cmd := exec.Command(name, args...)
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			b.Fatalf("%s: %v: %s", name, err, ee.Stderr)
		}
		b.Fatalf("%s: %v", name, err)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return string(out), time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkScanVsDuckDB counts the rows matching a two-column filter in a
// 4M-row, 8-file table, as whole processes: `deltaplan scan --count` and
// DuckDB (npm @duckdb/node-api, the oracle of the scan tests) reading the
// same parquet files. Both must agree on the count. Reports rows/s and MB/s
// of wall time and per CPU-second. DuckDB cannot apply Delta deletion
// vectors, so the DV case runs deltaplan alone (compare it with the plain
// case). Needs DELTAPLAN_DUCKDB (bash scripts/duckdb/install.sh prints it).
func BenchmarkScanVsDuckDB(b *testing.B) {
	duck := os.Getenv("DELTAPLAN_DUCKDB")
	if duck == "" {
		b.Skip("set DELTAPLAN_DUCKDB=$(bash scripts/duckdb/install.sh) to compare with DuckDB")
	}
	root := fixtures.RepoRoot(b)
	bin := filepath.Join(b.TempDir(), "deltaplan")
	if out, err := exec.Command("go", "build", "-o", bin, filepath.Join(root, "cmd", "deltaplan")).CombinedOutput(); err != nil {
		b.Fatalf("build: %v: %s", err, out)
	}
	plain := scanBenchTable(b, "plain", 0)
	dv := scanBenchTable(b, "dv", 10)
	var bytes int64
	for _, p := range plain.DataFiles {
		st, _ := os.Stat(p)
		bytes += st.Size()
	}
	req, _ := json.Marshal(map[string]any{"files": plain.DataFiles, "where": []string{scanBenchFilter}})
	reqPath := filepath.Join(b.TempDir(), "req.json")
	os.WriteFile(reqPath, req, 0o644)
	const rows = 4000000
	report := func(b *testing.B, cpu time.Duration) {
		wall := b.Elapsed().Seconds() / float64(b.N)
		c := cpu.Seconds() / float64(b.N)
		b.ReportMetric(rows/wall, "rows/s")
		b.ReportMetric(float64(bytes)/1e6/wall, "MB/s")
		b.ReportMetric(rows/c, "rows/cpu-s")
		b.ReportMetric(float64(bytes)/1e6/c, "MB/cpu-s")
	}
	counts := map[string]string{}
	for _, c := range []struct{ name, table string }{{"deltaplan", plain.Dir}, {"deltaplan-dv", dv.Dir}} {
		b.Run(c.name, func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				out, t := runProc(b, bin, "scan", c.table, "--filter", scanBenchFilter, "--count", "--json")
				cpu += t
				var j struct{ Rows int64 }
				json.Unmarshal([]byte(out), &j)
				counts[c.name] = fmt.Sprint(j.Rows)
			}
			report(b, cpu)
		})
	}
	b.Run("duckdb", func(b *testing.B) {
		var cpu time.Duration
		for b.Loop() {
			out, t := runProc(b, "node", filepath.Join(root, "scripts", "duckdb", "count.js"), duck, reqPath)
			cpu += t
			counts["duckdb"] = strings.Trim(strings.TrimSpace(out), "[]")
		}
		report(b, cpu)
	})
	if counts["deltaplan"] != counts["duckdb"] {
		b.Fatalf("deltaplan counts %s rows, DuckDB %s", counts["deltaplan"], counts["duckdb"])
	}
}

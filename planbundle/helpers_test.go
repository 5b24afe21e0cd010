package planbundle

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/session"
	"github.com/deltaplan/deltaplan/storage"
)

// salesDir is the example table (testdata/example/sales, five versions,
// partitioned by region, with stats); lettersDir a Delta fixture partitioned
// by letter.
func salesDir(tb testing.TB) string {
	return filepath.Join(fixtures.RepoRoot(tb), "testdata", "example", "sales")
}

func lettersDir(tb testing.TB) string {
	return filepath.Join(fixtures.Dir(tb, "delta"), "basic_partitioned")
}

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func revenuePlan(tb testing.TB) []byte {
	return readFile(tb, filepath.Join(fixtures.RepoRoot(tb), "testdata", "example", "plans", "revenue_by_region.json"))
}

func joinPlan(tb testing.TB) []byte {
	return readFile(tb, filepath.Join("testdata", "sales_join_letters.json"))
}

func exampleSession(tb testing.TB) *session.Runtime {
	tb.Helper()
	rt, err := session.Load(context.Background(), filepath.Join(fixtures.RepoRoot(tb), "testdata", "example", "session.json"))
	if err != nil {
		tb.Fatal(err)
	}
	return rt
}

func mustBuild(tb testing.TB, in Inputs) *Bundle {
	tb.Helper()
	b, err := pinAndBuild(context.Background(), in)
	if err != nil {
		tb.Fatalf("Build: %v", err)
	}
	return b
}

// copyDir copies a table directory tree (a few small files).
func copyDir(tb testing.TB, src, dst string) {
	tb.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		tb.Fatalf("copy %s: %v", src, err)
	}
}

func version(v int64) *int64 { return &v }

// pinAndBuild pins every table not pinned yet, as the command does
// (Pin through storage.OpenTable), then builds: Build itself does no I/O.
func pinAndBuild(ctx context.Context, in Inputs) (*Bundle, error) {
	in.Tables = slices.Clone(in.Tables)
	for i, t := range in.Tables {
		if t.Snapshot != nil || t.Location == "" || (t.Version != nil && *t.Version < 0) {
			continue // validation reports these
		}
		s, err := Pin(ctx, storage.OpenTable, t)
		if err != nil {
			return nil, err
		}
		in.Tables[i].Snapshot = s
	}
	return Build(ctx, in)
}

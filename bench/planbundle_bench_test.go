package bench_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/planbundle"
	"github.com/deltaplan/deltaplan/session"
	"github.com/deltaplan/deltaplan/storage"
)

// BenchmarkPlanBundle measures planbundle.Build end to end (decode, lineage,
// snapshot of the example table, pruning, scan units, signature) and
// Diff of two bundles that differ in their Delta pin and a setting.
func BenchmarkPlanBundle(b *testing.B) {
	root := fixtures.RepoRoot(b)
	plan, err := os.ReadFile(filepath.Join(root, "testdata", "example", "plans", "revenue_by_region.json"))
	if err != nil {
		b.Fatal(err)
	}
	rt, err := session.Load(context.Background(), filepath.Join(root, "testdata", "example", "session.json"))
	if err != nil {
		b.Fatal(err)
	}
	sales := filepath.Join(root, "testdata", "example", "sales")
	in := planbundle.Inputs{Plan: plan, Tables: []planbundle.Table{{Name: "sales", Location: sales}}, Session: rt}
	// What `deltaplan plan` does: pin (the I/O), then Build.
	build := func(ctx context.Context, in planbundle.Inputs) (*planbundle.Bundle, error) {
		for i := range in.Tables {
			s, err := planbundle.Pin(ctx, storage.OpenTable, in.Tables[i])
			if err != nil {
				return nil, err
			}
			in.Tables[i].Snapshot = s
		}
		return planbundle.Build(ctx, in)
	}
	b.Run("build/example", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := build(context.Background(), in); err != nil {
				b.Fatal(err)
			}
		}
	})
	v2 := int64(2)
	x, err := build(context.Background(), in)
	if err != nil {
		b.Fatal(err)
	}
	in.Tables[0].Version = &v2
	in.Session = session.Empty()
	y, err := build(context.Background(), in)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("diff/example", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := planbundle.Diff(x, y); err != nil {
				b.Fatal(err)
			}
		}
	})
}

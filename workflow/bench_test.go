package workflow_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/deltaplan/deltaplan/workflow"
)

// BenchmarkExample: the whole schedule of the example workflow (pins, four
// bundles, task graph), and the scheduling step alone against a previous run.
func BenchmarkExample(b *testing.B) {
	w, err := workflow.Load(filepath.Join(example, "workflow.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("build+schedule", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			g, err := workflow.Build(context.Background(), w, workflow.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := g.Schedule(nil, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	g, err := workflow.Build(context.Background(), w, workflow.Options{})
	if err != nil {
		b.Fatal(err)
	}
	prev, err := g.Schedule(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("schedule", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := g.Schedule(nil, prev); err != nil {
				b.Fatal(err)
			}
		}
	})
}

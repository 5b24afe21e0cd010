package deltagen

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/workflow"
)

// TestWriteWorkflow builds a small generated workflow and checks that its
// task graph has the generated shape: each source view reads the scan
// units of its partitions, each derived view its upstream views, and a
// commit to a partition changes only that partition's units.
func TestWriteWorkflow(t *testing.T) {
	dir := t.TempDir()
	spec := WorkflowSpec{Views: 60, Partitions: 7, FilesPerPartition: 2, Commits: 3, DerivedEvery: 4, Levels: 3, Filters: 2, Seed: 1}
	res, err := WriteWorkflow(dir, spec)
	if err != nil {
		t.Fatal(err)
	}
	if res.Source != 45 || res.Derived != 15 || res.Files != 14 || res.Version != 2 {
		t.Fatalf("result %+v", res)
	}
	again, err := WriteWorkflow(t.TempDir(), spec)
	if err != nil {
		t.Fatal(err)
	}
	plans, err := filepath.Glob(filepath.Join(dir, "plans", "*.json"))
	if err != nil || len(plans) != res.PlanFiles {
		t.Fatalf("%d plan files, want %d (%v)", len(plans), res.PlanFiles, err)
	}
	files := []string{"workflow.json", "_delta_log/00000000000000000002.json"}
	for _, p := range plans {
		files = append(files, "plans/"+filepath.Base(p))
	}
	for _, f := range files {
		if strings.HasPrefix(f, "_delta_log") {
			f = "events/" + f
		}
		a, errA := os.ReadFile(filepath.Join(dir, f))
		b, errB := os.ReadFile(filepath.Join(filepath.Dir(again.Path), f))
		if errA != nil || errB != nil || string(a) != string(b) {
			t.Fatalf("%s differs between two runs (%v, %v)", f, errA, errB)
		}
	}
	graph := func() map[string][]string {
		w, err := workflow.Load(res.Path)
		if err != nil {
			t.Fatal(err)
		}
		g, err := workflow.Build(context.Background(), w, workflow.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s, err := g.Schedule(nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		preds := map[string][]string{}
		for _, e := range s.Edges {
			preds[e[1]] = append(preds[e[1]], e[0])
		}
		return preds
	}
	before := graph()
	for name, ups := range res.Upstream {
		var want []string
		for _, u := range ups {
			want = append(want, workflow.ViewNode(u))
		}
		if got := before[workflow.ViewNode(name)]; !slices.Equal(got, want) {
			t.Errorf("%s reads %v, want %v", name, got, want)
		}
	}
	for name, parts := range res.Partition {
		if got := before[workflow.ViewNode(name)]; len(got) != len(parts) || !strings.HasPrefix(got[0], "scan:events:") {
			t.Errorf("%s reads %v, want one scan unit for each of partitions %v", name, got, parts)
		}
	}
	if _, err := res.CommitToPartition(3); err != nil {
		t.Fatal(err)
	}
	after := graph()
	for name, parts := range res.Partition {
		changed := !slices.Equal(before[workflow.ViewNode(name)], after[workflow.ViewNode(name)])
		if reads := slices.Contains(parts, 3); changed != reads {
			t.Errorf("%s (partitions %v): scan units changed %v after a commit to partition 3", name, parts, changed)
		}
	}
}

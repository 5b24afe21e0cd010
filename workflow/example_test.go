package workflow_test

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"

	"github.com/deltaplan/deltaplan/cachekey"
	"github.com/deltaplan/deltaplan/freshness"
	"github.com/deltaplan/deltaplan/workflow"
)

func ExampleParse() {
	w, err := workflow.Parse([]byte(`{
	  "tables": {"sales": "sales"},
	  "views": {"report": {"plan": "plans/report.json"},
	            "by_region": {"plan": "plans/by_region.json", "behavior": "recompute", "versions": {"sales": 3}}}}`),
		filepath.Join("wf", "workflow.json"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range w.Views {
		fmt.Println(v.Name, filepath.ToSlash(v.Plan), v.Behavior, v.Pins)
	}
	// Output:
	// by_region wf/plans/by_region.json recompute [{sales 3}]
	// report wf/plans/report.json default []
}

// Schedule the example workflow twice: the second run, given the first as
// its previous run, only recomputes the view whose behavior says so.
func ExampleGraph_Schedule() {
	w, err := workflow.Load("../testdata/example/workflow.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	g, err := workflow.Build(context.Background(), w, workflow.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	first, _ := g.Schedule(nil, nil)
	second, _ := g.Schedule(nil, first)
	fmt.Println("first run:", first.Summary.Stale, "stale of", first.Summary.Admitted)
	for _, n := range second.Nodes {
		if n.View != "" {
			fmt.Println(n.Name, n.Status, "("+n.Reason+")")
		}
	}
	fmt.Println("critical path:", first.CriticalPath.Nodes)
	// Output:
	// first run: 7 stale of 7
	// view:region_report fresh (cache hit)
	// view:revenue_by_region fresh (cache hit)
	// view:revenue_by_region_v2 fresh (cache hit)
	// view:top_eu_orders stale (recompute)
	// critical path: [scan:sales:5d57e9f4521168f2 view:revenue_by_region view:region_report]
}

// Plan the example workflow against an empty ledger: every node is missing,
// and each has a cache key that says what its result depends on.
func ExampleGraph_PlanRun() {
	w, err := workflow.Load("../testdata/example/workflow.json")
	if err != nil {
		panic(err)
	}
	g, err := workflow.Build(context.Background(), w, workflow.Options{})
	if err != nil {
		panic(err)
	}
	s, run, err := g.PlanRun(context.Background(), freshness.NewMemory(), workflow.LedgerOptions{RunID: "run-1", Requested: []string{"region_report"}})
	if err != nil {
		panic(err)
	}
	k, _ := cachekey.Decode(s.Nodes[slices.IndexFunc(s.Nodes, func(n workflow.Node) bool { return n.Name == "view:region_report" })].CacheKey)
	fmt.Println(s.RunID, s.Summary.Missing, "missing of", s.Summary.Admitted, "admitted;", len(run.Nodes), "planned")
	fmt.Println(k.Node, "keys on", slices.Sorted(maps.Keys(k.Dependencies)))
	// Output:
	// run-1 4 missing of 4 admitted; 7 planned
	// view:region_report keys on [view:revenue_by_region]
}

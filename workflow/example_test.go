package workflow_test

import (
	"context"
	"fmt"
	"path/filepath"

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
	// view:region_report fresh (unchanged signature)
	// view:revenue_by_region fresh (unchanged signature)
	// view:revenue_by_region_v2 fresh (unchanged signature)
	// view:top_eu_orders stale (recompute)
	// critical path: [scan:sales:5d57e9f4521168f2 view:revenue_by_region view:region_report]
}

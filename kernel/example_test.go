package kernel_test

import (
	"fmt"

	"github.com/deltaplan/deltaplan/kernel"
)

func Example() {
	g, err := kernel.New(
		[]string{"view:report", "scan:orders", "scan:users", "view:daily"},
		[]kernel.Edge{
			{From: "scan:orders", To: "view:daily", Weight: 40},
			{From: "scan:users", To: "view:report", Weight: 10},
			{From: "view:daily", To: "view:report", Weight: 5},
			{From: "scan:orders", To: "view:report", Weight: 40}, // implied by view:daily
		})
	if err != nil {
		panic(err)
	}
	order, _ := g.LexicographicOrder()
	gens, _ := g.Generations()
	red, _ := g.TransitiveReduction()
	path, _ := g.LongestPath()
	fmt.Println("order:", order)
	fmt.Println("generations:", gens)
	fmt.Println("removed:", red.Removed())
	fmt.Println("critical:", path.Nodes, path.Length, "tied:", path.Tied)
	// Output:
	// order: [scan:orders scan:users view:daily view:report]
	// generations: [[scan:orders scan:users] [view:daily] [view:report]]
	// removed: [{scan:orders view:report 40}]
	// critical: [scan:orders view:daily view:report] 45 tied: false
}

func ExampleGraph_FindCycle() {
	g, _ := kernel.New([]string{"a", "b", "c"}, []kernel.Edge{{From: "b", To: "c"}, {From: "c", To: "b"}, {From: "a", To: "b"}})
	_, err := g.Generations()
	fmt.Println(err)
	// Output:
	// graph has a cycle: b -> c -> b
}

func ExampleScheduler() {
	g, _ := kernel.New([]string{"a", "b", "c", "d"}, []kernel.Edge{{From: "a", To: "c"}, {From: "b", To: "c"}, {From: "c", To: "d"}})
	s, _ := kernel.NewScheduler(g)
	fmt.Println(s.Ready())
	_ = s.Done("b")
	fmt.Println(s.Ready()) // c still waits for a
	_ = s.Done("a")
	fmt.Println(s.Ready())
	// Output:
	// [a b]
	// []
	// [c]
}

func ExampleTaskGraph_Criticality() {
	tasks := []kernel.Task{
		{Name: "scan:orders/0", Kind: kernel.KindScanUnit, Weight: 400},
		{Name: "scan:orders/1", Kind: kernel.KindScanUnit, Weight: 100},
		{Name: "view:daily", Kind: kernel.KindView},
		{Name: "view:audit", Kind: kernel.KindView},
	}
	deps := []kernel.Edge{{From: "scan:orders/0", To: "view:daily"}, {From: "scan:orders/1", To: "view:audit"}}
	tg, _ := kernel.NewTaskGraph(tasks, deps)
	crit := tg.Criticality()
	for _, t := range tg.Tasks() {
		fmt.Println(t.Name, crit[t.Name])
	}
	// Output:
	// scan:orders/0 400
	// scan:orders/1 100
	// view:audit 0
	// view:daily 0
}

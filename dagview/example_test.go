package dagview_test

import (
	"os"

	"github.com/deltaplan/deltaplan/dagview"
)

func ExampleDOT() {
	g := dagview.Graph{
		Nodes: []dagview.Node{
			{Name: "scan:sales:1", Kind: dagview.KindScanUnit, Status: dagview.StatusFresh, Bytes: 2048},
			{Name: "view:report", Kind: dagview.KindView, Status: dagview.StatusStale, Causes: []string{"code: plan changed"}},
		},
		Edges:        [][2]string{{"scan:sales:1", "view:report"}},
		CriticalPath: []string{"scan:sales:1", "view:report"},
	}
	if err := dagview.DOT(os.Stdout, g, dagview.Options{}); err != nil {
		panic(err)
	}
	// Output:
	// digraph deltaplan {
	//   rankdir=LR;
	//   node [shape=box, style="filled", fontname="sans-serif", fontsize=10];
	//   "scan:sales:1" [label="scan:sales:1", fillcolor="#66bb6a", style="filled,rounded", tooltip="scan:sales:1\nstatus: fresh   behavior: -   bytes: 2048 (2.0 KiB)\non the critical path", penwidth=3, color="#6a1b9a"];
	//   "view:report" [label="view:report", fillcolor="#ffa726", style="filled", tooltip="view:report\nstatus: stale   behavior: -   bytes: 0 (0 B)\ncause: code: plan changed\non the critical path", penwidth=3, color="#6a1b9a"];
	//   "scan:sales:1" -> "view:report" [penwidth=3, color="#6a1b9a"];
	//   { rank=same; "scan:sales:1"; }
	//   { rank=same; "view:report"; }
	// }
}

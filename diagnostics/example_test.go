package diagnostics_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/deltaplan/deltaplan/diagnostics"
	"github.com/deltaplan/deltaplan/storage"
)

// Two runs append drift rows; each run is one commit of LOCATION/drift.
func ExampleWrite() {
	dir, _ := os.MkdirTemp("", "diagnostics-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	for _, run := range []string{"run-1", "run-2"} {
		err := diagnostics.Write(ctx, dir, run, diagnostics.Drifts(
			diagnostics.Drift{Kind: "pin moved", Task: "view:revenue", Predecessor: "scan:sales:0a1b", Detail: "sales 3 -> 4"},
			diagnostics.Drift{Kind: "plan changed", Task: "view:report", Detail: "root.aggregate.filter"},
		))
		if err != nil {
			fmt.Println(err)
			return
		}
	}
	dt, err := storage.OpenTable(ctx, filepath.Join(dir, "drift"))
	if err != nil {
		fmt.Println(err)
		return
	}
	snap, err := dt.Snapshot(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("version", snap.Version, "files", snap.Files.Len(), "rows", *snap.NumRecords)
	for _, f := range snap.Metadata.Schema.Fields {
		fmt.Println(f.Name, f.Type, "nullable:", f.Nullable)
	}
	// Output:
	// version 2 files 2 rows 4
	// run_id string nullable: false
	// kind string nullable: false
	// task string nullable: false
	// predecessor string nullable: false
	// detail string nullable: false
}

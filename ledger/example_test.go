package ledger_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/deltaplan/deltaplan/ledger"
)

// rekey stands in for package cachekey: it hashes the planned key with the
// dependencies' data versions.
func rekey(planned string, deps map[string]string) (string, error) {
	h := sha256.New()
	h.Write([]byte(planned))
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range deps {
			if !yield(k) {
				return
			}
		}
	}) {
		h.Write([]byte(k + "=" + deps[k]))
	}
	return "key:" + hex.EncodeToString(h.Sum(nil))[:12], nil
}

func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "ledger-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	store, err := ledger.Open(ctx, filepath.Join(dir, "runs.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	// A scan unit and a view reading it; the view's key was built with a
	// provisional data version of the scan unit, which runs in this run.
	run := &ledger.Run{
		ID: "run-1", CreatedAt: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC), Workflow: "workflow.json",
		Nodes: []ledger.Node{
			{Name: "scan:sales:0123456789abcdef", Kind: "scan_unit", CacheKey: "key:scan", CodeVersion: "s1",
				DataVersion: "digest-1", Admitted: true, Status: "missing", Behavior: "default", Generation: 0},
			{Name: "view:revenue", Kind: "view", CacheKey: "key:revenue", CodeVersion: "v1",
				Dependencies: map[string]string{"scan:sales:0123456789abcdef": "digest-1"},
				Pending:      []string{"scan:sales:0123456789abcdef"},
				Admitted:     true, Status: "missing", Behavior: "default", Generation: 1},
		},
		Edges:       [][2]string{{"scan:sales:0123456789abcdef", "view:revenue"}},
		Generations: [][]string{{"scan:sales:0123456789abcdef"}, {"view:revenue"}},
	}
	if err := store.SavePlan(ctx, run); err != nil {
		fmt.Println(err)
		return
	}
	results, err := ledger.ParseResults([]byte(`{"run_id": "run-1", "tasks": [
		{"name": "view:revenue", "status": "succeeded", "group": 1},
		{"name": "scan:sales:0123456789abcdef", "status": "succeeded", "data_version": "digest-2", "group": 0}]}`), "results.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	sum, err := store.Record(ctx, results, rekey)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("recorded", sum.Recorded, "re-keyed", sum.Rekeyed)
	rows, err := store.Lineage(ctx, "run-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rows {
		fmt.Println(r.Node, r.Status, r.CacheKey, r.DataVersion, r.DependenciesDataVersions)
	}
	drift, err := store.Drift(ctx, "run-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("clean:", drift.Clean)
	// Output:
	// recorded 2 re-keyed [view:revenue]
	// scan:sales:0123456789abcdef succeeded key:scan digest-2 map[]
	// view:revenue succeeded key:fa8cf3d9ac36 key:fa8cf3d9ac36 map[scan:sales:0123456789abcdef:digest-2]
	// clean: true
}

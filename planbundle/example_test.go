package planbundle_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/deltaplan/deltaplan/planbundle"
	"github.com/deltaplan/deltaplan/session"
	"github.com/deltaplan/deltaplan/storage"
)

// Build the bundle of the example plan (revenue of EU and NA orders placed
// 2024-05-02 or 2024-05-03) over the example table, once at the latest
// version and once at version 3, and explain the difference.
func ExampleBuild() {
	plan, err := os.ReadFile("../testdata/example/plans/revenue_by_region.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	rt, err := session.Load(context.Background(), "../testdata/example/session.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	build := func(version *int64) *planbundle.Bundle {
		// Pin the table first (the I/O); Build only computes.
		t := planbundle.Table{Name: "sales", Location: "../testdata/example/sales", Version: version}
		if t.Snapshot, err = planbundle.Pin(context.Background(), storage.OpenTable, t); err != nil {
			fmt.Println(err)
			return nil
		}
		b, err := planbundle.Build(context.Background(), planbundle.Inputs{
			Plan:    plan,
			Tables:  []planbundle.Table{t},
			Session: rt,
		})
		if err != nil {
			fmt.Println(err)
		}
		return b
	}
	v3 := int64(3)
	latest, older := build(nil), build(&v3)
	if latest == nil || older == nil {
		return
	}
	for _, u := range latest.ScanUnits {
		fmt.Println("scan", u.Files[0][:strings.IndexByte(u.Files[0], '/')], len(u.Files), "file(s)", *u.Records, "rows")
	}
	fmt.Println("required rewrite tags:", latest.RequiredRewriteTags)
	res, err := planbundle.Diff(older, latest)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range res.Changes {
		if c.Component == "delta_pin" {
			fmt.Println(c)
		}
	}
	// Output:
	// scan region=EU 1 file(s) 35 rows
	// scan region=NA 1 file(s) 45 rows
	// required rewrite tags: [aggregate:partial_final ansi_decimal_rounding]
	// delta_pin sales: 3 -> 4
}

// Diff two bundles read back from their JSON files.
func ExampleDiff() {
	a, err := os.Open("testdata/example_bundle.golden.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	b, err := planbundle.Read(a, "example_bundle.golden.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	res, _ := planbundle.Diff(b, b)
	fmt.Println("same:", res.Same, "changes:", len(res.Changes))
	// Output:
	// same: true changes: 0
}

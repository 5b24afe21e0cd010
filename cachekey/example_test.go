package cachekey_test

import (
	"fmt"

	"github.com/deltaplan/deltaplan/cachekey"
)

func Example() {
	k := cachekey.Key{
		Node:        "view:eu_revenue",
		CodeVersion: cachekey.Hash("example.code", "plan v1"),
		Dependencies: map[string]string{
			"scan:sales:5f1c2b0e9a7d4c3b": cachekey.Hash("example.unit", "region=EU/part-0.parquet"),
		},
	}
	s := k.String()
	back, err := cachekey.Decode(s)
	if err != nil {
		panic(err)
	}
	fmt.Println(back.Node, len(back.Dependencies), back.String() == s)
	// Output: view:eu_revenue 1 true
}

package freshness_test

import (
	"fmt"

	"github.com/deltaplan/deltaplan/cachekey"
	"github.com/deltaplan/deltaplan/freshness"
	"github.com/deltaplan/deltaplan/kernel"
)

// Decide a view against a history in which its last attempt failed.
func ExampleDecider_Decide() {
	key := cachekey.Key{Node: "view:daily", CodeVersion: "sha256:plan"}
	n := freshness.Node{Name: "view:daily", Kind: kernel.KindView, Key: key, KeyText: key.String()}
	failed := &freshness.Entry{CacheKey: key.String(), Node: "view:daily", RunID: "run-7", Status: freshness.RecordFailed, Attempt: 2}
	x := freshness.NewDecider(nil).Decide(n, true, failed, nil)
	fmt.Println(x.Status, x.Reason)
	fmt.Println(x.Causes[0].Category, x.Causes[0].Reason)
	// Output:
	// stale failed
	// failed attempt 2 of run run-7 failed
}

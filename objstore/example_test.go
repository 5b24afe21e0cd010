package objstore_test

import (
	"fmt"

	"github.com/deltaplan/deltaplan/objstore"
)

// A Location is what storage.Parse makes of an object-store LOCATION.
func ExampleLocation_URI() {
	l := objstore.Location{Provider: objstore.Azure, Bucket: "raw", Account: "acct", Prefix: "events"}
	fmt.Println(l.URI())
	// Output:
	// abfss://raw@acct.dfs.core.windows.net/events
}

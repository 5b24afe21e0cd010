package objstore_test

import (
	"fmt"

	"github.com/deltaplan/deltaplan/objstore"
)

func ExampleParseLocation() {
	for _, s := range []string{"s3a://lake/sales/", "abfss://raw@acct.dfs.core.windows.net/events"} {
		l, err := objstore.ParseLocation(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(l.Provider, l.Bucket, l.Account, l.Prefix, l.URI())
	}
	fmt.Println(objstore.IsObjectStore("/data/sales"))
	// Output:
	// s3 lake  sales s3://lake/sales
	// az raw acct events abfss://raw@acct.dfs.core.windows.net/events
	// false
}

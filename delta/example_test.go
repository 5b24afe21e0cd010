package delta_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/storage"
)

// Open the bundled example table, pin version 2 and look at its files.
func Example() {
	ctx := context.Background()
	tbl, err := storage.OpenTable(ctx, "../testdata/example/sales") // parses the LOCATION
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := tbl.Snapshot(ctx, delta.AtVersion(2))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("version", s.Version, "files", s.Files.Len(), "records", *s.NumRecords)
	region := s.Files.Partitions[0]
	for i, p := range s.Files.Paths {
		fmt.Println(region.Values.Get(i), s.Files.NumRecords[i], p[:len("region=")+len(region.Raw[i])])
	}
	for _, c := range s.Files.Stats {
		fmt.Println(c.Path, c.Min.Kind)
	}
	// Output:
	// version 2 files 5 records 188
	// 'APAC' 30 region=APAC
	// 'EU' 40 region=EU
	// 'EU' 35 region=EU
	// 'NA' 45 region=NA
	// 'NA' 38 region=NA
	// amount decimal
	// order_date date
	// order_id int
	// quantity int
	// ts timestamp
}

// Time travel by timestamp: the example table records in-commit
// timestamps, one hour apart from 2024-05-01T00:00:00Z.
func ExampleAtTimestamp() {
	ctx := context.Background()
	tbl, err := storage.OpenTable(ctx, "../testdata/example/sales")
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := tbl.Snapshot(ctx, delta.AtTimestamp(mustTime("2024-05-01T01:30:00Z")))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Version, s.TimestampMs)
	_, err = tbl.Snapshot(ctx, delta.AtTimestamp(mustTime("2024-04-30T00:00:00Z")))
	fmt.Println(errors.Is(err, delta.ErrTimestampOutOfRange))
	// Output:
	// 1 1714525200000
	// true
}

func ExampleSchema_ArrowSchema() {
	s, err := delta.ParseSchema(`{"type":"struct","fields":[
		{"name":"id","type":"long","nullable":false,"metadata":{}},
		{"name":"price","type":"decimal(12,2)","nullable":true,"metadata":{}},
		{"name":"at","type":"timestamp_ntz","nullable":true,"metadata":{}},
		{"name":"tags","type":{"type":"map","keyType":"string","valueType":"string","valueContainsNull":true},"nullable":true,"metadata":{}},
		{"name":"loc","type":{"type":"struct","fields":[{"name":"lat","type":"double","nullable":true,"metadata":{}}]},"nullable":true,"metadata":{}},
		{"name":"xs","type":{"type":"array","elementType":"integer","containsNull":false},"nullable":true,"metadata":{}}]}`)
	if err != nil {
		fmt.Println(err)
		return
	}
	as, err := s.ArrowSchema()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range as.Fields() {
		fmt.Println(f.Name, f.Type, f.Nullable)
	}
	// Output:
	// id int64 false
	// price decimal(12, 2) true
	// at timestamp[us] true
	// tags map<utf8, utf8, items_nullable> true
	// loc struct<lat: float64 nullable> true
	// xs list<element: int32> true
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Follow a load: the last event of each snapshot is ProgressDone.
func ExampleWithProgress() {
	ctx := context.Background()
	var last delta.ProgressEvent
	events := 0
	tbl, err := storage.TableOpener(delta.WithProgress(func(ev delta.ProgressEvent) {
		last = ev
		events++
	}))(ctx, "../testdata/example/sales")
	if err != nil {
		fmt.Println(err)
		return
	}
	events = 0 // Open's own listing is not a load
	if _, err := tbl.Snapshot(ctx, delta.AtVersion(2)); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(last.Phase, "commits", last.CommitsRead, "of", last.Commits, "events", events > 3)
	// Output:
	// done commits 3 of 3 events true
}

// Read a table through any Storage, naming the root its log's absolute
// paths use, so "s3://bucket/sales/x.parquet" and "x.parquet" are one file.
func ExampleOpen() {
	ctx := context.Background()
	local := delta.LocalFS{Root: "../testdata/example/sales"}
	tbl, err := delta.Open(ctx, local, "s3://bucket/sales", delta.WithConcurrency(8))
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := tbl.Snapshot(ctx, delta.AtVersion(2))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tbl.Location(), "version", s.Version, "files", s.Files.Len())
	// Output:
	// s3://bucket/sales version 2 files 5
}

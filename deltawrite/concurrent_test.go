package deltawrite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/deltawrite"
	"github.com/deltaplan/deltaplan/objstore"
	"github.com/deltaplan/deltaplan/objstore/objstoretest"
	"github.com/deltaplan/deltaplan/storage"
)

var smallSchema = arrow.NewSchema([]arrow.Field{
	{Name: "writer", Type: arrow.PrimitiveTypes.Int32},
	{Name: "seq", Type: arrow.PrimitiveTypes.Int32},
	{Name: "note", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

func smallRecord(mem memory.Allocator, writer, seq int) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, smallSchema)
	defer b.Release()
	for r := 0; r < 3; r++ {
		b.Field(0).(*array.Int32Builder).Append(int32(writer))
		b.Field(1).(*array.Int32Builder).Append(int32(seq))
		b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("w%d-s%d-r%d", writer, seq, r))
	}
	return b.NewRecordBatch()
}

// hammer runs writers goroutines, each with its own handle, appending
// commits records each to one table, and checks nothing was lost: versions
// 0..writers*commits contiguous, one add per commit, every file once.
func hammer(t *testing.T, open func(t *testing.T) deltawrite.Storage, writers, commits int) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	var ckptMu sync.Mutex
	var ckptErrs []error
	hook := deltawrite.WithCheckpointHook(func(v int64, err error) {
		ckptMu.Lock()
		defer ckptMu.Unlock()
		if err != nil {
			ckptErrs = append(ckptErrs, fmt.Errorf("checkpoint %d: %w", v, err))
		}
	})
	st := open(t)
	if _, err := deltawrite.Create(ctx, st, smallSchema, hook); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	versions := make([][]int64, writers)
	errs := make([]error, writers)
	start := time.Now()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tbl, err := deltawrite.Open(ctx, open(t), hook, deltawrite.WithBackoff(time.Millisecond, 100*time.Millisecond))
			if err != nil {
				errs[w] = err
				return
			}
			for i := 0; i < commits; i++ {
				rec := smallRecord(mem, w, i)
				v, err := tbl.Append(ctx, rec)
				rec.Release()
				if err != nil {
					errs[w] = fmt.Errorf("writer %d append %d: %w", w, i, err)
					return
				}
				versions[w] = append(versions[w], v)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d writers x %d commits in %v", writers, commits, time.Since(start))
	var all []int64
	for _, vs := range versions {
		for i := 1; i < len(vs); i++ {
			if vs[i] <= vs[i-1] {
				t.Errorf("one handle's versions go back: %v", vs)
			}
		}
		all = append(all, vs...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	n := writers * commits
	for i, v := range all {
		if v != int64(i+1) {
			t.Fatalf("committed versions are not 1..%d: %v", n, all)
		}
	}
	rst := open(t)
	dt, err := delta.Open(ctx, rst, "")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := dt.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Version != int64(n) || snap.Files.Len() != n || snap.NumRecords == nil || *snap.NumRecords != int64(3*n) {
		t.Fatalf("snapshot: version %d, %d files, records %v; want %d, %d, %d", snap.Version, snap.Files.Len(), snap.NumRecords, n, n, 3*n)
	}
	if n >= 100 && (snap.CheckpointVersion == nil || *snap.CheckpointVersion != 100) {
		t.Errorf("replay started at checkpoint %v, want 100", snap.CheckpointVersion)
	}
	ckptMu.Lock()
	for _, err := range ckptErrs {
		t.Error(err)
	}
	ckptMu.Unlock()
	// Every commit adds exactly one file, and each file once.
	seen := map[string]int64{}
	for v := int64(1); v <= int64(n); v++ {
		b, err := rst.Read(ctx, fmt.Sprintf("_delta_log/%020d.json", v))
		if err != nil {
			t.Fatal(err)
		}
		adds := 0
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var a struct {
				Add *struct{ Path string } `json:"add"`
			}
			if err := json.Unmarshal([]byte(line), &a); err != nil {
				t.Fatalf("commit %d: %v", v, err)
			}
			if a.Add != nil {
				adds++
				if prev, dup := seen[a.Add.Path]; dup {
					t.Errorf("%s added by commits %d and %d", a.Add.Path, prev, v)
				}
				seen[a.Add.Path] = v
			}
		}
		if adds != 1 {
			t.Errorf("commit %d has %d adds, want 1", v, adds)
		}
	}
	for _, p := range snap.Files.Paths {
		if _, ok := seen[p]; !ok {
			t.Errorf("active file %s is in no commit", p)
		}
	}
}

// TestConcurrentAppendsLocal: 8 writers x 20 commits on local disk.
func TestConcurrentAppendsLocal(t *testing.T) {
	dir := t.TempDir()
	hammer(t, func(*testing.T) deltawrite.Storage { return deltawrite.Local(dir) }, 8, 20)
}

// storeCase is one object store of the servers make test starts.
type storeCase struct {
	name string
	// bucket sets the environment and returns a fresh table URI.
	bucket func(t *testing.T, srv objstoretest.Servers) string
}

var storeCases = []storeCase{
	{"s3", func(t *testing.T, srv objstoretest.Servers) string {
		srv.UseS3(t, srv.S3Endpoint)
		return "s3://" + srv.NewS3Bucket(t, context.Background()).Name + "/tables/t"
	}},
	{"gcs", func(t *testing.T, srv objstoretest.Servers) string {
		srv.UseGCS(t, srv.GCSHost)
		return "gs://" + srv.NewGCSBucket(t, context.Background()).Name + "/tables/t"
	}},
	{"azure", func(t *testing.T, srv objstoretest.Servers) string {
		srv.UseAzure(t, srv.AzureConnectionString)
		return "az://" + srv.NewAzureContainer(t, context.Background()).Name + "/tables/t"
	}},
}

func openStore(t *testing.T, uri string) deltawrite.Storage {
	t.Helper()
	st, err := storage.OpenWritable(context.Background(), uri, objstore.WithRetry(4, 20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestConditionalPutStores: PutIfAbsent on each server refuses an
// existing object with fs.ErrExist and leaves it unchanged.
func TestConditionalPutStores(t *testing.T) {
	srv := objstoretest.Require(t)
	for _, sc := range storeCases {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, sc.bucket(t, srv))
			if err := st.PutIfAbsent(ctx, "_delta_log/x.json", []byte("one")); err != nil {
				t.Fatal(err)
			}
			err := st.PutIfAbsent(ctx, "_delta_log/x.json", []byte("two"))
			if !isExist(err) {
				t.Fatalf("second PutIfAbsent: %v, want fs.ErrExist", err)
			}
			if b, err := st.Read(ctx, "_delta_log/x.json"); err != nil || string(b) != "one" {
				t.Fatalf("object is %q (%v) after the refused put, want \"one\"", b, err)
			}
			if err := st.Put(ctx, "_delta_log/x.json", []byte("three")); err != nil {
				t.Fatal(err)
			}
			if b, _ := st.Read(ctx, "_delta_log/x.json"); string(b) != "three" {
				t.Fatalf("Put did not replace: %q", b)
			}
		})
	}
}

// TestConcurrentAppendsStores: 8 writers x 20 commits on each server.
func TestConcurrentAppendsStores(t *testing.T) {
	srv := objstoretest.Require(t)
	for _, sc := range storeCases {
		t.Run(sc.name, func(t *testing.T) {
			uri := sc.bucket(t, srv)
			hammer(t, func(t *testing.T) deltawrite.Storage { return openStore(t, uri) }, 8, 20)
		})
	}
}

package objstore_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/objstore"
	"github.com/deltaplan/deltaplan/objstore/objstoretest"
	"github.com/deltaplan/deltaplan/storage"
)

// TestFaultsInProcess needs no store servers: an in-process S3 serves the
// shared fixtures behind the fault proxy, which answers 5% of requests
// with 503 SlowDown, drops 3% of connections and cuts 3% of bodies
// (listings included), over three seeds. Every snapshot must equal the
// local one, and nothing may reach stderr (the SDK logs into our errors).
func TestFaultsInProcess(t *testing.T) {
	root := fixtures.Dir(t, "delta")
	endpoint := objstoretest.NewFakeS3(t, "lake", root)
	proxy := objstoretest.NewProxy(t, endpoint)
	t.Setenv("AWS_ENDPOINT_URL", proxy.URL)
	tables := []string{"basic-with-inserts-deletes-checkpoint", "multi-part-checkpoint", "basic_partitioned", "table-with-dv-small", "v2-checkpoints-parquet-with-last-checkpoint"}
	ctx := context.Background()
	want := map[string]*delta.Snapshot{}
	for _, name := range tables {
		tbl, err := storage.OpenTable(ctx, filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		if want[name], err = tbl.Snapshot(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// Nothing of the SDK may reach stderr.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	stderr := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); stderr <- b }()
	var faults atomic.Int64
	answers := 0
	for seed := uint64(1); seed <= 3; seed++ {
		proxy.SetFault(objstoretest.RandomFaults(seed, 0.05, 0.03, 0.03, &faults))
		for _, name := range tables {
			got, err := snapshotThrough(ctx, "s3://lake/"+name)
			if err != nil {
				t.Errorf("seed %d %s: %v", seed, name, err)
				continue
			}
			answers++
			w := want[name]
			if got.Version != w.Version || !slices.Equal(got.Files.Paths, w.Files.Paths) || !slices.Equal(got.Files.Sizes, w.Files.Sizes) ||
				!slices.Equal(got.Files.NumRecords, w.Files.NumRecords) || !slices.Equal(got.Files.DVIDs, w.Files.DVIDs) {
				t.Errorf("seed %d %s: the answer over S3 differs from the local one", seed, name)
			}
		}
	}
	proxy.SetFault(nil)
	os.Stderr = saved
	w.Close()
	if out := <-stderr; len(out) > 0 {
		t.Errorf("stderr got %q; SDK logging must go into our errors", out)
	}
	if faults.Load() < 10 {
		t.Errorf("only %d faults injected over %d requests: the test proves nothing", faults.Load(), proxy.Requests())
	}
	t.Logf("%d answers equal, %d requests, %d faults", answers, proxy.Requests(), faults.Load())
}

func snapshotThrough(ctx context.Context, uri string) (*delta.Snapshot, error) {
	st, err := openURI(ctx, uri, objstore.WithRetry(8, 20*time.Millisecond))
	if err != nil {
		return nil, err
	}
	tbl, err := delta.Open(ctx, st, st.URI(), delta.WithLocation(uri))
	if err != nil {
		return nil, err
	}
	return tbl.Snapshot(ctx)
}

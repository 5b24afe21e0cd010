package objstore_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/objstore"
	"github.com/deltaplan/deltaplan/objstore/objstoretest"
	"github.com/deltaplan/deltaplan/storage"
)

// faultTable has several commits, a parquet checkpoint (range reads) and
// commits after it.
const faultTable = "basic-with-inserts-deletes-checkpoint"

// faultSetup uploads faultTable to S3 and returns the proxy in front of
// the server, the table URI through it and the local snapshot.
func faultSetup(t *testing.T) (*objstoretest.Proxy, string, *delta.Snapshot) {
	t.Helper()
	srv := objstoretest.Require(t)
	ctx := context.Background()
	b := srv.NewS3Bucket(t, ctx)
	local := filepath.Join(fixtures.Dir(t, "delta"), faultTable)
	if err := objstoretest.UploadDir(ctx, b, local, "t", nil); err != nil {
		t.Fatal(err)
	}
	lt, err := storage.OpenTable(ctx, local)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := lt.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := objstoretest.NewProxy(t, srv.S3Endpoint)
	srv.UseS3(t, p.URL)
	return p, "s3://" + b.Name + "/t", ls
}

func isGet(r *http.Request, suffix string) bool {
	return r.Method == http.MethodGet && r.URL.Query().Get("list-type") == "" && strings.HasSuffix(r.URL.Path, suffix)
}

// TestFaultsRecovered: 503s and cut responses on the first attempt of
// every read are retried and the answer is the local one.
func TestFaultsRecovered(t *testing.T) {
	for _, fault := range []objstoretest.Fault{objstoretest.Unavailable, objstoretest.Truncate} {
		name := map[objstoretest.Fault]string{objstoretest.Unavailable: "503", objstoretest.Truncate: "truncated"}[fault]
		t.Run(name, func(t *testing.T) {
			p, uri, want := faultSetup(t)
			var mu sync.Mutex
			seen := map[string]bool{}
			faults := 0
			p.SetFault(func(r *http.Request) objstoretest.Fault {
				mu.Lock()
				defer mu.Unlock()
				// Lists, HEADs and ranged reads fail once too, for 503.
				k := r.Method + " " + r.URL.String() + " " + r.Header.Get("Range")
				if seen[k] || (fault == objstoretest.Truncate && !isGet(r, "")) {
					return objstoretest.Pass
				}
				seen[k] = true
				faults++
				return fault
			})
			ctx := context.Background()
			tbl, err := openRemote(ctx, uri)
			if err != nil {
				t.Fatalf("open through faults: %v", err)
			}
			got, err := tbl.Snapshot(ctx)
			if err != nil {
				t.Fatalf("snapshot through faults: %v", err)
			}
			if faults < 5 {
				t.Fatalf("only %d faults injected", faults)
			}
			sameFacts(t, name, want, got)
		})
	}
}

// TestFaultsPersistent: one object that always fails is an error naming
// it, and no snapshot.
func TestFaultsPersistent(t *testing.T) {
	cases := []struct {
		name   string
		suffix string
		fault  objstoretest.Fault
		is     error
	}{
		{"503 commit", "00000000000000000012.json", objstoretest.Unavailable, nil},
		{"cut commit", "00000000000000000012.json", objstoretest.Truncate, objstore.ErrShortRead},
		{"503 checkpoint", "00000000000000000010.checkpoint.parquet", objstoretest.Unavailable, nil},
		// delta formats the checkpoint reader's cause with %v, so only the
		// text says it (see the report: it should wrap with %w).
		{"cut checkpoint", "00000000000000000010.checkpoint.parquet", objstoretest.Truncate, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, uri, _ := faultSetup(t)
			ctx := context.Background()
			tbl, err := openRemote(ctx, uri)
			if err != nil {
				t.Fatal(err)
			}
			p.SetFault(func(r *http.Request) objstoretest.Fault {
				if isGet(r, tc.suffix) {
					return tc.fault
				}
				return objstoretest.Pass
			})
			snap, err := tbl.Snapshot(ctx)
			if err == nil || snap != nil {
				t.Fatalf("snapshot with %s failing: got %v, %v; want an error and no snapshot", tc.suffix, snap, err)
			}
			if !strings.Contains(err.Error(), uri+"/_delta_log/"+tc.suffix) {
				t.Errorf("error does not name the object %s: %v", tc.suffix, err)
			}
			if tc.fault == objstoretest.Truncate && !strings.Contains(err.Error(), objstore.ErrShortRead.Error()) {
				t.Errorf("error does not say the read was incomplete: %v", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
		})
	}
}

// TestFaultsLogNeverShorter: a commit missing from the middle of the
// listing's reads is never skipped; a listing cut short by a failure
// fails the open rather than yielding an older version.
func TestFaultsListFails(t *testing.T) {
	p, uri, _ := faultSetup(t)
	p.SetFault(func(r *http.Request) objstoretest.Fault {
		if r.URL.Query().Get("list-type") != "" {
			return objstoretest.Unavailable
		}
		return objstoretest.Pass
	})
	_, err := openRemote(context.Background(), uri)
	if err == nil || !strings.Contains(err.Error(), "list "+uri+"/_delta_log/") {
		t.Fatalf("want a list error naming the log, got %v", err)
	}
}

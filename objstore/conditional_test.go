package objstore_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"

	"github.com/deltaplan/deltaplan/objstore/objstoretest"
)

// TestConditionalWrites: on each server PutIfAbsent creates once and then
// reports fs.ErrExist without touching the object, Put replaces, Delete is
// idempotent, and of 16 concurrent PutIfAbsent calls on one key exactly
// one wins.
func TestConditionalWrites(t *testing.T) {
	srv := objstoretest.Require(t)
	ctx := context.Background()
	stores := []struct {
		name string
		uri  func(t *testing.T) string
	}{
		{"s3", func(t *testing.T) string {
			srv.UseS3(t, srv.S3Endpoint)
			return "s3://" + srv.NewS3Bucket(t, ctx).Name + "/t"
		}},
		{"gcs", func(t *testing.T) string {
			srv.UseGCS(t, srv.GCSHost)
			return "gs://" + srv.NewGCSBucket(t, ctx).Name + "/t"
		}},
		{"azure", func(t *testing.T) string {
			srv.UseAzure(t, srv.AzureConnectionString)
			return "az://" + srv.NewAzureContainer(t, ctx).Name + "/t"
		}},
	}
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			st, err := openURI(ctx, sc.uri(t), testRetry)
			if err != nil {
				t.Fatal(err)
			}
			key := "_delta_log/00000000000000000000.json"
			if err := st.PutIfAbsent(ctx, key, []byte("first")); err != nil {
				t.Fatalf("first create: %v", err)
			}
			err = st.PutIfAbsent(ctx, key, []byte("second"))
			if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), key) {
				t.Fatalf("second create: %v, want fs.ErrExist naming %s", err, key)
			}
			if b, err := st.Read(ctx, key); err != nil || string(b) != "first" {
				t.Fatalf("after the refused create: %q, %v", b, err)
			}
			if err := st.Put(ctx, "data/x.parquet", []byte("a")); err != nil {
				t.Fatal(err)
			}
			if err := st.Put(ctx, "data/x.parquet", []byte("bb")); err != nil {
				t.Fatal(err)
			}
			if b, _ := st.Read(ctx, "data/x.parquet"); string(b) != "bb" {
				t.Fatalf("Put did not replace: %q", b)
			}
			for i := 0; i < 2; i++ {
				if err := st.Delete(ctx, "data/x.parquet"); err != nil {
					t.Fatalf("delete %d: %v", i, err)
				}
			}
			if _, err := st.Stat(ctx, "data/x.parquet"); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("after delete: %v", err)
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			wins, losses := 0, 0
			for i := 0; i < 16; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := st.PutIfAbsent(ctx, "_delta_log/00000000000000000001.json", []byte(fmt.Sprint(i)))
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						wins++
					case errors.Is(err, fs.ErrExist):
						losses++
					default:
						t.Errorf("racer %d: %v", i, err)
					}
				}()
			}
			wg.Wait()
			if wins != 1 || losses != 15 {
				t.Fatalf("16 racers: %d won, %d lost; want 1 and 15", wins, losses)
			}
		})
	}
}

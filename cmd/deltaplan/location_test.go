package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/objstore/objstoretest"
)

// TestObjectStoreLocations: snapshot and files give the local answers for
// tables uploaded to each store (the store's commit mtimes aside), and a
// missing bucket is exit 1 with a message.
func TestObjectStoreLocations(t *testing.T) {
	srv := objstoretest.Require(t)
	ctx := context.Background()
	dir := fixtures.Dir(t, "delta")
	const table = "basic-with-inserts-deletes-checkpoint"
	srv.UseS3(t, srv.S3Endpoint)
	srv.UseGCS(t, srv.GCSHost)
	srv.UseAzure(t, srv.AzureConnectionString)
	buckets := map[string]*objstoretest.Bucket{
		"s3": srv.NewS3Bucket(t, ctx), "gs": srv.NewGCSBucket(t, ctx), "az": srv.NewAzureContainer(t, ctx),
	}
	local := filepath.Join(dir, table)
	decode := func(t *testing.T, args ...string) map[string]any {
		t.Helper()
		code, stdout, stderr := runCLI(t, args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		var j map[string]any
		if err := json.Unmarshal([]byte(stdout), &j); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return j
	}
	for _, scheme := range []string{"s3", "gs", "az"} {
		t.Run(scheme, func(t *testing.T) {
			b := buckets[scheme]
			if err := objstoretest.UploadDir(ctx, b, local, "db/"+table, nil); err != nil {
				t.Fatal(err)
			}
			uri := scheme + "://" + b.Name + "/db/" + table
			for _, args := range [][]string{
				{"snapshot", "--json"}, {"snapshot", "--version", "3", "--json"},
				{"files", "--json"}, {"files", "--filter", "id > 50", "--json"},
			} {
				want := decode(t, append([]string{args[0], local}, args[1:]...)...)
				got := decode(t, append([]string{args[0], uri}, args[1:]...)...)
				if args[0] == "snapshot" {
					if got["location"] != uri {
						t.Errorf("%v: location %v, want %s", args, got["location"], uri)
					}
					delete(want, "location")
					delete(got, "location")
					delete(want, "timestamp_ms") // the upload's last-modified time
					delete(got, "timestamp_ms")
				}
				if !reflect.DeepEqual(want, got) {
					t.Errorf("%v on %s differs from local:\nlocal  %v\nremote %v", args, scheme, want, got)
				}
			}
			code, stdout, stderr := runCLI(t, "snapshot", scheme+"://"+objstoretest.UniqueName("missing")+"/t", "--json")
			if code != exitBad || stdout != "" || !strings.Contains(stderr, "not found") {
				t.Errorf("missing bucket: exit %d, stdout %q, stderr %q", code, stdout, stderr)
			}
		})
	}
}

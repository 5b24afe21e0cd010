package objstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/objstore"
	"github.com/deltaplan/deltaplan/objstore/objstoretest"
	"github.com/deltaplan/deltaplan/storage"
)

type manifestTable struct {
	Name     string                     `json:"name"`
	Path     string                     `json:"path"`
	Versions map[string]json.RawMessage `json:"versions"`
	MustFail string                     `json:"must_fail"`
}

var mustFail = map[string]error{
	"table_not_found":            delta.ErrTableNotFound,
	"unsupported_reader_version": delta.ErrUnsupportedReaderVersion,
	"unsupported_reader_feature": delta.ErrUnsupportedReaderFeature,
	"missing_protocol":           delta.ErrMissingProtocol,
	"missing_metadata":           delta.ErrMissingMetadata,
}

func loadManifest(t *testing.T) (string, []manifestTable) {
	t.Helper()
	dir := fixtures.Dir(t, "delta")
	b, err := os.ReadFile(filepath.Join(dir, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Tables []manifestTable `json:"tables"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("MANIFEST.json: %v", err)
	}
	if len(m.Tables) == 0 {
		t.Fatal("MANIFEST.json lists no tables")
	}
	return dir, m.Tables
}

// store is one server under test.
type store struct {
	name   string
	scheme string
	bucket *objstoretest.Bucket
	// subset picks the tables run on this store (nil: all) and whether
	// every version is checked.
	subset      func(i int, tc manifestTable) bool
	allVersions bool
}

// testRetry keeps retries quick against loopback servers.
var testRetry = objstore.WithRetry(4, 20*time.Millisecond)

func openRemote(ctx context.Context, uri string, opts ...objstore.Option) (*delta.Table, error) {
	st, err := openURI(ctx, uri, append([]objstore.Option{testRetry}, opts...)...)
	if err != nil {
		return nil, err
	}
	return delta.Open(ctx, st, st.URI(), delta.WithLocation(uri))
}

func snapshotAt(ctx context.Context, tbl *delta.Table, v int64) (*delta.Snapshot, error) {
	if v < 0 {
		return tbl.Snapshot(ctx)
	}
	return tbl.Snapshot(ctx, delta.AtVersion(v))
}

// sameFacts compares everything a snapshot states except where the table
// is and the commit-file modification times (an upload sets new ones).
func sameFacts(t *testing.T, what string, local, remote *delta.Snapshot) {
	t.Helper()
	eq := func(field string, a, b any) {
		t.Helper()
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: %s differs: local %+v, remote %+v", what, field, a, b)
		}
	}
	eq("version", local.Version, remote.Version)
	eq("checkpoint_version", local.CheckpointVersion, remote.CheckpointVersion)
	eq("protocol", local.Protocol, remote.Protocol)
	eq("metadata", local.Metadata, remote.Metadata)
	eq("num_records", local.NumRecords, remote.NumRecords)
	eq("num_deleted_records", local.NumDeletedRecords, remote.NumDeletedRecords)
	eq("size_bytes", local.SizeBytes, remote.SizeBytes)
	eq("files", local.Files, remote.Files)
	eq("app_transactions", local.AppTransactions, remote.AppTransactions)
	eq("domain_metadata", local.DomainMetadata, remote.DomainMetadata)
	if strings.EqualFold(local.Metadata.Configuration["delta.enableInCommitTimestamps"], "true") {
		eq("timestamp_ms (in-commit)", local.TimestampMs, remote.TimestampMs)
	}
}

// runSuite uploads the selected tables to st and checks every fact
// against the same table on local disk.
func runSuite(t *testing.T, st store, uploadAll bool) {
	dir, tables := loadManifest(t)
	ctx := context.Background()
	start := time.Now().Add(-2 * time.Second)
	var picked []manifestTable
	for i, tc := range tables {
		if st.subset == nil || st.subset(i, tc) {
			picked = append(picked, tc)
		}
	}
	for _, tc := range picked {
		keep := func(rel string) bool { return uploadAll || strings.HasPrefix(rel, "_delta_log/") }
		if _, err := os.Stat(filepath.Join(dir, tc.Path)); err == nil {
			if err := objstoretest.UploadDir(ctx, st.bucket, filepath.Join(dir, tc.Path), "tables/"+tc.Name, keep); err != nil {
				t.Fatalf("%s: upload %s: %v", st.name, tc.Name, err)
			}
		}
	}
	t.Logf("%s: %d of %d tables in bucket %s", st.name, len(picked), len(tables), st.bucket.Name)
	for _, tc := range picked {
		t.Run(tc.Name, func(t *testing.T) {
			local := filepath.Join(dir, tc.Path)
			uri := st.scheme + "://" + st.bucket.Name + "/tables/" + tc.Name
			if tc.MustFail != "" {
				want := mustFail[tc.MustFail]
				if want == nil {
					t.Fatalf("unknown must_fail kind %q", tc.MustFail)
				}
				tbl, err := openRemote(ctx, uri)
				if err == nil {
					_, err = tbl.Snapshot(ctx)
				}
				if !errors.Is(err, want) {
					t.Fatalf("remote should fail with %v, got %v", want, err)
				}
				return
			}
			ltbl, err := storage.OpenTable(ctx, local)
			if err != nil {
				t.Fatalf("local open: %v", err)
			}
			rtbl, err := openRemote(ctx, uri)
			if err != nil {
				t.Fatalf("remote open: %v", err)
			}
			versions := []int64{-1}
			if st.allVersions {
				for v := range tc.Versions {
					n, err := strconv.ParseInt(v, 10, 64)
					if err != nil {
						t.Fatalf("bad version key %q", v)
					}
					versions = append(versions, n)
				}
			}
			sort.Slice(versions, func(i, j int) bool { return versions[i] < versions[j] })
			for _, v := range versions {
				ls, lerr := snapshotAt(ctx, ltbl, v)
				rs, rerr := snapshotAt(ctx, rtbl, v)
				what := "latest"
				if v >= 0 {
					what = "version " + strconv.FormatInt(v, 10)
				}
				if (lerr == nil) != (rerr == nil) {
					t.Fatalf("%s: local error %v, remote error %v", what, lerr, rerr)
				}
				if lerr != nil {
					continue // same failure on both
				}
				sameFacts(t, what, ls, rs)
				ict := strings.EqualFold(ls.Metadata.Configuration["delta.enableInCommitTimestamps"], "true")
				if !ict && (rs.TimestampMs < start.UnixMilli() || rs.TimestampMs > time.Now().Add(2*time.Second).UnixMilli()) {
					t.Errorf("%s: remote timestamp %d is not the upload's last-modified time", what, rs.TimestampMs)
				}
			}
		})
	}
}

// TestS3Manifest runs every table and version of MANIFEST.json on the S3
// server, data files included.
func TestS3Manifest(t *testing.T) {
	srv := objstoretest.Require(t)
	srv.UseS3(t, srv.S3Endpoint)
	runSuite(t, store{name: "s3", scheme: "s3", bucket: srv.NewS3Bucket(t, context.Background()), allVersions: true}, true)
}

// TestS3AManifest checks the s3a:// spelling on a subset.
func TestS3AManifest(t *testing.T) {
	srv := objstoretest.Require(t)
	srv.UseS3(t, srv.S3Endpoint)
	runSuite(t, store{name: "s3a", scheme: "s3a", bucket: srv.NewS3Bucket(t, context.Background()),
		subset: func(i int, _ manifestTable) bool { return i%8 == 0 }}, false)
}

// broad is the GCS/Azure subset: every third table, every table with a
// checkpoint or a must-fail kind, all at every version.
func broad(dir string) func(i int, tc manifestTable) bool {
	return func(i int, tc manifestTable) bool {
		if i%3 == 0 || tc.MustFail != "" {
			return true
		}
		m, _ := filepath.Glob(filepath.Join(dir, tc.Path, "_delta_log", "*checkpoint*"))
		return len(m) > 0
	}
}

// TestGCSManifest runs a broad subset on the GCS emulator.
func TestGCSManifest(t *testing.T) {
	srv := objstoretest.Require(t)
	srv.UseGCS(t, srv.GCSHost)
	dir := fixtures.Dir(t, "delta")
	runSuite(t, store{name: "gcs", scheme: "gs", bucket: srv.NewGCSBucket(t, context.Background()), subset: broad(dir), allVersions: true}, false)
}

// TestAzureManifest runs a broad subset on Azurite.
func TestAzureManifest(t *testing.T) {
	srv := objstoretest.Require(t)
	srv.UseAzure(t, srv.AzureConnectionString)
	dir := fixtures.Dir(t, "delta")
	runSuite(t, store{name: "azure", scheme: "az", bucket: srv.NewAzureContainer(t, context.Background()), subset: broad(dir), allVersions: true}, false)
}

// openURI opens the store an object-store LOCATION names (parsed by
// package storage, the only LOCATION parser).
func openURI(ctx context.Context, uri string, opts ...objstore.Option) (*objstore.Store, error) {
	l, err := storage.Parse(uri)
	if err != nil {
		return nil, err
	}
	return objstore.Open(ctx, l.Object, opts...)
}

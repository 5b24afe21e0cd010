package storage_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/objstore"
	"github.com/deltaplan/deltaplan/storage"
)

func TestParse(t *testing.T) {
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	cwd = filepath.ToSlash(cwd)
	tests := []struct {
		reason string
		in     string
		want   storage.Location
		root   string
		inErr  string // when refused, the message must say this
		noEcho string // and must not show this
	}{
		{reason: "s3 with a prefix", in: "s3://bucket/a/b", want: storage.Location{Object: objstore.Location{Provider: objstore.S3, Bucket: "bucket", Prefix: "a/b"}}, root: "s3://bucket/a/b"},
		{reason: "s3a is S3; scheme case and trailing slash fold", in: "S3A://bucket/a/b/", want: storage.Location{Object: objstore.Location{Provider: objstore.S3, Bucket: "bucket", Prefix: "a/b"}}, root: "s3://bucket/a/b"},
		{reason: "a table at the bucket root", in: "s3://bucket", want: storage.Location{Object: objstore.Location{Provider: objstore.S3, Bucket: "bucket"}}, root: "s3://bucket"},
		{reason: "gcs", in: "gs://b/t", want: storage.Location{Object: objstore.Location{Provider: objstore.GCS, Bucket: "b", Prefix: "t"}}, root: "gs://b/t"},
		{reason: "azure container", in: "az://container/db/t", want: storage.Location{Object: objstore.Location{Provider: objstore.Azure, Bucket: "container", Prefix: "db/t"}}, root: "az://container/db/t"},
		{reason: "abfss names container and account", in: "abfss://c@acct.dfs.core.windows.net/x/y", want: storage.Location{Object: objstore.Location{Provider: objstore.Azure, Bucket: "c", Account: "acct", Prefix: "x/y"}}, root: "abfss://c@acct.dfs.core.windows.net/x/y"},
		{reason: "absolute local path", in: "/data/sales/", want: storage.Location{Path: "/data/sales"}, root: "/data/sales"},
		{reason: "file URI", in: "file:///data/sales", want: storage.Location{Path: "/data/sales"}, root: "/data/sales"},
		{reason: "file URI with localhost", in: "file://localhost/data/sales", want: storage.Location{Path: "/data/sales"}, root: "/data/sales"},
		{reason: "relative path against the working directory", in: "rel/t", want: storage.Location{Path: cwd + "/rel/t"}, root: cwd + "/rel/t"},
		{reason: "a colon later in a relative path is no scheme", in: "a/b:c", want: storage.Location{Path: cwd + "/a/b:c"}, root: cwd + "/a/b:c"},
		{reason: "no bucket", in: "s3:///nobucket", inErr: "no bucket"},
		{reason: "credentials refused, not echoed", in: "s3://user:pw@bucket/t", inErr: "credentials", noEcho: "pw@"},
		{reason: "abfss without container", in: "abfss://acct.dfs.core.windows.net/x", inErr: "container@account"},
		{reason: "abfss with a key", in: "abfss://c:key@acct.dfs.core.windows.net/x", inErr: "credentials", noEcho: ":key@"},
		{reason: "empty path segment", in: "s3://bucket/a//b", inErr: "empty path segment"},
		{reason: "query", in: "s3://bucket/t?versionId=1", inErr: "query"},
		{reason: "HDFS named and refused clearly", in: "hdfs://nn/t", inErr: "HDFS is not supported"},
		{reason: "unknown scheme", in: "http://host/t", inErr: `unsupported location scheme: "http"`},
		{reason: "remote file host", in: "file://server/t", inErr: "host"},
		{reason: "empty", in: "", inErr: "empty location"},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			got, err := storage.Parse(tc.in)
			if tc.inErr != "" {
				if !errors.Is(err, storage.ErrUnsupportedLocation) || !errors.Is(err, delta.ErrUnsupportedScheme) {
					t.Fatalf("got %+v, %v; want ErrUnsupportedLocation", got, err)
				}
				if !strings.Contains(err.Error(), tc.inErr) {
					t.Errorf("error %q does not say %q", err, tc.inErr)
				}
				if strings.Contains(err.Error(), "only local paths for now") {
					t.Errorf("stale message: %v", err)
				}
				if tc.noEcho != "" && strings.Contains(err.Error(), tc.noEcho) {
					t.Errorf("error shows the credentials: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if got.Root() != tc.root {
				t.Errorf("Root() = %q, want %q", got.Root(), tc.root)
			}
		})
	}
}

// TestOpenTable: a local LOCATION in every spelling opens the same table,
// and the location the user gave names it.
func TestOpenTable(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(fixtures.Dir(t, "delta"), "basic_partitioned")
	abs, _ := filepath.Abs(dir)
	for _, loc := range []string{dir, abs, "file://" + filepath.ToSlash(abs)} {
		tbl, err := storage.OpenTable(ctx, loc)
		if err != nil {
			t.Fatalf("%s: %v", loc, err)
		}
		s, err := tbl.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if s.Location != loc || s.Files.Len() == 0 {
			t.Errorf("%s: location %q, %d files", loc, s.Location, s.Files.Len())
		}
	}
	if _, err := storage.OpenTable(ctx, filepath.Join(t.TempDir(), "none")); !errors.Is(err, delta.ErrTableNotFound) {
		t.Errorf("missing table: %v, want ErrTableNotFound", err)
	}
	if _, err := storage.OpenTable(ctx, "hdfs://nn/t"); !errors.Is(err, storage.ErrUnsupportedLocation) {
		t.Errorf("hdfs: %v, want ErrUnsupportedLocation", err)
	}
}

func TestJoin(t *testing.T) {
	for _, tc := range []struct{ in, name, want string }{
		{"/d/diag", "runs", "/d/diag/runs"},
		{"s3://b/diag/", "runs", "s3://b/diag/runs"},
		{"s3://b", "runs", "s3://b/runs"},
		{"abfss://c@a.dfs.core.windows.net/x", "runs", "abfss://c@a.dfs.core.windows.net/x/runs"},
	} {
		l, err := storage.Parse(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Join(tc.name).Root(); got != tc.want {
			t.Errorf("%s + %s = %s, want %s", tc.in, tc.name, got, tc.want)
		}
	}
}

// FuzzParse: any input parses or fails with ErrUnsupportedLocation; a
// parsed object-store location's root parses back to itself.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"s3://b/t", "s3a://b/", "gs://b/x/y", "az://c/t", "abfss://c@a.dfs.core.windows.net/p", "s3://%zz", "abfss://@/", "gs://b/a//b", "/tmp/t", "file:///x", "hdfs://n/t", "C:/x", "a:b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := storage.Parse(s)
		if err != nil {
			if !errors.Is(err, storage.ErrUnsupportedLocation) && !strings.HasPrefix(err.Error(), "resolve ") {
				t.Fatalf("%q: error %v is not ErrUnsupportedLocation", s, err)
			}
			return
		}
		if l.IsLocal() {
			if !strings.HasPrefix(l.Path, "/") && !strings.Contains(l.Path, ":") {
				t.Fatalf("%q: local path %q is not absolute", s, l.Path)
			}
			return
		}
		if l.Object.Bucket == "" {
			t.Fatalf("%q parsed without a bucket", s)
		}
		back, err := storage.Parse(l.Root())
		if err != nil || back != l {
			t.Fatalf("%q: root %q parses to %+v, %v; want %+v", s, l.Root(), back, err, l)
		}
	})
}

func ExampleParse() {
	for _, s := range []string{"s3a://lake/sales/", "abfss://raw@acct.dfs.core.windows.net/events", "file:///data/sales", "hdfs://nn/t"} {
		l, err := storage.Parse(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(l.IsLocal(), l.Root())
	}
	// Output:
	// false s3://lake/sales
	// false abfss://raw@acct.dfs.core.windows.net/events
	// true /data/sales
	// unsupported location scheme: hdfs://nn/t: HDFS is not supported; copy the table to local disk or an object store (s3://, gs://, az://, abfss://)
}

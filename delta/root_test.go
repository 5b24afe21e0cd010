package delta

import (
	"context"
	"strings"
	"testing"
)

const rootTestMeta = `{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}
{"metaData":{"id":"t","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}}]}","partitionColumns":[],"configuration":{},"createdTime":1}}
`

func addLine(p string) string {
	return `{"add":{"path":"` + p + `","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}}` + "\n"
}

func removeLine(p string) string {
	return `{"remove":{"path":"` + p + `","deletionTimestamp":2,"dataChange":true}}` + "\n"
}

// TestObjectStoreRoot: an add and a remove naming one object, one relative
// to the table root and one as an absolute URI, cancel whatever the form.
func TestObjectStoreRoot(t *testing.T) {
	tests := []struct {
		name     string
		location string // the table root
		add, rem string // paths as written in the log
		wantLeft []string
	}{
		{"relative add, absolute remove", "s3://bucket/t", "part-1.parquet", "s3://bucket/t/part-1.parquet", nil},
		{"absolute add, relative remove", "s3://bucket/t", "s3://bucket/t/part-1.parquet", "part-1.parquet", nil},
		{"s3a alias and escapes", "s3a://bucket/t/", "p%3D1/a%20b.parquet", "s3a://bucket/t/p=1/a%20b.parquet", nil},
		{"uppercase scheme", "s3://bucket/t", "S3://bucket/t/x.parquet", "x.parquet", nil},
		{"root with a trailing slash", "gs://bucket/t/", "gs://bucket/t/x.parquet", "x.parquet", nil},
		{"abfss keeps the container", "abfss://c@acct.dfs.core.windows.net/t", "x.parquet", "abfss://c@acct.dfs.core.windows.net/t/x.parquet", nil},
		{"other bucket is another file", "s3://bucket/t", "x.parquet", "s3://elsewhere/t/x.parquet", []string{"x.parquet"}},
		{"other container is another file", "abfss://c@acct.dfs.core.windows.net/t", "x.parquet", "abfss://d@acct.dfs.core.windows.net/t/x.parquet", []string{"x.parquet"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := memStorage{
				"_delta_log/" + commitName(0): []byte(rootTestMeta + addLine(tc.add)),
				"_delta_log/" + commitName(1): []byte(removeLine(tc.rem)),
			}
			tbl, err := Open(context.Background(), st, tc.location)
			if err != nil {
				t.Fatal(err)
			}
			s, err := tbl.Snapshot(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(s.Files.Paths, ","); got != strings.Join(tc.wantLeft, ",") {
				t.Errorf("active files %q, want %q", got, tc.wantLeft)
			}
			s0, err := tbl.Snapshot(context.Background(), AtVersion(0))
			if err != nil {
				t.Fatal(err)
			}
			if s0.Files.Len() != 1 {
				t.Errorf("version 0 has %d files, want 1", s0.Files.Len())
			}
		})
	}
}

func TestCanonicalRoot(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"s3://b/t/", "s3://b/t"},
		{"S3A://b/t", "s3://b/t"},
		{"gs://b", "gs://b"},
		{"/tmp/t/", "/tmp/t"},
		{"file:///tmp/t", "/tmp/t"},
	} {
		if got := canonicalRoot(tc.in); got != tc.want {
			t.Errorf("canonicalRoot(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzCanonicalPath: log paths are outside input (table roots are not:
// they come from the command line or the store). Canonicalizing never
// panics, is a fixed point on its own absolute output, and a relative path
// names the same file as the absolute URI spelled from the root.
func FuzzCanonicalPath(f *testing.F) {
	for _, s := range []string{"part-1.parquet", "p%3D1/a%20b.parquet", "s3://bucket/t/x", "S3A://b/t/%zz", "file:///tmp/t/x", "/abs/x", "a:b", "c:\\x", "%", "abfss://c@a.dfs.core.windows.net/t/x", "::", "s3://", "0", "#"} {
		f.Add(s)
	}
	roots := []string{"s3://bucket/t", "abfss://c@acct.dfs.core.windows.net/t", "/tmp/t"}
	f.Fuzz(func(t *testing.T, p string) {
		for _, root := range roots {
			r := canonicalRoot(root)
			c := canonicalPath(r, p)
			// Decoded output with URI delimiters ('%', '?', '#') is not a
			// URI any more; the rest must be a fixed point.
			if hasScheme(c) && !strings.HasPrefix(c, "file:") && !strings.ContainsAny(c, "%?#") {
				if again := canonicalPath(r, c); again != c {
					t.Fatalf("root %s: canonicalPath(%q) = %q, then %q", r, p, c, again)
				}
			}
			if hasScheme(r) && p != "" && !hasScheme(p) && !strings.HasPrefix(p, "/") && !strings.ContainsAny(p, "%?#") {
				if abs := canonicalPath(r, r+"/"+p); abs != c {
					t.Fatalf("root %s: relative %q → %q, absolute → %q", r, p, c, abs)
				}
			}
		}
	})
}

package objstore

import (
	"errors"
	"strings"
	"testing"
)

func TestParseLocation(t *testing.T) {
	tests := []struct {
		in      string
		want    Location
		uri     string
		wantErr bool
	}{
		{in: "s3://bucket/a/b", want: Location{Provider: S3, Bucket: "bucket", Prefix: "a/b"}, uri: "s3://bucket/a/b"},
		{in: "S3A://bucket/a/b/", want: Location{Provider: S3, Bucket: "bucket", Prefix: "a/b"}, uri: "s3://bucket/a/b"},
		{in: "s3://bucket", want: Location{Provider: S3, Bucket: "bucket"}, uri: "s3://bucket"},
		{in: "gs://b/t", want: Location{Provider: GCS, Bucket: "b", Prefix: "t"}, uri: "gs://b/t"},
		{in: "az://container/db/t", want: Location{Provider: Azure, Bucket: "container", Prefix: "db/t"}, uri: "az://container/db/t"},
		{in: "abfss://c@acct.dfs.core.windows.net/x/y", want: Location{Provider: Azure, Bucket: "c", Account: "acct", Prefix: "x/y"},
			uri: "abfss://c@acct.dfs.core.windows.net/x/y"},
		{in: "s3:///nobucket", wantErr: true},
		{in: "s3://user:pw@bucket/t", wantErr: true},
		{in: "abfss://acct.dfs.core.windows.net/x", wantErr: true},
		{in: "abfss://c:key@acct.dfs.core.windows.net/x", wantErr: true},
		{in: "s3://bucket/a//b", wantErr: true},
		{in: "s3://bucket/t?versionId=1", wantErr: true},
		{in: "/local/path", wantErr: true},
		{in: "file:///local/path", wantErr: true},
		{in: "hdfs://nn/t", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseLocation(tc.in)
			if tc.wantErr {
				if !errors.Is(err, ErrUnsupportedLocation) {
					t.Fatalf("got %+v, %v; want ErrUnsupportedLocation", got, err)
				}
				if strings.Contains(err.Error(), "pw") || strings.Contains(err.Error(), ":key@") {
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
			if got.URI() != tc.uri {
				t.Errorf("URI() = %q, want %q", got.URI(), tc.uri)
			}
			if got.rel(got.key("_delta_log/x.json")) != "_delta_log/x.json" {
				t.Errorf("key/rel do not round-trip: %q", got.key("_delta_log/x.json"))
			}
		})
	}
}

func TestIsObjectStore(t *testing.T) {
	for in, want := range map[string]bool{
		"s3://b/t": true, "s3a://b/t": true, "gs://b": true, "az://c/t": true, "abfss://c@a.dfs.core.windows.net/t": true,
		"/tmp/t": false, "file:///tmp/t": false, "C:/t": false, "relative/dir": false, "": false, "hdfs://nn/t": false,
	} {
		if got := IsObjectStore(in); got != want {
			t.Errorf("IsObjectStore(%q) = %v, want %v", in, got, want)
		}
	}
}

// FuzzParseLocation: any input parses or fails with ErrUnsupportedLocation,
// and a parsed location's URI parses back to itself.
func FuzzParseLocation(f *testing.F) {
	for _, s := range []string{"s3://b/t", "s3a://b/", "gs://b/x/y", "az://c/t", "abfss://c@a.dfs.core.windows.net/p", "s3://%zz", "abfss://@/", "gs://b/a//b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLocation(s)
		if err != nil {
			if !errors.Is(err, ErrUnsupportedLocation) {
				t.Fatalf("%q: error %v is not ErrUnsupportedLocation", s, err)
			}
			return
		}
		if l.Bucket == "" {
			t.Fatalf("%q parsed without a bucket", s)
		}
		back, err := ParseLocation(l.URI())
		if err != nil || back != l {
			t.Fatalf("%q: URI %q parses to %+v, %v; want %+v", s, l.URI(), back, err, l)
		}
	})
}

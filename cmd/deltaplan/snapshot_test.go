package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
)

func TestSnapshotCommand(t *testing.T) {
	dir := fixtures.Dir(t, "delta")
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string // substrings of stdout
		stderr   string   // substring of stderr
		validate func(t *testing.T, j map[string]any)
	}{
		{name: "latest json", args: []string{"snapshot", filepath.Join(dir, "basic_partitioned"), "--json"}, code: 0,
			validate: func(t *testing.T, j map[string]any) {
				want := map[string]any{"version": 1.0, "num_files": 6.0, "size_bytes": 4505.0, "num_records": 6.0, "num_deleted_records": 0.0, "checkpoint_version": nil}
				for k, v := range want {
					if j[k] != v {
						t.Errorf("%s = %v, want %v", k, j[k], v)
					}
				}
				md := j["metadata"].(map[string]any)
				if md["name"] != nil || md["partition_columns"].([]any)[0] != "letter" {
					t.Errorf("metadata = %v", md)
				}
				p := j["protocol"].(map[string]any)
				if rf, ok := p["reader_features"].([]any); !ok || len(rf) != 0 {
					t.Errorf("reader_features = %v, want []", p["reader_features"])
				}
			}},
		{name: "older version", args: []string{"snapshot", filepath.Join(dir, "basic-with-inserts-deletes-checkpoint"), "--version", "3", "--json"}, code: 0,
			validate: func(t *testing.T, j map[string]any) {
				if j["version"] != 3.0 || j["checkpoint_version"] != nil {
					t.Errorf("version %v checkpoint %v", j["version"], j["checkpoint_version"])
				}
			}},
		{name: "checkpoint and deletion vectors", args: []string{"snapshot", filepath.Join(dir, "table-with-dv-small"), "--json"}, code: 0,
			validate: func(t *testing.T, j map[string]any) {
				if j["num_deleted_records"] != 2.0 {
					t.Errorf("num_deleted_records = %v, want 2", j["num_deleted_records"])
				}
			}},
		{name: "text", args: []string{"snapshot", filepath.Join(dir, "basic_partitioned")}, code: 0,
			stdout: []string{"version:             1", "partition columns:   letter", "records:             6"}},
		{name: "not a table", args: []string{"snapshot", filepath.Join(dir, "no-delta-log-folder")}, code: 1, stderr: "table not found"},
		{name: "unsupported feature", args: []string{"snapshot", filepath.Join(dir, "table-with-geo")}, code: 1, stderr: "unsupported reader feature"},
		{name: "version out of range", args: []string{"snapshot", filepath.Join(dir, "basic_partitioned"), "--version", "99"}, code: 1, stderr: "version 99"},
		{name: "unknown scheme", args: []string{"snapshot", "hdfs://namenode/t"}, code: 1, stderr: "unsupported location scheme"},
		{name: "both pins", args: []string{"snapshot", filepath.Join(dir, "basic_partitioned"), "--version", "0", "--timestamp", "0"}, code: 2, stderr: "mutually exclusive"},
		{name: "bad timestamp", args: []string{"snapshot", filepath.Join(dir, "basic_partitioned"), "--timestamp", "yesterday"}, code: 2, stderr: "RFC 3339"},
		{name: "timestamp before first commit", args: []string{"snapshot", filepath.Join(dir, "basic_partitioned"), "--timestamp", "1970-01-02T00:00:00Z"}, code: 1, stderr: "timestamp out of range"},
		{name: "missing arg", args: []string{"snapshot"}, code: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tc.code, errs)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			if tc.stderr != "" && !strings.Contains(errs, tc.stderr) {
				t.Errorf("stderr %q lacks %q", errs, tc.stderr)
			}
			if tc.validate != nil {
				var j map[string]any
				if err := json.Unmarshal([]byte(out), &j); err != nil {
					t.Fatalf("stdout is not JSON: %v\n%s", err, out)
				}
				for _, k := range []string{"location", "version", "timestamp_ms", "protocol", "metadata", "checkpoint_version", "num_files", "size_bytes", "num_records", "num_deleted_records"} {
					if _, ok := j[k]; !ok {
						t.Errorf("missing contract field %q", k)
					}
				}
				tc.validate(t, j)
			}
		})
	}
}

package main

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
)

func TestFilesCommand(t *testing.T) {
	dir := fixtures.Dir(t, "delta")
	type file struct {
		Path              string             `json:"path"`
		Size              int64              `json:"size"`
		PartitionValues   map[string]*string `json:"partition_values"`
		NumRecords        *int64             `json:"num_records"`
		HasDeletionVector bool               `json:"has_deletion_vector"`
	}
	type out struct {
		Version int64   `json:"version"`
		Filter  *string `json:"filter"`
		Total   struct{ Files, Bytes int64 }
		Kept    struct{ Files, Bytes int64 }
		Files   []file `json:"files"`
	}
	tests := []struct {
		name  string
		table string
		args  []string
		check func(t *testing.T, o out)
	}{
		{"partitioned with a null partition", "basic_partitioned", nil, func(t *testing.T, o out) {
			if o.Total.Files != 6 || o.Kept.Files != 6 || o.Total.Bytes != 4505 || o.Filter != nil {
				t.Errorf("totals %+v kept %+v filter %v", o.Total, o.Kept, o.Filter)
			}
			if v, ok := o.Files[0].PartitionValues["letter"]; !ok || v != nil {
				t.Errorf("first file partition %v, want letter=null", o.Files[0].PartitionValues)
			}
			if v := o.Files[1].PartitionValues["letter"]; v == nil || *v != "a" {
				t.Errorf("second file partition %v, want a", v)
			}
		}},
		{"decoded special-character paths", "log-replay-special-characters-b", nil, func(t *testing.T, o out) {
			for _, f := range o.Files {
				if strings.Contains(f.Path, "%") {
					t.Errorf("path %q still percent-encoded", f.Path)
				}
			}
		}},
		{"deletion vectors", "table-with-dv-small", nil, func(t *testing.T, o out) {
			n := 0
			for _, f := range o.Files {
				if f.HasDeletionVector {
					n++
				}
			}
			if n == 0 {
				t.Errorf("no file has a deletion vector")
			}
		}},
		{"older version", "basic-with-inserts-deletes-checkpoint", []string{"--version", "0"}, func(t *testing.T, o out) {
			if o.Version != 0 || o.Kept.Files != int64(len(o.Files)) {
				t.Errorf("version %d kept %d files %d", o.Version, o.Kept.Files, len(o.Files))
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"files", filepath.Join(dir, tc.table), "--json"}, tc.args...)
			code, stdout, stderr := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var o out
			if err := json.Unmarshal([]byte(stdout), &o); err != nil {
				t.Fatalf("bad JSON: %v", err)
			}
			if !sort.SliceIsSorted(o.Files, func(i, j int) bool { return o.Files[i].Path < o.Files[j].Path }) {
				t.Errorf("files not sorted by path")
			}
			var bytes int64
			for _, f := range o.Files {
				bytes += f.Size
			}
			if bytes != o.Kept.Bytes {
				t.Errorf("kept bytes %d, files sum to %d", o.Kept.Bytes, bytes)
			}
			tc.check(t, o)
		})
	}
	code, stdout, _ := runCLI(t, "files", filepath.Join(dir, "basic_partitioned"))
	if code != 0 || !strings.Contains(stdout, "kept 6 of 6 files") {
		t.Errorf("text output: exit %d\n%s", code, stdout)
	}
	if code, _, _ := runCLI(t, "files", filepath.Join(dir, "deltalog-state-reconstruction-without-protocol")); code != 1 {
		t.Errorf("missing protocol: exit %d, want 1", code)
	}
}

package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
)

func TestFilesFilter(t *testing.T) {
	dir := fixtures.Dir(t, "delta")
	tests := []struct {
		table, filter string
		wantCode      int
		wantKept      int // -1: do not check
		wantTotal     int
		why           string
	}{
		{"basic_partitioned", "letter = 'a'", 0, 2, 6, "partition value decides exactly"},
		{"basic_partitioned", "letter IS NULL", 0, 1, 6, "the __HIVE_DEFAULT_PARTITION__ file"},
		{"basic_partitioned", "letter IN ('b', 'c') OR letter IS NULL", 0, 3, 6, "OR of partition tests"},
		{"data-skipping-partition-and-data-column", "id > 1000000", 0, 0, 4, "max id rules out every file"},
		{"data-skipping-partition-and-data-column", "id >= 0", 0, 4, 4, "every file may match"},
		{"basic_partitioned", "letter = ", 2, -1, 0, "syntax error: command line"},
		{"basic_partitioned", "nosuch = 1", 1, -1, 0, "unknown column: bad input"},
	}
	for _, tc := range tests {
		t.Run(tc.table+"/"+tc.filter, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "files", filepath.Join(dir, tc.table), "--filter", tc.filter, "--json")
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d (%s); stderr %q", code, tc.wantCode, tc.why, stderr)
			}
			if code != 0 {
				if !strings.Contains(stderr, "filter") {
					t.Fatalf("stderr %q does not explain the problem", stderr)
				}
				return
			}
			var j filesJSON
			if err := json.Unmarshal([]byte(stdout), &j); err != nil {
				t.Fatal(err)
			}
			if j.Filter == nil || *j.Filter != tc.filter {
				t.Errorf("filter field %v, want %q", j.Filter, tc.filter)
			}
			if j.Kept.Files != tc.wantKept || j.Total.Files != tc.wantTotal || len(j.Files) != tc.wantKept {
				t.Fatalf("kept %d (%d listed) of %d, want %d of %d: %s", j.Kept.Files, len(j.Files), j.Total.Files, tc.wantKept, tc.wantTotal, tc.why)
			}
		})
	}
}

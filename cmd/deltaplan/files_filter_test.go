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
		{"basic_partitioned", "nosuch = 1", 2, -1, 0, "unknown column: an error in the filter, never keep-all"},
		{"basic_partitioned", "LETTER = 'a'", 0, 2, 6, "column names resolve case-insensitively, as Delta does"},
		{"stats-writing-all-types", "float_col >= 3.14000001", 0, 1, 1, "the float max 3.14 is 3.1400001049… as a float32"},
		{"stats-writing-all-types", "float_col > 3.1400002", 0, 1, 1, "kept: a NaN the max may leave out is above every number"},
		{"stats-writing-all-types", "float_col < 1.4", 0, 0, 1, "below the min: dropped"},
		{"stats-writing-all-types", "int_col > 'abc'", 2, -1, 0, "a string cannot be an integer: error, not keep-all"},
		{"stats-writing-all-types", "nested_struct IS NULL", 0, 1, 1, "IS NULL applies to a struct column (kept: no struct null count)"},
		{"stats-writing-all-types", "nested_struct = 1", 2, -1, 0, "a struct compares with nothing"},
		{"stats-writing-all-types", "nested_struct.inner_int > 50", 0, 0, 1, "nested statistics decide"},
		{"stats-writing-all-types", "double_col = 6.28", 0, 1, 1, "a decimal literal against a double compares as a double"},
		{"stats-writing-all-types", "decimal_col = 999.99e0", 0, 1, 1, "a double literal against a decimal column compares as a double"},
		{"stats-writing-all-types", "timestamp_col = DATE '2024-12-25'", 0, 1, 1, "a DATE against a timestamp decides by midnight or the day's bounds"},
		{"stats-writing-all-types", "timestamp_col > TIMESTAMP '2024-12-25 00:00:00.001+00:00'", 0, 0, 1, "the millisecond max is widened once, by 999µs"},
		{"stats-writing-all-types", "string_col <> 'alpha'", 0, 1, 1, "a short string max is exact"},
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

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/lineage"
)

func TestLineageCommand(t *testing.T) {
	q6 := filepath.Join(fixtures.Dir(t, "substrait"), "isthmus", "integration-tpch-q06.json")
	data, err := os.ReadFile(q6)
	if err != nil {
		t.Fatal(err)
	}
	p, err := lineage.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := proto.Marshal(p.Proto)
	if err != nil {
		t.Fatal(err)
	}
	binPath := filepath.Join(t.TempDir(), "q6.pb")
	if err := os.WriteFile(binPath, bin, 0o644); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(t.TempDir(), "garbage.pb")
	if err := os.WriteFile(garbage, []byte("\xff\xfe not a plan"), 0o644); err != nil {
		t.Fatal(err)
	}
	wantCols := []string{"L_DISCOUNT", "L_EXTENDEDPRICE", "L_QUANTITY", "L_SHIPDATE"}
	tests := []struct {
		name     string
		args     []string
		code     int
		contains string // in stdout (exit 0) or stderr
	}{
		{"json from protobuf JSON", []string{"lineage", q6, "--json"}, exitOK, `"kind": "named_table"`},
		{"json from protobuf binary", []string{"lineage", binPath, "--json"}, exitOK, `"table": "LINEITEM"`},
		{"text", []string{"lineage", q6}, exitOK, "read LINEITEM [named_table]"},
		{"missing file is bad input", []string{"lineage", filepath.Join(t.TempDir(), "none.json")}, exitBad, "none.json"},
		{"garbage is bad input naming the file", []string{"lineage", garbage}, exitBad, "garbage.pb"},
		{"no argument is a usage error", []string{"lineage"}, exitUsage, "accepts 1 arg"},
		{"unknown flag is a usage error", []string{"lineage", q6, "--nope"}, exitUsage, "unknown flag"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tc.code, stderr)
			}
			where := stdout
			if code != exitOK {
				where = stderr
			}
			if !strings.Contains(where, tc.contains) {
				t.Fatalf("output lacks %q:\nstdout %s\nstderr %s", tc.contains, stdout, stderr)
			}
			if code != exitOK || !strings.Contains(strings.Join(tc.args, " "), "--json") {
				return
			}
			var doc struct {
				Reads []struct {
					Table   string   `json:"table"`
					Kind    string   `json:"kind"`
					Columns []string `json:"columns"`
					Filters []string `json:"filters"`
				} `json:"reads"`
				Joins     []json.RawMessage `json:"joins"`
				Functions []struct {
					URN   string `json:"urn"`
					Name  string `json:"name"`
					Count int    `json:"count"`
				} `json:"functions"`
				Relations map[string]int `json:"relations"`
			}
			if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
				t.Fatalf("not one JSON document: %v", err)
			}
			if len(doc.Reads) != 1 || strings.Join(doc.Reads[0].Columns, ",") != strings.Join(wantCols, ",") {
				t.Fatalf("reads = %+v, want LINEITEM %v", doc.Reads, wantCols)
			}
			if len(doc.Reads[0].Filters) == 0 || doc.Relations["read"] != 1 || doc.Joins == nil || len(doc.Functions) == 0 {
				t.Fatalf("incomplete document: %s", stdout)
			}
		})
	}
}

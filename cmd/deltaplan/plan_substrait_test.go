package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/substrait-io/substrait-go/v8/extensions"
	"github.com/substrait-io/substrait-go/v8/plan"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/deltaplan/deltaplan/lineage"
)

// checkSubstraitFile: the file is a plan substrait-go accepts, and lineage
// reads it as local-files reads needing cols with the given filters.
func checkSubstraitFile(t *testing.T, data []byte, reads int, cols, filters []string) {
	t.Helper()
	var p substraitpb.Plan
	if err := protojson.Unmarshal(data, &p); err != nil {
		t.Fatalf("not protobuf JSON: %v", err)
	}
	if _, err := plan.FromProto(&p, extensions.GetDefaultCollectionWithNoError()); err != nil {
		t.Fatalf("substrait-go rejects the plan: %v", err)
	}
	lp, err := lineage.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	lin, err := lineage.Analyze(lp)
	if err != nil {
		t.Fatal(err)
	}
	if len(lin.Reads) != reads {
		t.Fatalf("%d reads, want %d", len(lin.Reads), reads)
	}
	for _, rd := range lin.Reads {
		if rd.Kind != lineage.ReadLocalFiles || !slices.Equal(rd.Columns, cols) || !slices.Equal(rd.Filters, filters) {
			t.Errorf("read %s %v %q, want local_files %v %q", rd.Kind, rd.Columns, rd.Filters, cols, filters)
		}
	}
}

func TestPlanScanUnitsSubstrait(t *testing.T) {
	revenue, _, sess, sales := examplePaths(t)
	run := func(dir string) []byte {
		code, stdout, stderr := runCLI(t, "plan", revenue, "--table", "sales="+sales, "--session", sess, "--json", "--scan-units-substrait", dir)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		return []byte(stdout)
	}
	dir := filepath.Join(t.TempDir(), "units")
	out := run(dir)
	var b struct {
		ScanUnits []struct {
			ID               string   `json:"id"`
			Files            []string `json:"files"`
			ProjectedColumns []string `json:"projected_columns"`
		} `json:"scan_units"`
	}
	if err := json.Unmarshal(out, &b); err != nil {
		t.Fatal(err)
	}
	if len(b.ScanUnits) != 2 {
		t.Fatalf("%d scan units, want 2 (EU and NA of 2024-05-02)", len(b.ScanUnits))
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names, want []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	for _, u := range b.ScanUnits {
		want = append(want, u.ID+".substrait.json")
	}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("files %v, want exactly %v", names, want)
	}
	// The date range is pushed; region IN (…) names the partition column,
	// which the projection fills in after the read, so it stays out.
	dates := []string{"order_date < DATE '2024-05-04'", "order_date >= DATE '2024-05-02'"}
	first := map[string][]byte{}
	for _, u := range b.ScanUnits {
		data, err := os.ReadFile(filepath.Join(dir, u.ID+".substrait.json"))
		if err != nil {
			t.Fatal(err)
		}
		first[u.ID] = data
		checkSubstraitFile(t, data, 1, u.ProjectedColumns, dates)
	}
	// Deterministic bytes: a second run writes the same files.
	dir2 := filepath.Join(t.TempDir(), "again")
	run(dir2)
	for id, data := range first {
		again, err := os.ReadFile(filepath.Join(dir2, id+".substrait.json"))
		if err != nil || string(again) != string(data) {
			t.Errorf("unit %s: second run differs (%v)", id, err)
		}
	}
}

func TestPlanScanUnitsSubstraitBadDir(t *testing.T) {
	revenue, _, sess, sales := examplePaths(t)
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "plan", revenue, "--table", "sales="+sales, "--session", sess, "--scan-units-substrait", file)
	if code != exitBad || stderr == "" {
		t.Fatalf("exit %d (%q), want %d with a message", code, stderr, exitBad)
	}
}

func TestFilesSubstrait(t *testing.T) {
	_, _, _, sales := examplePaths(t)
	all := []string{"amount", "order_date", "order_id", "quantity", "region", "ts"}
	tests := []struct {
		name    string
		args    []string
		reads   int
		filters []string
	}{
		{name: "should read every file: one read per partition", args: nil, reads: 4, filters: []string{}},
		{name: "should read EU only, amount pushed, region filled by the projection",
			args: []string{"--filter", "region = 'EU' AND amount > 100"}, reads: 1, filters: []string{"amount > 100.00"}},
		{name: "should read nothing: an empty read", args: []string{"--filter", "region = 'XX'"}, reads: 1, filters: []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"files", sales, "--substrait"}, tc.args...)
			code, stdout, stderr := runCLI(t, args...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			checkSubstraitFile(t, []byte(stdout), tc.reads, all, tc.filters)
			_, again, _ := runCLI(t, args...)
			if again != stdout {
				t.Error("output not deterministic")
			}
		})
	}
}

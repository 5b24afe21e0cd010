package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
)

func TestBenchPrune(t *testing.T) {
	table := filepath.Join(fixtures.Dir(t, "delta"), "basic_partitioned")
	report := t.TempDir()
	code, stdout, stderr := runCLI(t, "bench", "prune", table, "--filter", "letter = 'a'", "--filter", "letter IS NULL OR letter > 'b'",
		"--runs", "2", "--report", report, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res benchPruneJSON
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	if res.Files != 6 || len(res.Predicates) != 2 || res.Runs != 2 {
		t.Fatalf("unexpected result %+v", res)
	}
	wantKept := []int{2, 3} // letter=a: 2 files; NULL, c, e: 3 files
	for i, p := range res.Predicates {
		if p.KeptFiles != wantKept[i] || p.KeptBytes <= 0 || p.KeptBytes >= res.Bytes || p.NsPerFile <= 0 {
			t.Errorf("filter %q: %+v, want %d files kept", p.Filter, p, wantKept[i])
		}
	}
	md, err := os.ReadFile(filepath.Join(report, "prune.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "`letter = 'a'`") || !strings.Contains(string(md), "prune.svg") {
		t.Errorf("report lacks the filters or the chart:\n%s", md)
	}
	svg, err := os.ReadFile(filepath.Join(report, "prune.svg"))
	if err != nil || !bytes.HasPrefix(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("letter = &#39;a&#39;")) || !bytes.Contains(svg, []byte(`width="1200"`)) {
		t.Fatalf("prune.svg missing, not an SVG, without the filter label, or narrower than 1200px: %v", err)
	}
	// Text output carries the same numbers.
	code, stdout, _ = runCLI(t, "bench", "prune", table, "--filter", "letter = 'a'", "--runs", "1")
	if code != 0 || !strings.Contains(stdout, "letter = 'a'") || !strings.Contains(stdout, "FILES AFTER") {
		t.Fatalf("text output (exit %d):\n%s", code, stdout)
	}
}

func TestBenchPruneErrors(t *testing.T) {
	table := filepath.Join(fixtures.Dir(t, "delta"), "basic_partitioned")
	tests := []struct {
		args []string
		code int
		why  string
	}{
		{[]string{"bench", "prune", table}, 2, "no --filter"},
		{[]string{"bench", "prune", table, "--filter", "letter ="}, 2, "malformed filter"},
		{[]string{"bench", "prune", table, "--filter", "a = 1", "--runs", "0"}, 2, "no runs"},
		{[]string{"bench", "prune"}, 2, "no LOCATION"},
		{[]string{"bench", "prune", table, "--filter", "nosuch = 1"}, 2, "unknown column: an error in the filter"},
		{[]string{"bench", "prune", filepath.Join(table, "missing"), "--filter", "a = 1"}, 1, "no table"},
	}
	for _, tc := range tests {
		code, _, stderr := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, "deltaplan:") {
			t.Errorf("%s: exit %d (want %d), stderr %q", tc.why, code, tc.code, stderr)
		}
	}
}

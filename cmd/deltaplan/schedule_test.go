package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
)

// scheduleWorkspace copies the example folder (table, plans, session,
// workflow) to a temporary directory the test may change.
func scheduleWorkspace(t *testing.T) string {
	t.Helper()
	src := filepath.Join(fixtures.RepoRoot(t), "testdata", "example")
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

type scheduleDoc struct {
	Requested []string `json:"requested"`
	Admitted  []string `json:"admitted"`
	Run       []string `json:"run"`
	Nodes     []struct {
		Name     string            `json:"name"`
		Kind     string            `json:"kind"`
		View     string            `json:"view"`
		Table    string            `json:"table"`
		Admitted bool              `json:"admitted"`
		Status   string            `json:"status"`
		Reason   string            `json:"reason"`
		Inputs   map[string]string `json:"inputs"`
	} `json:"nodes"`
	CriticalPath struct {
		Bytes int64    `json:"bytes"`
		Nodes []string `json:"nodes"`
	} `json:"critical_path"`
}

func runSchedule(t *testing.T, args ...string) (scheduleDoc, string) {
	t.Helper()
	code, stdout, stderr := runCLI(t, append([]string{"schedule", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("schedule %v: exit %d: %s", args, code, stderr)
	}
	var doc scheduleDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("schedule --json: %v\n%s", err, stdout)
	}
	return doc, stdout
}

// viewStatus maps each admitted view to status/reason.
func viewStatus(doc scheduleDoc) map[string]string {
	out := map[string]string{}
	for _, n := range doc.Nodes {
		if n.View != "" && n.Admitted {
			out[n.View] = n.Status + "/" + n.Reason
		}
	}
	return out
}

func TestScheduleCommandExample(t *testing.T) {
	wf := filepath.Join(fixtures.RepoRoot(t), "testdata", "example", "workflow.json")
	doc, first := runSchedule(t, wf)
	_, second := runSchedule(t, wf)
	if first != second {
		t.Error("two runs printed different bytes")
	}
	if len(doc.Requested) != 4 || len(doc.Admitted) != len(doc.Nodes) || len(doc.Run) != len(doc.Nodes) {
		t.Errorf("requested %v, admitted %d, run %d of %d nodes", doc.Requested, len(doc.Admitted), len(doc.Run), len(doc.Nodes))
	}
	if n := len(doc.CriticalPath.Nodes); n < 2 || doc.CriticalPath.Bytes <= 0 {
		t.Errorf("critical path %+v", doc.CriticalPath)
	}
	code, text, stderr := runCLI(t, "schedule", wf)
	if code != 0 || !strings.Contains(text, "critical path") || !strings.Contains(text, "view:region_report") {
		t.Errorf("text output: exit %d, %s%s", code, text, stderr)
	}
}

func TestScheduleCommandPrevious(t *testing.T) {
	dir := scheduleWorkspace(t)
	wf := filepath.Join(dir, "workflow.json")
	_, out := runSchedule(t, wf)
	prev := filepath.Join(dir, "prev.json")
	if err := os.WriteFile(prev, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, _ := runSchedule(t, wf, "--previous", prev)
	want := map[string]string{
		"region_report":        "fresh/cache hit",
		"revenue_by_region":    "fresh/cache hit",
		"revenue_by_region_v2": "fresh/cache hit",
		"top_eu_orders":        "stale/recompute",
	}
	for v, w := range want {
		if got := viewStatus(doc)[v]; got != w {
			t.Errorf("unchanged inputs: %s is %s, want %s", v, got, w)
		}
	}

	// Append a commit to sales that removes an EU file only top_eu_orders
	// reads: the pin moves, but no other view's files change, so they stay
	// fresh (cache keys, not pins, decide).
	log := filepath.Join(dir, "sales", "_delta_log")
	commit := `{"commitInfo":{"inCommitTimestamp":1714539600000,"timestamp":1714539600000,"operation":"WRITE"}}
{"remove":{"path":"region=EU/part-00002-5a1e0002-0c0d-4e0f-8a1b-000000000003.c000.snappy.parquet","deletionTimestamp":1714539600000,"dataChange":true}}
`
	if err := os.WriteFile(filepath.Join(log, "00000000000000000005.json"), []byte(commit), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, _ = runSchedule(t, wf, "--previous", prev)
	want = map[string]string{
		"region_report":        "fresh/cache hit",
		"revenue_by_region":    "fresh/cache hit",
		"revenue_by_region_v2": "fresh/cache hit",
		"top_eu_orders":        "stale/recompute",
	}
	for v, w := range want {
		if got := viewStatus(doc)[v]; got != w {
			t.Errorf("after a commit: %s is %s, want %s", v, got, w)
		}
	}

	// Admission: only region_report and its ancestors.
	doc, _ = runSchedule(t, wf, "--previous", prev, "--view", "region_report")
	if got := viewStatus(doc); len(got) != 2 || got["region_report"] == "" || got["revenue_by_region"] == "" {
		t.Errorf("--view region_report admitted %v", got)
	}
}

func TestScheduleCommandErrors(t *testing.T) {
	dir := scheduleWorkspace(t)
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	loop := strings.Replace(readTestFile(t, filepath.Join(dir, "plans", "region_report.json")), `"revenue_by_region"`, `"region_report"`, 1)
	write("plans/loop.json", loop)
	tests := []struct {
		name string
		args []string
		code int
		want []string // substrings of stderr
	}{
		{"malformed JSON", []string{write("bad.json", `{"tables": {`)}, 1, []string{"bad.json", "malformed"}},
		{"duplicate key", []string{write("dup.json", `{"views": {"a": {"plan": "x"}}, "views": {}}`)}, 1, []string{"dup.json", `duplicate key "views"`}},
		{"a view reads a table the workflow lacks", []string{write("notable.json", `{"views": {"r": {"plan": "plans/revenue_by_region.json"}}}`)}, 1,
			[]string{"notable.json", `view r`, `reads "sales"`, "neither a table nor a view"}},
		{"views read each other in a cycle", []string{write("cycle.json", `{"views": {"region_report": {"plan": "plans/loop.json"}}}`)}, 1,
			[]string{"cycle.json", "cycle", "region_report -> region_report"}},
		{"unknown view requested", []string{filepath.Join(dir, "workflow.json"), "--view", "nope"}, 1, []string{"workflow.json", `unknown view "nope"`}},
		{"missing workflow", []string{filepath.Join(dir, "none.json")}, 1, []string{"none.json"}},
		{"missing previous", []string{filepath.Join(dir, "workflow.json"), "--previous", filepath.Join(dir, "none.json")}, 1, []string{"none.json"}},
		{"previous is not a schedule", []string{filepath.Join(dir, "workflow.json"), "--previous", filepath.Join(dir, "session.json")}, 1, []string{"session.json", "schedule_version 0"}},
		{"no workflow argument", nil, 2, []string{"arg"}},
		{"negative target bytes", []string{filepath.Join(dir, "workflow.json"), "--target-bytes", "-1"}, 2, []string{"--target-bytes"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append([]string{"schedule"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tc.code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
		})
	}
}

func readTestFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

package workflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/workflow"
)

// example is the repository's example folder (table, plans, session).
const example = "../testdata/example"

// copyDir copies a directory tree (the example table is small).
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// editFile replaces old by new in a file, failing when old is absent (so a
// test cannot silently edit nothing).
func editFile(t *testing.T, path, old, new string) {
	t.Helper()
	s := readFile(t, path)
	if !strings.Contains(s, old) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	writeFile(t, path, strings.Replace(s, old, new, 1))
}

// workspace is a temporary copy of the example: two tables (sales and its
// copy archive), the example plans, a plan over archive, a view over a
// view, and the session.
type workspace struct {
	t   *testing.T
	dir string
}

// views of the default workflow: name -> view JSON.
var defaultViews = map[string]string{
	"revenue_by_region": `{"plan": "plans/revenue_by_region.json", "session": "session.json"}`,
	"top_eu_orders":     `{"plan": "plans/top_eu_orders.json", "session": "session.json"}`,
	"archive_revenue":   `{"plan": "plans/archive_revenue.json"}`,
	"region_report":     `{"plan": "plans/region_report.json"}`,
}

func newWorkspace(t *testing.T) *workspace {
	t.Helper()
	dir := t.TempDir()
	copyDir(t, filepath.Join(example, "sales"), filepath.Join(dir, "sales"))
	copyDir(t, filepath.Join(example, "sales"), filepath.Join(dir, "archive"))
	for _, p := range []string{"revenue_by_region.json", "top_eu_orders.json", "region_report.json"} {
		writeFile(t, filepath.Join(dir, "plans", p), readFile(t, filepath.Join(example, "plans", p)))
	}
	writeFile(t, filepath.Join(dir, "plans", "archive_revenue.json"),
		strings.Replace(readFile(t, filepath.Join(example, "plans", "revenue_by_region.json")), `"names": ["sales"]`, `"names": ["archive"]`, 1))
	writeFile(t, filepath.Join(dir, "session.json"), readFile(t, filepath.Join(example, "session.json")))
	w := &workspace{t: t, dir: dir}
	w.workflow(defaultViews)
	return w
}

// workflow writes workflow.json with the two tables and the given views.
func (w *workspace) workflow(views map[string]string) {
	var b strings.Builder
	b.WriteString(`{"tables": {"sales": "sales", "archive": "archive"}, "views": {`)
	first := true
	for _, name := range []string{"archive_revenue", "region_report", "revenue_by_region", "top_eu_orders"} {
		v, ok := views[name]
		if !ok {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.WriteString(`"` + name + `": ` + v)
	}
	b.WriteString("}}")
	writeFile(w.t, w.path("workflow.json"), b.String())
}

func (w *workspace) path(rel string) string { return filepath.Join(w.dir, rel) }

// schedule loads, builds and schedules the workspace's workflow with small
// scan units (so the example table yields several).
func (w *workspace) schedule(prev *workflow.Schedule, views ...string) *workflow.Schedule {
	w.t.Helper()
	s, err := scheduleFile(w.path("workflow.json"), prev, views...)
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

func scheduleFile(path string, prev *workflow.Schedule, views ...string) (*workflow.Schedule, error) {
	wf, err := workflow.Load(path)
	if err != nil {
		return nil, err
	}
	g, err := workflow.Build(context.Background(), wf, workflow.Options{TargetBytes: 2000})
	if err != nil {
		return nil, err
	}
	return g.Schedule(views, prev)
}

// appendCommit commits version 5 to the workspace's copy of sales: a new EU
// file (a copy of an existing one, so its stats are true).
func (w *workspace) appendCommit() {
	w.t.Helper()
	const src = "region=EU/part-00002-5a1e0002-0c0d-4e0f-8a1b-000000000003.c000.snappy.parquet"
	const dst = "region=EU/part-00003-5a1e0003-0c0d-4e0f-8a1b-000000000004.c000.snappy.parquet"
	writeFile(w.t, w.path("sales/"+dst), readFile(w.t, w.path("sales/"+src)))
	commit := `{"commitInfo":{"inCommitTimestamp":1714539600000,"timestamp":1714539600000,"operation":"WRITE"}}
{"add":{"path":"` + dst + `","partitionValues":{"region":"EU"},"size":1725,"modificationTime":1714539600000,"dataChange":true,"stats":"{\"numRecords\":30,\"minValues\":{\"order_id\":274,\"order_date\":\"2024-05-04\",\"amount\":30.42,\"quantity\":1,\"ts\":\"2024-05-04T00:15:09.000Z\"},\"maxValues\":{\"order_id\":303,\"order_date\":\"2024-05-04\",\"amount\":980.02,\"quantity\":19,\"ts\":\"2024-05-04T23:25:23.000Z\"},\"nullCount\":{\"order_id\":0,\"order_date\":0,\"amount\":0,\"quantity\":0,\"ts\":0}}"}}
`
	writeFile(w.t, w.path("sales/_delta_log/00000000000000000005.json"), commit)
}

// roundTrip writes s as JSON and reads it back, as --previous does.
func roundTrip(t *testing.T, s *workflow.Schedule) *workflow.Schedule {
	t.Helper()
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := workflow.ReadSchedule(bytes.NewReader(data), "previous.json")
	if err != nil {
		t.Fatal(err)
	}
	return back
}

// statuses maps node name -> "status/reason" for the admitted nodes.
func statuses(s *workflow.Schedule) map[string]string {
	out := map[string]string{}
	for _, n := range s.Nodes {
		if n.Admitted {
			out[n.Name] = n.Status + "/" + n.Reason
		}
	}
	return out
}

func node(t *testing.T, s *workflow.Schedule, name string) workflow.Node {
	t.Helper()
	for _, n := range s.Nodes {
		if n.Name == name {
			return n
		}
	}
	t.Fatalf("no node %s", name)
	return workflow.Node{}
}

package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/identity"
	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/planbundle"
)

// printingCommands lists every runnable command of the tree except
// cobra's own (help, completion).
func printingCommands(t *testing.T) []*cobra.Command {
	t.Helper()
	var out []*cobra.Command
	walk(newRoot(&bytes.Buffer{}, &bytes.Buffer{}), func(c *cobra.Command) {
		p := c.CommandPath()
		if c.Runnable() && !strings.HasPrefix(p, "deltaplan help") && !strings.HasPrefix(p, "deltaplan completion") {
			out = append(out, c)
		}
	})
	if len(out) < 14 {
		t.Fatalf("only %d commands found", len(out))
	}
	return out
}

func TestEveryCommandTakesJSON(t *testing.T) {
	for _, c := range printingCommands(t) {
		f := c.Flags().Lookup("json")
		if f == nil || f.Value.Type() != "bool" {
			t.Errorf("%s: no --json flag", c.CommandPath())
		}
	}
}

// TestEveryHelpHasAnExampleFromTheREADME checks each command's help shows
// an example, and that every example command line is in README.md.
func TestEveryHelpHasAnExampleFromTheREADME(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(fixtures.RepoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	space := regexp.MustCompile(`\s+`)
	norm := func(s string) string { return space.ReplaceAllString(strings.TrimSpace(s), " ") }
	text := norm(string(readme))
	for _, c := range printingCommands(t) {
		if !strings.Contains(c.Example, "deltaplan ") {
			t.Errorf("%s: no example in its help", c.CommandPath())
			continue
		}
		for _, line := range strings.Split(c.Example, "\n") {
			line = norm(strings.TrimSuffix(strings.TrimSpace(line), `\`))
			if line != "" && !strings.Contains(text, line) {
				t.Errorf("%s: example line %q is not in README.md", c.CommandPath(), line)
			}
		}
		var help bytes.Buffer
		c.SetOut(&help)
		if err := c.Help(); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(help.String(), "\n") {
			if strings.Count(l, "(default") > 1 {
				t.Errorf("%s: default printed twice: %q", c.CommandPath(), l)
			}
		}
	}
}

func TestVersion(t *testing.T) {
	orig := readBuildInfo
	t.Cleanup(func() { readBuildInfo = orig })
	readBuildInfo = func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-04T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}, true
	}
	code, flagOut, _ := runCLI(t, "--version")
	code2, cmdOut, _ := runCLI(t, "version")
	if code != 0 || code2 != 0 || flagOut != cmdOut {
		t.Fatalf("--version (exit %d) %q and version (exit %d) %q differ", code, flagOut, code2, cmdOut)
	}
	if !strings.HasPrefix(flagOut, "deltaplan v1.2.3 (0123456789ab, modified, 2026-12-04T10:00:00Z)\n") {
		t.Errorf("version line %q", flagOut)
	}
	if !strings.Contains(flagOut, fmt.Sprintf("bundle %d, encoding %d", planbundle.Version, identity.EncodingVersion)) {
		t.Errorf("format versions missing: %q", flagOut)
	}
	code, out, _ := runCLI(t, "version", "--json")
	var v versionInfo
	if err := json.Unmarshal([]byte(out), &v); err != nil || code != 0 {
		t.Fatalf("version --json: %v %q", err, out)
	}
	if v.Revision != "0123456789abcdef0123" || !v.Modified || v.Formats.Bundle != planbundle.Version || v.Version != "v1.2.3" {
		t.Errorf("version --json = %+v", v)
	}
	if code, _, _ := runCLI(t, "version", "extra"); code != exitUsage {
		t.Errorf("version extra: exit %d", code)
	}
}

func TestCommandLineConventions(t *testing.T) {
	ex := filepath.Join(fixtures.RepoRoot(t), "testdata", "example")
	sales := filepath.Join(ex, "sales")
	plan := filepath.Join(ex, "plans", "revenue_by_region.json")
	ws := scheduleWorkspace(t)
	badWF := filepath.Join(ws, "bad_workflow.json")
	if err := os.WriteFile(badWF, []byte("{\"tables\": {\"sales\": \"sales\"},\n  \"views\": {\"v\": {\"plan\": \"plans/revenue_by_region.json\", \"sesion\": \"x\"}}}"), 0o644); err != nil {
		t.Fatal(err)
	}
	badSession := filepath.Join(ws, "bad_session.json")
	if err := os.WriteFile(badSession, []byte("{\"settings\": {\"a\": \"1\",\n   \"a\": \"2\"}}"), 0o644); err != nil {
		t.Fatal(err)
	}
	// record, drift and cache open existing ledgers only: schedule creates one.
	if code, _, errOut := runCLI(t, "schedule", filepath.Join(ws, "workflow.json"), "--store", filepath.Join(ws, "l.db")); code != 0 {
		t.Fatalf("schedule --store: exit %d: %s", code, errOut)
	}
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"should refuse --substrait with --json, not ignore it", []string{"files", sales, "--substrait", "--json"}, exitUsage, "", "--substrait and --json cannot be combined"},
		{"should refuse --substrait with --stats, not ignore it", []string{"files", sales, "--substrait", "--stats"}, exitUsage, "", "--substrait and --stats cannot be combined"},
		{"should refuse --stats without --json, not ignore it", []string{"files", sales, "--stats"}, exitUsage, "", "--stats needs --json"},
		{"should print statistics with --json --stats", []string{"files", sales, "--json", "--stats"}, 0, `"stats"`, ""},
		{"should read a date as midnight UTC", []string{"snapshot", sales, "--timestamp", "2024-05-01", "--json"}, 0, `"version": 0`, ""},
		{"should read a later date", []string{"snapshot", sales, "--timestamp", "2024-05-02"}, 0, "version:             4", ""},
		{"should read epoch milliseconds", []string{"snapshot", sales, "--timestamp", "1714530600000"}, 0, "version:             2", ""},
		{"should refuse a word for a time in its own words", []string{"snapshot", sales, "--timestamp", "yesterday"}, exitUsage, "", "not a time: want RFC 3339"},
		{"should refuse a negative version", []string{"files", sales, "--version", "-1"}, exitUsage, "", "must be >= 0"},
		{"should take a size with a unit", []string{"fingerprint", plan, "--table", "sales=" + sales, "--target-bytes", "1KiB"}, 0, "sha256:", ""},
		{"should refuse a malformed size in its own words", []string{"plan", plan, "--table", "sales=" + sales, "--target-bytes", "1KB2"}, exitUsage, "", "not a size"},
		{"should refuse a negative size", []string{"schedule", filepath.Join(ex, "workflow.json"), "--target-bytes", "-5"}, exitUsage, "", "not a size"},
		{"should locate an unknown workflow field", []string{"schedule", badWF}, exitBad, "", `line 2, column 59: unknown field "sesion"`},
		{"should locate a duplicate session key", []string{"plan", plan, "--table", "sales=" + sales, "--session", badSession}, exitBad, "", "line 2, column"},
		{"should accept --json on cache lineage", []string{"cache", "lineage", "--store", filepath.Join(ws, "l.db"), "--json"}, 0, "", ""},
		{"should exit 1 naming an unknown run in cache lineage", []string{"cache", "lineage", "--store", filepath.Join(ws, "l.db"), "--run", "nope"}, exitBad, "", "nope"},
		{"should exit 1 naming an unknown run in drift", []string{"drift", "--store", filepath.Join(ws, "l.db"), "--run", "nope"}, exitBad, "", "nope"},
		{"should print history newest first", []string{"history", sales, "--limit", "2"}, 0, "4        2024-05-01T04:00:00Z  in-commit  WRITE", ""},
		{"should refuse a negative limit", []string{"history", sales, "--limit", "-1"}, exitUsage, "", "--limit"},
		{"should exit 1 for history of a non-table", []string{"history", ws}, exitBad, "", "table not found"},
		{"should print the schema tree and properties", []string{"snapshot", sales}, 0, "  region: string (nullable, partition column)", ""},
		{"should print table properties", []string{"snapshot", sales}, 0, "  delta.enableInCommitTimestamps = true", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, c.args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, c.code, errOut)
			}
			if !strings.Contains(out, c.stdout) {
				t.Errorf("stdout lacks %q:\n%s", c.stdout, out)
			}
			if !strings.Contains(errOut, c.stderr) {
				t.Errorf("stderr lacks %q: %s", c.stderr, errOut)
			}
		})
	}
}

// TestSizeUnitsMatchBytes checks --target-bytes 1KiB plans exactly as 1024.
func TestSizeUnitsMatchBytes(t *testing.T) {
	// The example table with two more copies of a file the plan keeps, so
	// that its partition holds several small files.
	ws := scheduleWorkspace(t)
	table := filepath.Join(ws, "sales")
	src := "region=EU/part-00001-5a1e0001-0c0d-4e0f-8a1b-000000000002.c000.snappy.parquet"
	commitCopy(t, table, src, "region=EU/part-00007-5a1e0007-0c0d-4e0f-8a1b-000000000007.c000.snappy.parquet", 5)
	commitCopy(t, table, src, "region=EU/part-00008-5a1e0008-0c0d-4e0f-8a1b-000000000008.c000.snappy.parquet", 6)
	plan := filepath.Join(ws, "plans", "revenue_by_region.json")
	args := []string{"plan", plan, "--table", "sales=" + table, "--json", "--target-bytes"}
	_, a, _ := runCLI(t, append(args, "1KiB")...)
	_, b, _ := runCLI(t, append(args, "1024")...)
	_, c, _ := runCLI(t, append(args, "256MiB")...)
	if a == "" || a != b {
		t.Error("--target-bytes 1KiB and 1024 differ")
	}
	if a == c {
		t.Error("--target-bytes 1KiB and 256MiB agree: the unit was ignored")
	}
}

func TestDiagnosticsUnknownRun(t *testing.T) {
	dir := scheduleWorkspace(t)
	diag := filepath.Join(dir, "diag")
	scheduleStore(t, filepath.Join(dir, "workflow.json"), "--store", filepath.Join(dir, "ledger.db"), "--diagnostics", diag)
	code, out, errOut := runCLI(t, "diagnostics", diag, "schedule_nodes", "--run", "nope", "--json")
	if code != exitBad || out != "" || !strings.Contains(errOut, `"nope"`) {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 naming the run", code, out, errOut)
	}
}

func TestHistoryJSON(t *testing.T) {
	code, out, errOut := runCLI(t, "history", filepath.Join(fixtures.RepoRoot(t), "testdata", "example", "sales"), "--json")
	if code != 0 {
		t.Fatal(errOut)
	}
	var h historyJSON
	if err := json.Unmarshal([]byte(out), &h); err != nil {
		t.Fatal(err)
	}
	if len(h.Entries) != 5 || h.Entries[0].Version != 4 || *h.Entries[0].TimestampSource != "in_commit_timestamp" ||
		*h.Entries[0].Timestamp != "2024-05-01T04:00:00Z" || *h.Entries[2].FilesRemoved != 1 || *h.Entries[0].Operation != "WRITE" {
		t.Errorf("history --json: %s", out)
	}
}

func TestSnapshotSchemaJSON(t *testing.T) {
	code, out, errOut := runCLI(t, "snapshot", filepath.Join(fixtures.Dir(t, "delta"), "cdf-column-mapping-id-mode"), "--json")
	if code != 0 {
		t.Fatal(errOut)
	}
	var s snapshotJSON
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	if s.Metadata.SchemaString == "" || s.Metadata.Schema == nil || len(s.Metadata.Schema.Fields) != 3 {
		t.Fatalf("schema: %s", out)
	}
	f := s.Metadata.Schema.Fields[0]
	if f.Name != "id" || f.Type.Name != "long" || string(*f.ColumnMappingID) != "1" || f.PhysicalName == nil || !strings.HasPrefix(*f.PhysicalName, "col-") {
		t.Errorf("field 0 = %+v", f)
	}
}

// TestSchemaTree renders nested types, column mapping and type widening.
func TestSchemaTree(t *testing.T) {
	schema := `{"type":"struct","fields":[
	 {"name":"p","type":"string","nullable":true,"metadata":{}},
	 {"name":"n","type":"long","nullable":false,"metadata":{"delta.columnMapping.id":7,"delta.columnMapping.physicalName":"col-n","delta.typeChanges":[{"fromType":"short","toType":"integer"},{"fromType":"integer","toType":"long"}]}},
	 {"name":"s","type":{"type":"struct","fields":[{"name":"d","type":"decimal(10,2)","nullable":true,"metadata":{}}]},"nullable":true,"metadata":{}},
	 {"name":"a","type":{"type":"array","elementType":"integer","containsNull":false},"nullable":true,"metadata":{}},
	 {"name":"m","type":{"type":"map","keyType":"string","valueType":{"type":"array","elementType":"date","containsNull":true},"valueContainsNull":true},"nullable":true,"metadata":{}}]}`
	parsed, err := deltaParseSchema(schema)
	if err != nil {
		t.Fatal(err)
	}
	j := newSchemaJSON(parsed, []string{"p"})
	var buf bytes.Buffer
	printSchemaTree(&buf, j)
	want := `schema:
  p: string (nullable, partition column)
  n: long (not null, id 7, physical col-n, widened short -> integer; integer -> long)
  s: struct (nullable)
    d: decimal(10,2) (nullable)
  a: array (nullable)
    element: integer (no nulls)
  m: map (nullable)
    key: string
    value: array (contains null)
      element: date (contains null)
`
	if buf.String() != want {
		t.Errorf("tree:\n%s\nwant:\n%s", buf.String(), want)
	}
	b, _ := json.Marshal(j)
	for _, s := range []string{`"partition_column":true`, `"type_changes":[{"fromType":"short"`, `"precision":10`, `"contains_null":false`} {
		if !strings.Contains(string(b), s) {
			t.Errorf("schema JSON lacks %s: %s", s, b)
		}
	}
}

// svgNames reads the node names (and collapsed members) of an HTML page.
func svgNames(t *testing.T, page []byte) []string {
	t.Helper()
	start, end := bytes.Index(page, []byte("<svg")), bytes.Index(page, []byte("</svg>"))
	if start < 0 || end < 0 {
		t.Fatal("no SVG in the page")
	}
	var doc struct {
		G []struct {
			Class string `xml:"class,attr"`
			Nodes []struct {
				Name   string `xml:"data-name,attr"`
				Status string `xml:"data-status,attr"`
			} `xml:"g"`
		} `xml:"g"`
	}
	if err := xml.Unmarshal(page[start:end+len("</svg>")], &doc); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range doc.G {
		if g.Class == "nodes" {
			for _, n := range g.Nodes {
				names = append(names, n.Name+"="+n.Status)
			}
		}
	}
	return names
}

func TestSchedulePictures(t *testing.T) {
	dir := scheduleWorkspace(t)
	wf := filepath.Join(dir, "workflow.json")
	html, dot := filepath.Join(dir, "s.html"), filepath.Join(dir, "s.dot")
	code, out, errOut := runCLI(t, "schedule", wf, "--json", "--html", html, "--dot", dot)
	if code != 0 {
		t.Fatal(errOut)
	}
	var s struct {
		Nodes []struct {
			Name     string `json:"name"`
			Admitted bool   `json:"admitted"`
			Status   string `json:"status"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(svgNames(t, page), "\n")
	var want []string
	for _, n := range s.Nodes {
		want = append(want, n.Name+"="+n.Status)
	}
	if got != strings.Join(want, "\n") {
		t.Errorf("page nodes:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	d, err := os.ReadFile(dot)
	if err != nil || !strings.HasPrefix(string(d), "digraph deltaplan {") {
		t.Errorf("dot file: %v %q", err, d)
	}
	if code, _, errOut := runCLI(t, "schedule", wf, "--html", filepath.Join(dir, "no", "such", "dir.html")); code != exitBad || !strings.Contains(errOut, "write graph") {
		t.Errorf("unwritable --html: exit %d %s", code, errOut)
	}
}

func TestDAGPictures(t *testing.T) {
	dir := t.TempDir()
	g := filepath.Join(dir, "g.json")
	if err := os.WriteFile(g, []byte(`{"nodes": ["a", "b", "c"], "edges": [["a", "b"], ["b", "c"], ["a", "c"]]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	html := filepath.Join(dir, "g.html")
	if code, _, errOut := runCLI(t, "dag", g, "--html", html, "--dot", filepath.Join(dir, "g.dot")); code != 0 {
		t.Fatal(errOut)
	}
	page, _ := os.ReadFile(html)
	if got := strings.Join(svgNames(t, page), " "); got != "a= b= c=" {
		t.Errorf("nodes %q", got)
	}
	if strings.Count(string(page), `<path class="edge`) != 2 {
		t.Error("the page should draw the 2 reduced edges only")
	}
}

func deltaParseSchema(s string) (*delta.Schema, error) { return delta.ParseSchema(s) }

// TestJSONOutputParses runs printing commands with --json and checks
// stdout is one JSON document (or JSON lines where documented).
func TestJSONOutputParses(t *testing.T) {
	ex := filepath.Join(fixtures.RepoRoot(t), "testdata", "example")
	sales := filepath.Join(ex, "sales")
	plan := filepath.Join(ex, "plans", "revenue_by_region.json")
	graph := filepath.Join(t.TempDir(), "g.json")
	if err := os.WriteFile(graph, []byte(`{"nodes": ["a", "b"], "edges": [["a", "b"]]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"version"},
		{"snapshot", sales},
		{"files", sales},
		{"history", sales},
		{"lineage", plan},
		{"plan", plan, "--table", "sales=" + sales},
		{"fingerprint", plan, "--table", "sales=" + sales},
		{"dag", graph},
		{"schedule", filepath.Join(ex, "workflow.json")},
		{"bench", "prune", sales, "--filter", "region = 'EU'", "--runs", "1"},
	} {
		code, out, errOut := runCLI(t, append(args, "--json")...)
		if code != 0 {
			t.Errorf("%v --json: exit %d: %s", args, code, errOut)
			continue
		}
		dec := json.NewDecoder(strings.NewReader(out))
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Errorf("%v --json: %v", args, err)
		}
		if dec.More() {
			t.Errorf("%v --json: more than one document", args)
		}
		if _, ok := v.(map[string]any); !ok {
			t.Errorf("%v --json: not an object", args)
		}
	}
}

package workflow_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/cachekey"
	"github.com/deltaplan/deltaplan/freshness"
	"github.com/deltaplan/deltaplan/workflow"
)

// memLedger is an in-memory ledger: what the SQLite store does, reduced to
// freshness.Memory, so these tests exercise planning alone.
type memLedger struct {
	*freshness.Memory
	runs map[string]*workflow.PlannedRun
}

func newMemLedger() *memLedger {
	return &memLedger{Memory: freshness.NewMemory(), runs: map[string]*workflow.PlannedRun{}}
}

// recordAll records every admitted node of run as succeeded, re-keying
// pending inputs in generation order as the store does; dataVersions
// override the data version a node reports.
func (m *memLedger) recordAll(t *testing.T, run *workflow.PlannedRun, dataVersions map[string]string) {
	t.Helper()
	final := map[string]string{} // node -> data version dependents use
	byName := map[string]workflow.PlannedNode{}
	for _, n := range run.Nodes {
		byName[n.Name] = n
	}
	for _, gen := range run.Generations {
		for _, name := range gen {
			n := byName[name]
			key := n.CacheKey
			if len(n.Pending) > 0 {
				deps := map[string]string{}
				for _, p := range n.Pending {
					deps[p] = final[p]
				}
				var err error
				if key, err = cachekey.Rekey(key, deps); err != nil {
					t.Fatal(err)
				}
			}
			e := freshness.Entry{CacheKey: key, Node: name, CodeVersion: n.CodeVersion, DataVersion: dataVersions[name], RunID: run.ID,
				Status: freshness.RecordSucceeded, Attempt: 1}
			m.Add(e, n.Detail)
			switch {
			case e.DataVersion != "":
				final[name] = e.DataVersion
			case n.DataVersion != "":
				final[name] = n.DataVersion
			default:
				final[name] = cachekey.DataVersionOf(key)
			}
		}
	}
	m.runs[run.ID] = run
}

func (w *workspace) plan(l freshness.Source, runID string, opts workflow.Options, views ...string) (*workflow.Schedule, *workflow.PlannedRun) {
	w.t.Helper()
	wf, err := workflow.Load(w.path("workflow.json"))
	if err != nil {
		w.t.Fatal(err)
	}
	if opts.TargetBytes == 0 {
		opts.TargetBytes = 2000
	}
	g, err := workflow.Build(context.Background(), wf, opts)
	if err != nil {
		w.t.Fatal(err)
	}
	s, run, err := g.PlanRun(context.Background(), l, workflow.LedgerOptions{RunID: runID, Requested: views})
	if err != nil {
		w.t.Fatal(err)
	}
	return s, run
}

// appendAPAC commits version 5: one new APAC file (a copy of an existing
// one, with its stats), a partition no example view reads.
func (w *workspace) appendAPAC() {
	w.t.Helper()
	const src = "region=APAC/part-00000-5a1e0000-0c0d-4e0f-8a1b-000000000001.c000.snappy.parquet"
	const dst = "region=APAC/part-00009-5a1e0009-0c0d-4e0f-8a1b-000000000009.c000.snappy.parquet"
	writeFile(w.t, w.path("sales/"+dst), readFile(w.t, w.path("sales/"+src)))
	log := readFile(w.t, w.path("sales/_delta_log/00000000000000000000.json"))
	add := regexp.MustCompile(`\{"add":\{"path":"` + regexp.QuoteMeta(src) + `".*`).FindString(log)
	if add == "" {
		w.t.Fatal("APAC add not found")
	}
	commit := `{"commitInfo":{"inCommitTimestamp":1714539600000,"timestamp":1714539600000,"operation":"WRITE"}}` + "\n" +
		strings.Replace(add, src, dst, 1) + "\n"
	writeFile(w.t, w.path("sales/_delta_log/00000000000000000005.json"), commit)
}

func statusOf(t *testing.T, s *workflow.Schedule) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, n := range s.Nodes {
		if n.Admitted {
			out[n.Name] = n.Status
			if n.CacheKey == "" || n.CodeVersion == "" {
				t.Errorf("%s has no cache key or code version", n.Name)
			}
			if _, err := cachekey.Decode(n.CacheKey); err != nil {
				t.Errorf("%s: %v", n.Name, err)
			}
		}
	}
	return out
}

// TestLedgerPartitionScenario is the scenario: after a recorded run,
// a commit to a partition a view does not read leaves that view and its
// units fresh; a commit that adds a file a view reads makes it stale with a
// cause naming the table, both versions and the file added.
func TestLedgerPartitionScenario(t *testing.T) {
	w := newWorkspace(t)
	l := newMemLedger()
	s1, run1 := w.plan(l, "run-1", workflow.Options{})
	for name, st := range statusOf(t, s1) {
		if st != workflow.StatusMissing {
			t.Errorf("first run: %s is %s, want missing", name, st)
		}
	}
	if s1.RunID != "run-1" || s1.Summary.Missing != len(s1.Admitted) {
		t.Errorf("run id %q, summary %+v", s1.RunID, s1.Summary)
	}
	l.recordAll(t, run1, nil)

	// Nothing changed: everything is a hit.
	s2, _ := w.plan(l, "run-2", workflow.Options{})
	for name, st := range statusOf(t, s2) {
		if st != workflow.StatusFresh {
			t.Errorf("unchanged: %s is %s, want fresh", name, st)
		}
	}
	if len(s2.Run) != 0 {
		t.Errorf("unchanged: run %v", s2.Run)
	}

	// A new APAC file: no view reads APAC (revenue_by_region reads EU and
	// NA; top_eu_orders EU; the report reads revenue_by_region).
	w.appendAPAC()
	s3, run3 := w.plan(l, "run-3", workflow.Options{})
	for name, st := range statusOf(t, s3) {
		if strings.HasPrefix(name, "view:") && st != workflow.StatusFresh {
			t.Errorf("APAC commit: %s is %s (%s), want fresh", name, st, node(t, s3, name).Explain)
		}
	}
	if n := node(t, s3, "view:top_eu_orders"); n.Explain == "" || !strings.Contains(n.Explain, "run-1") {
		t.Errorf("fresh view explains %q", n.Explain)
	}
	l.recordAll(t, run3, nil)

	// A new EU file of 2024-05-04: top_eu_orders (ts >= 2024-05-03) reads
	// it; revenue_by_region (order_date < 2024-05-04) prunes it.
	w.appendCommitAt(6)
	s4, _ := w.plan(l, "run-4", workflow.Options{})
	st := statusOf(t, s4)
	if st["view:revenue_by_region"] != workflow.StatusFresh || st["view:region_report"] != workflow.StatusFresh {
		t.Errorf("EU commit: revenue_by_region %s, region_report %s; want both fresh (the file is pruned)", st["view:revenue_by_region"], st["view:region_report"])
	}
	n := node(t, s4, "view:top_eu_orders")
	if n.Status != workflow.StatusStale || n.Reason != freshness.ReasonKeyChanged {
		t.Fatalf("top_eu_orders: %s/%s, want stale/%s", n.Status, n.Reason, freshness.ReasonKeyChanged)
	}
	var cause *freshness.Cause
	for i := range n.Causes {
		if n.Causes[i].Category == freshness.CauseData && n.Causes[i].Dependency == "scan:sales" {
			cause = &n.Causes[i]
		}
	}
	if cause == nil {
		t.Fatalf("no data cause for table sales: %+v", n.Causes)
	}
	for _, want := range []string{"table sales", "version 5 -> 6", "files added: region=EU/part-00003"} {
		if !strings.Contains(cause.Reason, want) {
			t.Errorf("cause %q should say %q", cause.Reason, want)
		}
	}
	if strings.Contains(cause.Reason, "files removed") {
		t.Errorf("cause %q removes files; the commit only added one", cause.Reason)
	}
	if len(n.RootCauses) == 0 || n.Explain == "" {
		t.Errorf("no root causes or explanation: %+v", n)
	}
	// Its EU units: the unit holding the new file is missing, the others
	// fresh; nothing else runs.
	for _, name := range s4.Run {
		if name != "view:top_eu_orders" && !strings.HasPrefix(name, "scan:sales:") {
			t.Errorf("%s runs", name)
		}
	}
}

// appendCommitAt is appendCommit at another version (after appendAPAC).
func (w *workspace) appendCommitAt(version int) {
	w.t.Helper()
	w.appendCommit()
	if version == 5 {
		return
	}
	from := w.path("sales/_delta_log/00000000000000000005.json")
	to := w.path(filepath.Join("sales/_delta_log", strings.Repeat("0", 20-len(itoa(version)))+itoa(version)+".json"))
	data := readFile(w.t, from)
	writeFile(w.t, to, data)
	// Version 5 was the APAC commit: restore it.
	w.appendAPAC()
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestLedgerCodeChange: a plan change makes the view stale with a code
// cause, and its dependent stale through it (dependencies), with the root
// cause the plan change.
func TestLedgerCodeChange(t *testing.T) {
	w := newWorkspace(t)
	l := newMemLedger()
	_, run := w.plan(l, "run-1", workflow.Options{})
	l.recordAll(t, run, nil)
	editFile(t, w.path("session.json"), `"spark.sql.shuffle.partitions": "64"`, `"spark.sql.shuffle.partitions": "128"`)
	s, _ := w.plan(l, "run-2", workflow.Options{})
	n := node(t, s, "view:revenue_by_region")
	if n.Status != workflow.StatusStale || len(n.Causes) != 1 || n.Causes[0].Category != freshness.CauseCode ||
		!strings.Contains(n.Causes[0].Reason, "runtime hash (session)") {
		t.Fatalf("revenue_by_region: %s %+v", n.Status, n.Causes)
	}
	r := node(t, s, "view:region_report")
	if r.Status != workflow.StatusStale {
		t.Fatalf("region_report is %s", r.Status)
	}
	// Its key holds the upstream's (new) key, so it is a plain miss whose
	// cause is the upstream's new data version, rooted in the session.
	if len(r.RootCauses) != 1 || !strings.Contains(r.RootCauses[0].Reason, "runtime hash") {
		t.Errorf("region_report root causes %+v", r.RootCauses)
	}
	if got := node(t, s, "view:archive_revenue").Status; got != workflow.StatusFresh {
		t.Errorf("archive_revenue (no session) is %s", got)
	}
}

// TestLedgerDataVersions: a recorded data version replaces the upstream's
// key in its dependents' keys; an unchanged data version after a rerun
// keeps dependents fresh.
func TestLedgerDataVersions(t *testing.T) {
	w := newWorkspace(t)
	l := newMemLedger()
	_, run := w.plan(l, "run-1", workflow.Options{})
	l.recordAll(t, run, map[string]string{"view:revenue_by_region": "result-v1"})
	s, _ := w.plan(l, "run-2", workflow.Options{})
	r := node(t, s, "view:region_report")
	k, err := cachekey.Decode(r.CacheKey)
	if err != nil {
		t.Fatal(err)
	}
	if k.Dependencies["view:revenue_by_region"] != "result-v1" || r.Status != workflow.StatusFresh {
		t.Errorf("region_report: %s, key deps %v", r.Status, k.Dependencies)
	}
	if v := node(t, s, "view:revenue_by_region"); v.DataVersion != "result-v1" {
		t.Errorf("revenue_by_region data version %q", v.DataVersion)
	}
}

// TestLedgerBehaviors covers every behavior and where it comes from.
func TestLedgerBehaviors(t *testing.T) {
	type want struct{ status, reason, source string }
	tests := []struct {
		name     string
		views    map[string]string
		defaults string
		opts     workflow.Options
		want     map[string]want
		// dependency data version region_report keys revenue_by_region on
		reportDep string
	}{
		{
			name: "recompute view: always runs; its dependent runs after it (pending)",
			opts: workflow.Options{Recompute: []string{"revenue_by_region"}},
			want: map[string]want{
				"view:revenue_by_region": {workflow.StatusStale, freshness.ReasonRecompute, "command line"},
				"view:region_report":     {workflow.StatusStale, freshness.ReasonUpstreamRuns, "default"},
				"view:top_eu_orders":     {workflow.StatusFresh, freshness.ReasonHit, "default"},
			},
		},
		{
			name: "disable: never cached; dependents get a never-matching version",
			opts: workflow.Options{Disable: []string{"view:revenue_by_region"}},
			want: map[string]want{
				"view:revenue_by_region": {workflow.StatusStale, freshness.ReasonDisable, "command line"},
				"view:region_report":     {workflow.StatusStale, freshness.ReasonUnmatchable, "default"},
			},
			reportDep: "unmatchable",
		},
		{
			name: "ignore: runs as default, its dependents key on a constant",
			opts: workflow.Options{Ignore: []string{"revenue_by_region"}},
			want: map[string]want{
				"view:revenue_by_region": {workflow.StatusFresh, freshness.ReasonHit, "command line"},
				// The key changed (constant instead of the upstream key).
				"view:region_report": {workflow.StatusStale, freshness.ReasonKeyChanged, "default"},
			},
			reportDep: cachekey.Ignored,
		},
		{
			name:     "defaults: scan_behavior recompute re-reads every unit; views key on content, but wait for the reread",
			defaults: `{"scan_behavior": "recompute"}`,
			want: map[string]want{
				"view:archive_revenue": {workflow.StatusStale, freshness.ReasonUpstreamRuns, "default"},
			},
		},
		{
			name:     "defaults: behavior applies to views without one; a view's own behavior wins",
			defaults: `{"behavior": "recompute"}`,
			views:    map[string]string{"top_eu_orders": `{"plan": "plans/top_eu_orders.json", "session": "session.json", "behavior": "default"}`},
			want: map[string]want{
				"view:archive_revenue": {workflow.StatusStale, freshness.ReasonRecompute, "defaults"},
				"view:top_eu_orders":   {workflow.StatusFresh, freshness.ReasonHit, "view"},
			},
		},
		{
			name:  "command line beats the view",
			views: map[string]string{"top_eu_orders": `{"plan": "plans/top_eu_orders.json", "session": "session.json", "behavior": "recompute"}`},
			opts:  workflow.Options{Ignore: []string{"top_eu_orders"}},
			want: map[string]want{
				"view:top_eu_orders": {workflow.StatusFresh, freshness.ReasonHit, "command line"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorkspace(t)
			l := newMemLedger()
			_, run := w.plan(l, "run-1", workflow.Options{})
			l.recordAll(t, run, nil)
			views := map[string]string{}
			for k, v := range defaultViews {
				views[k] = v
			}
			for k, v := range tc.views {
				views[k] = v
			}
			w.workflowWithDefaults(views, tc.defaults)
			s, _ := w.plan(l, "run-2", tc.opts)
			for name, wt := range tc.want {
				n := node(t, s, name)
				if got := (want{n.Status, n.Reason, n.BehaviorSource}); got != wt {
					t.Errorf("%s: %+v, want %+v (%s)", name, got, wt, n.Explain)
				}
				if n.Status != workflow.StatusFresh && len(n.Causes) == 0 {
					t.Errorf("%s is %s without causes", name, n.Status)
				}
			}
			if tc.reportDep != "" {
				k, _ := cachekey.Decode(node(t, s, "view:region_report").CacheKey)
				if got := k.Dependencies["view:revenue_by_region"]; !strings.HasPrefix(got, tc.reportDep) {
					t.Errorf("region_report keys revenue_by_region on %q, want %s…", got, tc.reportDep)
				}
			}
		})
	}
}

func (w *workspace) workflowWithDefaults(views map[string]string, defaults string) {
	w.workflow(views)
	if defaults == "" {
		return
	}
	p := w.path("workflow.json")
	s := readFile(w.t, p)
	writeFile(w.t, p, strings.Replace(s, `{"tables"`, `{"defaults": `+defaults+`, "tables"`, 1))
}

// TestLedgerBehaviorErrors: a node in two lists, and a name that matches
// nothing.
func TestLedgerBehaviorErrors(t *testing.T) {
	w := newWorkspace(t)
	wf, err := workflow.Load(w.path("workflow.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts workflow.Options
		want error
	}{
		{"two lists", workflow.Options{Recompute: []string{"top_eu_orders"}, Disable: []string{"view:top_eu_orders"}}, workflow.ErrOverrideConflict},
		{"table and unit", workflow.Options{Ignore: []string{"scan:sales"}, Disable: []string{"scan:sales"}}, workflow.ErrOverrideConflict},
		{"unknown", workflow.Options{Recompute: []string{"nope"}}, workflow.ErrUnknownNode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := workflow.Build(context.Background(), wf, tc.opts)
			if !errorsIs(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	writeFile(t, w.path("workflow.json"), `{"defaults": {"behavior": "sometimes"}, "tables": {}, "views": {"v": {"plan": "p"}}}`)
	if _, err := workflow.Load(w.path("workflow.json")); !errorsIs(err, workflow.ErrInvalid) || !strings.Contains(err.Error(), "defaults: behavior") {
		t.Errorf("bad defaults: %v", err)
	}
}

// TestLedgerGoldenKeys pins the cache keys of the example workflow: the
// same on every machine and in every process (the example's files are
// committed, and keys hold no location or time).
func TestLedgerGoldenKeys(t *testing.T) {
	wf, err := workflow.Load(filepath.Join(example, "workflow.json"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := workflow.Build(context.Background(), wf, workflow.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := g.PlanRun(context.Background(), newMemLedger(), workflow.LedgerOptions{RunID: "golden"})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, n := range s.Nodes {
		b.WriteString(n.Name + "\t" + n.CacheKey + "\n")
	}
	golden := filepath.Join("testdata", "example_cache_keys.txt")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if b.String() != string(want) {
		t.Errorf("cache keys changed (run with -update if intended):\n%s", b.String())
	}
	// The planned run carries what the store needs.
	_, run, _ := g.PlanRun(context.Background(), newMemLedger(), workflow.LedgerOptions{RunID: "golden"})
	if len(run.Nodes) != len(s.Nodes) || !slices.IsSortedFunc(run.Nodes, func(a, b workflow.PlannedNode) int { return strings.Compare(a.Name, b.Name) }) {
		t.Errorf("planned run has %d nodes", len(run.Nodes))
	}
	for _, n := range run.Nodes {
		if !json.Valid(n.Detail) {
			t.Errorf("%s: detail %s", n.Name, n.Detail)
		}
	}
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

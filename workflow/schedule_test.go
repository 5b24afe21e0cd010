package workflow_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/freshness"
	"github.com/deltaplan/deltaplan/workflow"
)

// expect checks every admitted node: views by name, scan units by table
// (every unit of the table must have that status/reason). Nodes not listed
// must not be admitted.
func expect(t *testing.T, s *workflow.Schedule, views, tables map[string]string) {
	t.Helper()
	for _, n := range s.Nodes {
		var want string
		var listed bool
		if n.View != "" {
			want, listed = views[n.View]
		} else {
			want, listed = tables[n.Table]
		}
		got := n.Status + "/" + n.Reason
		switch {
		case !listed && n.Admitted:
			t.Errorf("%s admitted (%s), want not admitted", n.Name, got)
		case listed && !n.Admitted:
			t.Errorf("%s not admitted, want %s", n.Name, want)
		case listed && want != "*" && got != want:
			t.Errorf("%s: %s (%s), want %s", n.Name, got, n.Explain, want)
		}
	}
}

// Statuses and reasons: one vocabulary for --previous and --store.
const (
	fresh       = "fresh/" + freshness.ReasonHit
	newNode     = "missing/" + freshness.ReasonNeverRun
	keyChanged  = "stale/" + freshness.ReasonKeyChanged
	upstreamRun = "stale/" + freshness.ReasonUpstreamRuns
	unmatchable = "stale/" + freshness.ReasonUnmatchable
	recompute   = "stale/" + freshness.ReasonRecompute
	disable     = "stale/" + freshness.ReasonDisable
)

var allViews = []string{"archive_revenue", "region_report", "revenue_by_region", "top_eu_orders"}

func TestScheduleFirstRunAllNew(t *testing.T) {
	w := newWorkspace(t)
	s := w.schedule(nil)
	expect(t, s, map[string]string{"archive_revenue": newNode, "region_report": newNode, "revenue_by_region": newNode, "top_eu_orders": newNode},
		map[string]string{"sales": newNode, "archive": newNode})
	if s.Previous || s.Summary.Fresh != 0 || s.Summary.Stale != len(s.Nodes) || s.Summary.Missing != len(s.Nodes) || len(s.Run) != len(s.Nodes) {
		t.Errorf("summary %+v, run %d of %d nodes", s.Summary, len(s.Run), len(s.Nodes))
	}
	if !slices.Equal(s.Requested, allViews) {
		t.Errorf("requested %v", s.Requested)
	}
}

// TestScheduleChanges moves one input at a time against the first run's
// schedule and checks that exactly the dependents of the change turn stale,
// with the reason.
func TestScheduleChanges(t *testing.T) {
	tests := []struct {
		name   string
		change func(w *workspace)
		views  map[string]string
		tables map[string]string
	}{
		{
			name:   "nothing changed: all fresh",
			change: func(w *workspace) {},
			views:  map[string]string{"archive_revenue": fresh, "region_report": fresh, "revenue_by_region": fresh, "top_eu_orders": fresh},
			tables: map[string]string{"sales": fresh, "archive": fresh},
		},
		{
			name:   "a sales commit adds a file only top_eu_orders reads: only it turns stale (revenue_by_region prunes the file)",
			change: func(w *workspace) { w.appendCommit() },
			views:  map[string]string{"archive_revenue": fresh, "region_report": fresh, "revenue_by_region": fresh, "top_eu_orders": keyChanged},
			// Units are named by content: the EU units holding the new file
			// are new, the others keep their names and stay fresh (checked
			// in TestScheduleCommitKeepsUnchangedUnits).
			tables: map[string]string{"sales": "*", "archive": fresh},
		},
		{
			name: "a plan literal changes: that view and the view over it turn stale",
			change: func(w *workspace) {
				editFile(t, w.path("plans/revenue_by_region.json"), `{"date": 19847}`, `{"date": 19846}`)
			},
			views: map[string]string{"archive_revenue": fresh, "region_report": keyChanged, "revenue_by_region": keyChanged, "top_eu_orders": fresh},
			// The new date range pushes another filter, so that view's
			// scan units are new; top_eu_orders' units stay fresh (below).
			tables: map[string]string{"sales": "*", "archive": fresh},
		},
		{
			name: "a session setting changes: the views that use the session and their dependents turn stale",
			change: func(w *workspace) {
				editFile(t, w.path("session.json"), `"spark.sql.shuffle.partitions": "64"`, `"spark.sql.shuffle.partitions": "128"`)
			},
			views:  map[string]string{"archive_revenue": fresh, "region_report": keyChanged, "revenue_by_region": keyChanged, "top_eu_orders": keyChanged},
			tables: map[string]string{"sales": fresh, "archive": fresh},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorkspace(t)
			prev := roundTrip(t, w.schedule(nil))
			tc.change(w)
			s := w.schedule(prev)
			expect(t, s, tc.views, tc.tables)
			for _, e := range s.Edges {
				if e[1] == "view:top_eu_orders" && tc.views["top_eu_orders"] == fresh && node(t, s, e[0]).Status != "fresh" {
					t.Errorf("%s feeds a fresh view but is %s", e[0], node(t, s, e[0]).Status)
				}
			}
			if !s.Previous {
				t.Error("previous = false")
			}
		})
	}
}

func TestSchedulePinMovedExplains(t *testing.T) {
	w := newWorkspace(t)
	prev := roundTrip(t, w.schedule(nil))
	w.appendCommit()
	s := w.schedule(prev)
	n := node(t, s, "view:top_eu_orders")
	for _, want := range []string{"table sales: version 4 -> 5", "files added: region=EU/part-00003"} {
		if !strings.Contains(n.Explain, want) {
			t.Errorf("explain %q: want %q", n.Explain, want)
		}
	}
	if len(n.Causes) != 1 || n.Causes[0].Category != freshness.CauseData || n.Causes[0].Dependency != "scan:sales" {
		t.Errorf("causes %+v: want one data cause naming scan:sales", n.Causes)
	}
	// The run lists exactly the stale nodes, in topological order.
	for i, name := range s.Run {
		if node(t, s, name).Status == "fresh" {
			t.Errorf("run[%d] %s is fresh", i, name)
		}
	}
	if len(s.Run) != s.Summary.Stale {
		t.Errorf("run has %d nodes, summary says %d stale", len(s.Run), s.Summary.Stale)
	}
}

// TestScheduleVersionPin: a view pinned at an older version does not move
// when the table does.
func TestScheduleVersionPin(t *testing.T) {
	w := newWorkspace(t)
	views := map[string]string{
		"revenue_by_region": `{"plan": "plans/revenue_by_region.json", "session": "session.json", "versions": {"sales": 3}}`,
		"top_eu_orders":     defaultViews["top_eu_orders"],
	}
	w.workflow(views)
	prev := roundTrip(t, w.schedule(nil))
	if v := node(t, prev, "view:revenue_by_region").Inputs["pin:sales"]; v != "3" {
		t.Errorf("pinned view reads sales at %s, want 3", v)
	}
	w.appendCommit()
	s := w.schedule(prev)
	expect(t, s, map[string]string{"revenue_by_region": fresh, "top_eu_orders": keyChanged}, map[string]string{"sales": "*"})
}

func TestScheduleBehaviors(t *testing.T) {
	planEdit := func(w *workspace) {
		editFile(t, w.path("plans/revenue_by_region.json"), `{"date": 19847}`, `{"date": 19846}`)
	}
	tests := []struct {
		name     string
		behavior string // of revenue_by_region
		change   func(w *workspace)
		views    map[string]string
	}{
		{"recompute: always stale, and so are its dependents", "recompute", func(*workspace) {},
			map[string]string{"archive_revenue": fresh, "region_report": upstreamRun, "revenue_by_region": recompute, "top_eu_orders": fresh}},
		{"disable: never cached, and its dependents stale", "disable", func(*workspace) {},
			map[string]string{"archive_revenue": fresh, "region_report": unmatchable, "revenue_by_region": disable, "top_eu_orders": fresh}},
		{"ignore: its change stays out of its dependents' keys", "ignore", planEdit,
			map[string]string{"archive_revenue": fresh, "region_report": fresh, "revenue_by_region": keyChanged, "top_eu_orders": fresh}},
		{"default: the same change reaches its dependents", "default", planEdit,
			map[string]string{"archive_revenue": fresh, "region_report": keyChanged, "revenue_by_region": keyChanged, "top_eu_orders": fresh}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorkspace(t)
			views := map[string]string{}
			for k, v := range defaultViews {
				views[k] = v
			}
			views["revenue_by_region"] = `{"plan": "plans/revenue_by_region.json", "session": "session.json", "behavior": "` + tc.behavior + `"}`
			w.workflow(views)
			prev := roundTrip(t, w.schedule(nil))
			tc.change(w)
			s := w.schedule(prev)
			expect(t, s, tc.views, map[string]string{"sales": "*", "archive": fresh})
		})
	}
}

func TestScheduleIgnoreKeys(t *testing.T) {
	w := newWorkspace(t)
	views := map[string]string{}
	for k, v := range defaultViews {
		views[k] = v
	}
	views["revenue_by_region"] = `{"plan": "plans/revenue_by_region.json", "behavior": "ignore"}`
	w.workflow(views)
	s := w.schedule(nil)
	r := node(t, s, "view:region_report")
	if len(r.KeyInputs) != 0 {
		t.Errorf("region_report key inputs %v, want none (its only input is ignored)", r.KeyInputs)
	}
	if _, ok := r.Inputs["view:revenue_by_region"]; ok {
		t.Error("an ignored upstream view is among region_report's inputs")
	}
}

func TestScheduleAdmission(t *testing.T) {
	tests := []struct {
		name    string
		request []string
		views   []string // admitted views
	}{
		{"default: all views", nil, allViews},
		{"one source view: it and its scan units", []string{"top_eu_orders"}, []string{"top_eu_orders"}},
		{"a view over a view: its ancestors too", []string{"region_report"}, []string{"region_report", "revenue_by_region"}},
		{"duplicates collapse", []string{"archive_revenue", "archive_revenue"}, []string{"archive_revenue"}},
	}
	w := newWorkspace(t)
	all := w.schedule(nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := w.schedule(nil, tc.request...)
			var got []string
			for _, n := range s.Nodes {
				if n.Admitted && n.View != "" {
					got = append(got, n.View)
				}
			}
			if !slices.Equal(got, tc.views) {
				t.Fatalf("admitted views %v, want %v", got, tc.views)
			}
			// Admitted scan units are exactly those feeding admitted views.
			for _, e := range all.Edges {
				from, to := node(t, s, e[0]), node(t, s, e[1])
				if to.Admitted && !from.Admitted {
					t.Errorf("%s admitted but its input %s is not", e[1], e[0])
				}
			}
			for _, n := range s.Nodes {
				if n.Admitted != slices.Contains(s.Admitted, n.Name) {
					t.Errorf("%s: admitted flag %v disagrees with the admitted list", n.Name, n.Admitted)
				}
			}
			var inGens int
			for _, g := range s.Generations {
				inGens += len(g)
			}
			if inGens != len(s.Admitted) {
				t.Errorf("generations hold %d nodes, %d admitted", inGens, len(s.Admitted))
			}
		})
	}
	_, err := scheduleFile(w.path("workflow.json"), nil, "no_such_view")
	if !errors.Is(err, workflow.ErrUnknownView) || !strings.Contains(err.Error(), "no_such_view") {
		t.Errorf("unknown view: %v", err)
	}
}

// TestSchedulePartialPrevious: a node the previous run did not admit was
// not computed, so it is new next time.
func TestSchedulePartialPrevious(t *testing.T) {
	w := newWorkspace(t)
	prev := roundTrip(t, w.schedule(nil, "top_eu_orders"))
	s := w.schedule(prev)
	expect(t, s, map[string]string{"archive_revenue": newNode, "region_report": newNode, "revenue_by_region": newNode, "top_eu_orders": fresh},
		map[string]string{"sales": "*", "archive": newNode})
}

// TestScheduleCarried: a node a run does not admit keeps its earlier record,
// so a later run still finds it computed, and still sees what moved since.
func TestScheduleCarried(t *testing.T) {
	w := newWorkspace(t)
	first := roundTrip(t, w.schedule(nil))
	editFile(t, w.path("plans/revenue_by_region.json"), `{"date": 19847}`, `{"date": 19846}`)
	second := roundTrip(t, w.schedule(first, "revenue_by_region"))
	var carried []string
	for _, c := range second.Carried {
		carried = append(carried, c.Name)
	}
	for _, v := range []string{"view:archive_revenue", "view:region_report", "view:top_eu_orders"} {
		if !slices.Contains(carried, v) {
			t.Errorf("carried %v lacks %s", carried, v)
		}
	}
	third := w.schedule(second)
	expect(t, third, map[string]string{"archive_revenue": fresh, "region_report": keyChanged, "revenue_by_region": fresh, "top_eu_orders": fresh},
		map[string]string{"sales": fresh, "archive": fresh})
	if n := node(t, third, "view:region_report"); len(n.Causes) != 1 || n.Causes[0].Dependency != "view:revenue_by_region" || n.Causes[0].Category != freshness.CauseData {
		t.Errorf("region_report causes %+v, want its upstream view's new data version", n.Causes)
	}
	if len(third.Carried) != 0 {
		t.Errorf("a full run carries %d records", len(third.Carried))
	}
}

func TestScheduleGraph(t *testing.T) {
	w := newWorkspace(t)
	s := w.schedule(nil)
	// Every view is a node, fed by its scan units and upstream views.
	if !slices.Contains(s.Edges, [2]string{"view:revenue_by_region", "view:region_report"}) {
		t.Errorf("edges %v lack revenue_by_region -> region_report", s.Edges)
	}
	for _, e := range s.ReducedEdges {
		if !slices.Contains(s.Edges, e) {
			t.Errorf("reduced edge %v is not an edge", e)
		}
	}
	// Generations respect every edge.
	gen := map[string]int{}
	for i, g := range s.Generations {
		if !slices.IsSorted(g) {
			t.Errorf("generation %d not sorted: %v", i, g)
		}
		for _, n := range g {
			gen[n] = i
		}
	}
	for _, e := range s.Edges {
		if gen[e[0]] >= gen[e[1]] {
			t.Errorf("edge %v goes from generation %d to %d", e, gen[e[0]], gen[e[1]])
		}
	}
	// The critical path starts at the largest scan unit and ends at a view.
	var maxBytes int64
	for _, n := range s.Nodes {
		if n.Kind.String() == "scan_unit" && n.Bytes > maxBytes {
			maxBytes = n.Bytes
		}
	}
	cp := s.CriticalPath
	if cp.Bytes != maxBytes || len(cp.Nodes) < 2 || node(t, s, cp.Nodes[0]).Bytes != maxBytes || node(t, s, cp.Nodes[len(cp.Nodes)-1]).View == "" {
		t.Errorf("critical path %+v, largest scan unit %d bytes", cp, maxBytes)
	}
	for i := 1; i < len(cp.Nodes); i++ {
		if !slices.Contains(s.Edges, [2]string{cp.Nodes[i-1], cp.Nodes[i]}) {
			t.Errorf("critical path step %s -> %s is not an edge", cp.Nodes[i-1], cp.Nodes[i])
		}
	}
	// A view without upstream views carries its bundle's signature.
	if n := node(t, s, "view:revenue_by_region"); n.Signature == "" || n.Inputs["plan"] == "" || n.Inputs["pin:sales"] != "4" {
		t.Errorf("revenue_by_region node %+v", n)
	}
}

// TestScheduleDeterministic: two runs print the same bytes, wherever the
// workflow lives.
func TestScheduleDeterministic(t *testing.T) {
	a, b := newWorkspace(t), newWorkspace(t)
	var outs [][]byte
	for _, w := range []*workspace{a, a, b} {
		data, err := json.Marshal(w.schedule(nil))
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, data)
	}
	if !bytes.Equal(outs[0], outs[1]) || !bytes.Equal(outs[0], outs[2]) {
		t.Error("schedules differ between runs")
	}
}

func TestReadScheduleErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"not JSON", `{`, "malformed"},
		{"duplicate key", `{"schedule_version": 1, "schedule_version": 1}`, `duplicate key "schedule_version"`},
		{"wrong version", `{"schedule_version": 2, "nodes": []}`, "schedule_version 2"},
		{"a bundle, not a schedule", `{"bundle_version": 1, "tables": []}`, "schedule_version 0"},
		{"trailing data", `{"schedule_version": 1} []`, "trailing data"},
		{"unnamed node", `{"schedule_version": 1, "nodes": [{"kind": "view"}]}`, "node 0 has no name"},
		{"node twice", `{"schedule_version": 1, "nodes": [{"name": "a", "kind": "view"}, {"name": "a", "kind": "view"}]}`, "node a listed twice"},
		{"no kind", `{"schedule_version": 1, "nodes": [{"name": "a", "signature": "s", "admitted": true}]}`, "node a has no kind"},
		{"carried out of order", `{"schedule_version": 1, "carried": [{"name": "b", "signature": "s"}, {"name": "a", "signature": "s"}]}`, "carried entry 1"},
		{"carried unsigned", `{"schedule_version": 1, "carried": [{"name": "a"}]}`, "carried entry 0"},
		{"bad kind", `{"schedule_version": 1, "nodes": [{"name": "a", "kind": "table"}]}`, "malformed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := workflow.ReadSchedule(strings.NewReader(tc.doc), "prev.json")
			if !errors.Is(err, workflow.ErrFormat) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "prev.json") {
				t.Errorf("error %v, want ErrFormat naming prev.json and %q", err, tc.want)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(w *workspace)
		is    error
		want  string
	}{
		{"a view reads a name that is no table or view", func(w *workspace) {
			w.workflow(map[string]string{"region_report": defaultViews["region_report"]})
		}, workflow.ErrUnknownRead, `reads "revenue_by_region"`},
		{"views read each other in a cycle", func(w *workspace) {
			writeFile(t, w.path("plans/loop.json"), strings.Replace(readFile(t, w.path("plans/region_report.json")), `"revenue_by_region"`, `"region_report"`, 1))
			w.workflow(map[string]string{"region_report": `{"plan": "plans/loop.json"}`})
		}, workflow.ErrCycle, "region_report -> region_report"},
		{"two views read each other", func(w *workspace) {
			writeFile(t, w.path("plans/a.json"), strings.Replace(readFile(t, w.path("plans/region_report.json")), `"revenue_by_region"`, `"top_eu_orders"`, 1))
			writeFile(t, w.path("plans/b.json"), strings.Replace(readFile(t, w.path("plans/region_report.json")), `"revenue_by_region"`, `"region_report"`, 1))
			w.workflow(map[string]string{"region_report": `{"plan": "plans/a.json"}`, "top_eu_orders": `{"plan": "plans/b.json"}`})
		}, workflow.ErrCycle, "region_report -> top_eu_orders -> region_report"},
		{"a view pins a table its plan does not read", func(w *workspace) {
			w.workflow(map[string]string{"archive_revenue": `{"plan": "plans/archive_revenue.json", "versions": {"sales": 1}}`})
		}, workflow.ErrInvalid, "pins table sales, which plan"},
		{"a plan file is missing", func(w *workspace) {
			w.workflow(map[string]string{"archive_revenue": `{"plan": "plans/nope.json"}`})
		}, nil, "nope.json"},
		{"a plan file is not a plan", func(w *workspace) {
			writeFile(t, w.path("plans/bad.json"), `{"relations": 3}`)
			w.workflow(map[string]string{"archive_revenue": `{"plan": "plans/bad.json"}`})
		}, nil, "decode plan"},
		{"a table location is not a Delta table", func(w *workspace) {
			writeFile(t, w.path("workflow.json"), `{"tables": {"sales": "nowhere"}, "views": {"v": {"plan": "plans/top_eu_orders.json"}}}`)
		}, nil, "nowhere"},
		{"a pinned version does not exist", func(w *workspace) {
			w.workflow(map[string]string{"top_eu_orders": `{"plan": "plans/top_eu_orders.json", "versions": {"sales": 99}}`})
		}, nil, "top_eu_orders"},
		{"the session file is malformed", func(w *workspace) {
			writeFile(t, w.path("session.json"), `{"settings": 1}`)
		}, nil, "session.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorkspace(t)
			tc.setup(w)
			_, err := scheduleFile(w.path("workflow.json"), nil)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v, want %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), filepath.Join(w.dir, "workflow.json")) {
				t.Errorf("error %q lacks %q or the workflow path", err, tc.want)
			}
		})
	}
}

// TestScheduleCommitKeepsUnchangedUnits: scan units are named by their
// content, not the table version, so after a commit that adds one EU file
// exactly the units holding it are new and every other unit stays fresh.
func TestScheduleCommitKeepsUnchangedUnits(t *testing.T) {
	w := newWorkspace(t)
	prev := roundTrip(t, w.schedule(nil))
	w.appendCommit()
	s := w.schedule(prev)
	var fresh, stale int
	for _, n := range s.Nodes {
		if n.Table != "sales" || !n.Admitted {
			continue
		}
		isNew := n.Status == "missing" && n.Reason == freshness.ReasonNeverRun
		if n.Status == "fresh" {
			fresh++
		} else if isNew {
			stale++
		} else {
			t.Errorf("%s: %s/%s, want fresh or new", n.Name, n.Status, n.Reason)
		}
		if n.DeltaVersion == nil {
			t.Errorf("%s has no delta_version", n.Name)
		} else if *n.DeltaVersion != 5 {
			t.Errorf("unit %s at version %d, want the new pin 5", n.Name, *n.DeltaVersion)
		}
	}
	if fresh == 0 || stale == 0 {
		t.Errorf("%d fresh and %d new sales units; want some of each", fresh, stale)
	}
}

package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/deltaplan/deltaplan/cachekey"
	"github.com/deltaplan/deltaplan/freshness"
	"github.com/deltaplan/deltaplan/kernel"
)

// ScheduleVersion is the schedule_version this package writes and reads.
const ScheduleVersion = 1

// Schedule is the output of `deltaplan schedule --json`, and the previous
// run's record for the next one. Every list is sorted as stated.
type Schedule struct {
	ScheduleVersion int `json:"schedule_version"`
	// RunID names the run when it was planned against a ledger (--store).
	RunID string `json:"run_id,omitempty"`
	// Signature identifies the whole task graph (names, node signatures,
	// edges; reduced: of its transitive reduction).
	Signature kernel.Signatures `json:"signature"`
	// Requested are the requested views (all when none was named), sorted.
	Requested []string `json:"requested"`
	// Previous tells whether a previous schedule was compared against.
	Previous bool `json:"previous"`
	// Nodes sorted by name.
	Nodes []Node `json:"nodes"`
	// Edges and ReducedEdges of the whole task graph, sorted.
	Edges        [][2]string `json:"edges"`
	ReducedEdges [][2]string `json:"reduced_edges"`
	// Admitted: the requested views and their ancestors, in submission
	// order: by generation, then criticality descending, then name.
	Admitted []string `json:"admitted"`
	// Generations of the admitted tasks, each sorted by name.
	Generations [][]string `json:"generations"`
	// CriticalPath of the admitted tasks by bytes read.
	CriticalPath CriticalPath `json:"critical_path"`
	// Run: the stale admitted tasks, in lexicographic topological order.
	Run []string `json:"run"`
	// Summary counts.
	Summary Summary `json:"summary"`
	// Carried are the computed records (from the previous schedule) of the
	// nodes of this graph that this run did not admit: their results still
	// exist, so the next run counts them as computed. Sorted by name.
	Carried []Carried `json:"carried"`
}

// Carried is a computed node's record carried over from an earlier run.
type Carried struct {
	Name      string            `json:"name"`
	Signature string            `json:"signature"`
	Inputs    map[string]string `json:"inputs"`
	// CacheKey, DataVersion and Detail are the record freshness compares
	// with (absent in schedules of older releases).
	CacheKey    string          `json:"cache_key,omitempty"`
	DataVersion string          `json:"data_version,omitempty"`
	Detail      json.RawMessage `json:"detail,omitempty"`
	// Run names the run that computed it, when known.
	Run string `json:"run,omitempty"`
}

// Node is one task of the schedule.
type Node struct {
	Name      string          `json:"name"`
	Kind      kernel.Kind     `json:"kind"`
	Signature string          `json:"signature"`
	Behavior  kernel.Behavior `json:"behavior"`
	// Bytes is the node's weight: a scan unit's bytes; 0 for a view.
	Bytes int64 `json:"bytes"`
	// Scan units: the workflow table, pinned version, files and records.
	Table        string `json:"table,omitempty"`
	DeltaVersion *int64 `json:"delta_version,omitempty"`
	Files        int    `json:"files,omitempty"`
	Records      *int64 `json:"records,omitempty"`
	// View: the view's name.
	View string `json:"view,omitempty"`
	// Inputs are the named components behind Signature.
	Inputs map[string]string `json:"inputs"`
	// KeyInputs are the direct predecessors in the node's cache key (all
	// but ignored ones), sorted.
	KeyInputs []string `json:"key_inputs"`
	Admitted  bool     `json:"admitted"`
	// Criticality of an admitted node: the bytes of the heaviest path from
	// it to a sink of the admitted graph, its own included (kernel).
	Criticality *int64 `json:"criticality,omitempty"`
	// Status is "fresh" or "stale" for an admitted node, "" otherwise.
	Status string `json:"status,omitempty"`
	// Reason is why (see the Reason constants).
	Reason string `json:"reason,omitempty"`
	// Changed are the inputs that differ from the previous run, sorted.
	Changed []string `json:"changed,omitempty"`
	// Upstream are the stale or changed predecessors that made it stale.
	Upstream []string `json:"upstream,omitempty"`
	// Explain is the reason in words, with the values that moved.
	Explain string `json:"explain,omitempty"`

	// Planned against a ledger (--store) only:
	// CacheKey says what the node's result depends on (cachekey), and
	// CodeVersion the code part of it.
	CacheKey    string `json:"cache_key,omitempty"`
	CodeVersion string `json:"code_version,omitempty"`
	// DataVersion is what dependents key on: a scan unit's content digest,
	// a view's recorded data version or cache key, "ignored", or a
	// never-matching version for a disabled node.
	DataVersion string `json:"data_version,omitempty"`
	// BehaviorSource: "command line", "view", "defaults" or "default".
	BehaviorSource string `json:"behavior_source,omitempty"`
	// Pending are inputs that run in this run: the ledger re-keys this
	// node with the data versions they record.
	Pending []string `json:"pending,omitempty"`
	// Causes of a node that is not fresh, and the leaves of their tree.
	Causes     []Cause `json:"causes,omitempty"`
	RootCauses []Cause `json:"root_causes,omitempty"`
	// Detail is what a later run needs to explain a change: a scan unit's
	// table, id, version and files; a view's code parts, pins and files.
	// A fresh node carries the detail its result was computed with.
	Detail json.RawMessage `json:"detail,omitempty"`
}

// CriticalPath is the heaviest chain of admitted tasks by bytes.
type CriticalPath struct {
	Bytes int64    `json:"bytes"`
	Nodes []string `json:"nodes"`
	// Tied reports that another chain weighs the same; Nodes is then the
	// smallest by name sequence.
	Tied bool `json:"tied"`
}

// Summary counts nodes.
type Summary struct {
	Nodes      int   `json:"nodes"`
	Views      int   `json:"views"`
	Admitted   int   `json:"admitted"`
	Fresh      int   `json:"fresh"`
	Stale      int   `json:"stale"`
	Missing    int   `json:"missing,omitempty"` // of the stale ones, never recorded (ledger only)
	Bytes      int64 `json:"bytes"`             // bytes of all admitted scan units
	StaleBytes int64 `json:"stale_bytes"`       // bytes of the stale ones
}

// Views returns the workflow's view names, sorted.
func (g *Graph) Views() []string { return slices.Clone(g.views) }

// Tasks returns the task graph.
func (g *Graph) Tasks() *kernel.TaskGraph { return g.tasks }

// Schedule admits the requested views (all when none) and their ancestors
// and decides each admitted node against prev (nil: no previous run, so
// every node is missing) exactly as PlanRun decides against a ledger: prev
// is a freshness source whose records are the nodes it admitted (each
// counts as computed, succeeded under its cache key) and those it carried.
// A node this run does not admit keeps its record in Carried.
func (g *Graph) Schedule(requested []string, prev *Schedule) (*Schedule, error) {
	src, records := previousSource(prev)
	s, _, err := g.PlanRun(context.Background(), src, LedgerOptions{RunID: unrecordedRun, Requested: requested})
	if err != nil {
		return nil, err
	}
	s.RunID = ""
	s.Previous = prev != nil
	// A fresh node's record keeps the detail it was computed with, as a
	// ledger keeps a key's first detail, so a later change is explained
	// from the versions its result was computed at.
	for i, n := range s.Nodes {
		if c, ok := records[n.Name]; ok && n.Admitted && n.Status == StatusFresh && c.CacheKey == n.CacheKey && len(c.Detail) > 0 {
			s.Nodes[i].Detail = c.Detail
		}
	}
	for _, n := range s.Nodes {
		if c, ok := records[n.Name]; ok && !n.Admitted {
			s.Carried = append(s.Carried, c)
		}
	}
	return s, nil
}

// unrecordedRun names a run planned without a ledger, in the never-matching
// data versions of disabled nodes.
const unrecordedRun = "unrecorded"

// previousSource turns a previous schedule into a freshness source: what it
// carried, then what it admitted (newer), each a succeeded record of its
// cache key. It also returns those records by node, to carry.
func previousSource(prev *Schedule) (*freshness.Memory, map[string]Carried) {
	src := freshness.NewMemory()
	records := map[string]Carried{}
	if prev == nil {
		return src, records
	}
	run := prev.RunID
	if run == "" {
		run = "previous-schedule" // a schedule planned without a ledger has no run id
	}
	for _, c := range prev.Carried {
		records[c.Name] = c
	}
	for _, n := range prev.Nodes {
		if n.Admitted {
			records[n.Name] = Carried{Name: n.Name, Signature: n.Signature, Inputs: n.Inputs, CacheKey: n.CacheKey,
				DataVersion: recordedDataVersion(n), Detail: n.Detail, Run: run}
		}
	}
	for _, name := range sortedKeys(records) {
		c := records[name]
		r := c.Run
		if r == "" {
			r = run
		}
		src.Add(freshness.Entry{CacheKey: c.CacheKey, Node: c.Name, DataVersion: c.DataVersion, RunID: r,
			Status: freshness.RecordSucceeded, Attempt: 1}, c.Detail)
	}
	return src, records
}

// recordedDataVersion is the data version a previous schedule's node stands
// for as a record: a view's recorded version when it was a hit with one,
// else none (its dependents then key on its cache key, as they did).
func recordedDataVersion(n Node) string {
	if n.Kind != kernel.KindView || n.Status != StatusFresh || n.DataVersion == cachekey.DataVersionOf(n.CacheKey) ||
		n.DataVersion == cachekey.Ignored || cachekey.IsUnmatchable(n.DataVersion) {
		return ""
	}
	return n.DataVersion
}

// newSchedule starts a schedule of the whole graph: its signatures, edges
// and reduced edges; nodes, admission and the analyses come after.
func (g *Graph) newSchedule(req []string) (*Schedule, error) {
	full := g.tasks.Graph()
	sigs, err := full.Signatures(g.tasks.NodeSignatures())
	if err != nil {
		return nil, err
	}
	red, err := full.TransitiveReduction()
	if err != nil {
		return nil, err
	}
	return &Schedule{ScheduleVersion: ScheduleVersion, Signature: sigs, Requested: req,
		Edges: pairs(full.EdgeList()), ReducedEdges: pairs(red.Graph.EdgeList()), Run: []string{}, Carried: []Carried{}}, nil
}

// admit counts an admitted, decided node (nodes come in name order).
func (s *Schedule) admit(n Node) {
	s.Admitted = append(s.Admitted, n.Name)
	s.Summary.Bytes += n.Bytes
	if n.Status == StatusFresh {
		s.Summary.Fresh++
		return
	}
	s.Summary.Stale++
	s.Summary.StaleBytes += n.Bytes
	if n.Status == StatusMissing {
		s.Summary.Missing++
	}
}

// admittedAnalyses fills generations, the critical path and the run order
// over the admitted tasks.
func (g *Graph) admittedAnalyses(s *Schedule, runs map[string]bool) error {
	var tasks []kernel.Task
	for _, name := range s.Admitted {
		t, _ := g.tasks.Task(name)
		tasks = append(tasks, t)
	}
	var edges []kernel.Edge
	for _, e := range g.tasks.Graph().EdgeList() {
		if _, ok := runs[e.From]; ok {
			if _, ok := runs[e.To]; ok {
				edges = append(edges, e)
			}
		}
	}
	sub, err := kernel.NewTaskGraph(tasks, edges)
	if err != nil {
		return err
	}
	if s.Generations, err = sub.Graph().Generations(); err != nil {
		return err
	}
	// Submission order: generation, then the heaviest path still ahead
	// (criticality, descending), then name, so the critical path starts
	// first.
	crit := sub.Criticality()
	genOf := map[string]int{}
	for i, gen := range s.Generations {
		for _, name := range gen {
			genOf[name] = i
		}
	}
	for i := range s.Nodes {
		if s.Nodes[i].Admitted {
			c := crit[s.Nodes[i].Name]
			s.Nodes[i].Criticality = &c
		}
	}
	slices.SortFunc(s.Admitted, func(a, b string) int {
		if genOf[a] != genOf[b] {
			return genOf[a] - genOf[b]
		}
		if crit[a] != crit[b] {
			if crit[a] > crit[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	cp, err := sub.CriticalPath()
	if err != nil {
		return err
	}
	s.CriticalPath = extendPath(sub, cp)
	order, err := sub.Graph().LexicographicOrder()
	if err != nil {
		return err
	}
	for _, name := range order {
		if runs[name] {
			s.Run = append(s.Run, name)
		}
	}
	return nil
}

// extendPath turns the kernel's heaviest path into the critical path of a
// schedule. Scan units are sources and views weigh 0 bytes, so the heaviest
// path is the largest scan unit, and the kernel's tie-break (a proper prefix
// is smaller) stops it there; the schedule extends it through the views that
// depend on it to a sink, taking the smallest name at each step. Tied
// reports that another scan unit weighs as much or that the extension had a
// choice.
func extendPath(sub *kernel.TaskGraph, cp kernel.Path) CriticalPath {
	out := CriticalPath{Bytes: cp.Length, Nodes: slices.Clone(cp.Nodes)}
	if len(out.Nodes) == 0 {
		out.Nodes = []string{}
		return out
	}
	g := sub.Graph()
	for _, name := range g.Sources() {
		if t, _ := sub.Task(name); name != out.Nodes[0] && t.Weight == cp.Length {
			out.Tied = true
		}
	}
	for {
		id, _ := g.ID(out.Nodes[len(out.Nodes)-1])
		succ := g.From(id)
		if succ.Len() == 0 {
			return out
		}
		if succ.Len() > 1 {
			out.Tied = true
		}
		succ.Next()
		out.Nodes = append(out.Nodes, g.Name(succ.Node().ID()))
	}
}

func (g *Graph) node(t kernel.Task) Node {
	n := Node{Name: t.Name, Kind: t.Kind, Signature: t.Signature, Behavior: t.Behavior, Bytes: t.Weight, Inputs: t.Inputs}
	info := g.info[t.Name]
	if t.Kind == kernel.KindScanUnit {
		v := info.version
		n.Table, n.DeltaVersion, n.Files, n.Records = info.table, &v, info.files, info.records
	} else {
		n.View = info.view
	}
	return n
}

func nodeAdmitted(nodes []Node, name string) bool {
	for _, n := range nodes {
		if n.Name == name {
			return n.Admitted
		}
	}
	return false
}

func pairs(es []kernel.Edge) [][2]string {
	out := make([][2]string, len(es))
	for i, e := range es {
		out[i] = [2]string{e.From, e.To}
	}
	return out
}

// ReadSchedule parses a schedule written by `deltaplan schedule --json`
// (name is used in errors). Fields it does not know are allowed (a newer
// writer may add some); duplicate keys, trailing data, another
// schedule_version and malformed nodes are errors.
func ReadSchedule(r io.Reader, name string) (*Schedule, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read schedule %s: %w", name, err)
	}
	var s Schedule
	if err := decodeStrict(data, &s, false); err != nil {
		return nil, fmt.Errorf("schedule %s: %w", name, err)
	}
	if s.ScheduleVersion != ScheduleVersion {
		return nil, fmt.Errorf("schedule %s: %w: schedule_version %d, want %d", name, ErrFormat, s.ScheduleVersion, ScheduleVersion)
	}
	seen := map[string]bool{}
	for i, n := range s.Nodes {
		switch {
		case n.Name == "":
			return nil, fmt.Errorf("schedule %s: %w: node %d has no name", name, ErrFormat, i)
		case seen[n.Name]:
			return nil, fmt.Errorf("schedule %s: %w: node %s listed twice", name, ErrFormat, n.Name)
		case n.Kind != kernel.KindScanUnit && n.Kind != kernel.KindView:
			return nil, fmt.Errorf("schedule %s: %w: node %s has no kind", name, ErrFormat, n.Name)
		case n.Admitted && n.Signature == "":
			return nil, fmt.Errorf("schedule %s: %w: node %s has no signature", name, ErrFormat, n.Name)
		}
		seen[n.Name] = true
	}
	for i, c := range s.Carried {
		if c.Name == "" || c.Signature == "" || (i > 0 && s.Carried[i-1].Name >= c.Name) || seen[c.Name] && nodeAdmitted(s.Nodes, c.Name) {
			return nil, fmt.Errorf("schedule %s: %w: carried entry %d (%q) is unnamed, unsigned, out of order or also admitted", name, ErrFormat, i, c.Name)
		}
	}
	return &s, nil
}

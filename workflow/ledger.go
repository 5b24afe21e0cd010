package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/deltaplan/deltaplan/cachekey"
	"github.com/deltaplan/deltaplan/freshness"
	"github.com/deltaplan/deltaplan/kernel"
)

// Planning against a run ledger (PlanRun) decides freshness by cache key,
// not by signature: a node is fresh when a succeeded record has its key.
//
// A scan unit's key is its node name, a code version over the read (table
// id, projected columns, pushed filters) and one dependency, "files", the
// digest of its files (path, size, deletion-vector id) and partition. A
// view's key is its name, a code version over the plan fingerprint, the
// runtime hash, the UDF snapshot hash and the rewrite tags the plan
// requires, and the data version of each input: a scan unit's content
// digest; an upstream view's recorded data version, else the digest of its
// cache key (cachekey.DataVersionOf);
// Ignored for an ignored input; a never-matching version for a disabled one.
// Table versions are in no key, so a commit that leaves a view's files alone
// leaves it fresh.

// The vocabulary of freshness is package freshness's; these names keep
// it reachable from schedules.
const (
	StatusFresh   = freshness.StatusFresh
	StatusStale   = freshness.StatusStale
	StatusMissing = freshness.StatusMissing
)

// Cause says why a node is not fresh (see freshness.Cause).
type Cause = freshness.Cause

// PlannedRun is what a run planned, for the ledger to store.
type PlannedRun struct {
	ID          string
	Signature   string
	Requested   []string
	Nodes       []PlannedNode // sorted by name
	Edges       [][2]string   // sorted
	Generations [][]string    // of the admitted nodes
}

// PlannedNode is one node of a planned run.
type PlannedNode struct {
	Name, Kind, CacheKey, CodeVersion string
	// Dependencies are the node's graph inputs and the data versions its
	// key holds for them (a scan unit has none: its files are in its key).
	Dependencies map[string]string
	// Pending are the inputs whose data version is provisional: they run in
	// this run, so the ledger re-keys the node with what they record.
	Pending     []string
	DataVersion string // scan units: the content digest; views: ""
	Admitted    bool
	Status      string
	Behavior    string
	Generation  int // -1 when not admitted
	Detail      json.RawMessage
}

// Event is one decision, as a JSON line of `--log`. Event is one of the
// Event* constants.
type Event struct {
	RunID string    `json:"run_id"`
	TS    time.Time `json:"ts"`
	Actor string    `json:"actor"`
	Event string    `json:"event"`
	Node  string    `json:"node"`
	Value any       `json:"value"`
}

// The events PlanRun sends (and `deltaplan record` adds record and rekey).
const (
	EventResolveBehavior = "resolve_behavior" // {behavior, source}
	EventCodeVersion     = "code_version"     // the code version
	EventDataVersion     = "data_version"     // {data_version, source}: what dependents key on
	EventCacheKey        = "cache_key"        // the cache key
	EventHit             = "hit"              // {run_id, data_version}
	EventMiss            = "miss"             // {status, reason}
	EventAdmit           = "admit"            // {generation}
	EventReject          = "reject"           // {reason}
	EventPlan            = "plan"             // {nodes, admitted, run}; node ""
	EventRecord          = "record"           // {status, cache_key, data_version}
	EventRekey           = "rekey"            // {planned, cache_key}
)

// ActorSchedule is the actor of the events PlanRun sends.
const ActorSchedule = "schedule"

// LedgerOptions configure PlanRun.
type LedgerOptions struct {
	RunID     string   // required: names the run in events and unmatchable versions
	Requested []string // views to produce; all when empty
	Log       func(Event)
	Now       func() time.Time // default time.Now
}

// ledgerNode is PlanRun's working state for one node.
type ledgerNode struct {
	task     kernel.Task
	info     nodeInfo
	preds    []string
	key      cachekey.Key
	keyText  string
	dv       string // what dependents key on
	dvSource string
	pending  []string
	admitted bool
	x        freshness.Decision
	detail   json.RawMessage
	view     *freshness.ViewDetail
}

// PlanRun decides every admitted node against src (a run ledger or a
// previous schedule, see package freshness) and returns the schedule and
// the run to store. In the schedule, Status is fresh, stale or missing,
// each node has its cache key, code version and detail, and each node
// that is not fresh its causes.
func (g *Graph) PlanRun(ctx context.Context, src freshness.Source, opts LedgerOptions) (*Schedule, *PlannedRun, error) {
	if opts.RunID == "" {
		return nil, nil, fmt.Errorf("plan run: no run id")
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	// Event values are built only when someone listens (the guards at
	// each call): a 10,000-view plan sends ~90,000 of them.
	logging := opts.Log != nil
	emit := func(event, node string, value any) {
		opts.Log(Event{RunID: opts.RunID, TS: now().UTC(), Actor: ActorSchedule, Event: event, Node: node, Value: value})
	}
	req, reqNodes, err := g.requested(opts.Requested)
	if err != nil {
		return nil, nil, err
	}
	admittedList, err := g.tasks.Admit(reqNodes...)
	if err != nil {
		return nil, nil, err
	}
	full := g.tasks.Graph()
	gens, err := full.Generations()
	if err != nil {
		return nil, nil, err
	}
	nodes := map[string]*ledgerNode{}
	for _, t := range g.tasks.Tasks() {
		nodes[t.Name] = &ledgerNode{task: t, info: g.info[t.Name]}
	}
	for _, name := range admittedList {
		nodes[name].admitted = true
	}
	edges := full.EdgeList()
	for _, e := range edges {
		nodes[e.To].preds = append(nodes[e.To].preds, e.From)
	}
	dec := freshness.NewDecider(tableOfNode)
	// Generation by generation: a node's key needs its inputs' data
	// versions, which need their lookups.
	for _, gen := range gens {
		var keys []string
		for _, name := range gen {
			n := nodes[name]
			n.buildKey(nodes)
			keys = append(keys, n.keyText)
			if logging {
				emit(EventResolveBehavior, name, map[string]string{"behavior": n.task.Behavior.String(), "source": n.info.behaviorFrom})
				emit(EventCodeVersion, name, n.key.CodeVersion)
				emit(EventCacheKey, name, n.keyText)
			}
		}
		latest, err := src.Latest(ctx, keys)
		if err != nil {
			return nil, nil, fmt.Errorf("plan run: read the ledger: %w", err)
		}
		// Only a node without a record of its key needs its history, to
		// tell missing from stale and to explain the change.
		var need []string
		for _, name := range gen {
			if _, ok := latest[nodes[name].keyText]; !ok {
				need = append(need, name)
			}
		}
		hist := map[string]freshness.History{}
		if len(need) > 0 {
			if hist, err = src.History(ctx, need); err != nil {
				return nil, nil, fmt.Errorf("plan run: read the ledger: %w", err)
			}
		}
		for _, name := range gen {
			n := nodes[name]
			var le *freshness.Entry
			if e, ok := latest[n.keyText]; ok {
				le = &e
			}
			var h *freshness.History
			if x, ok := hist[name]; ok {
				h = &x
			}
			n.x = dec.Decide(freshness.Node{Name: name, Kind: n.task.Kind, Behavior: n.task.Behavior, Key: n.key, KeyText: n.keyText,
				Preds: n.preds, Pending: n.pending, View: n.view}, n.admitted, le, h)
			n.dataVersion(opts.RunID)
			if !logging {
				continue
			}
			emit(EventDataVersion, name, map[string]string{"data_version": n.dv, "source": n.dvSource})
			if n.x.Status == StatusFresh {
				emit(EventHit, name, map[string]string{"run_id": n.x.Hit.RunID, "data_version": n.x.Hit.DataVersion})
			} else {
				emit(EventMiss, name, map[string]string{"status": n.x.Status, "reason": n.x.Reason})
			}
		}
	}

	s, err := g.newSchedule(req)
	if err != nil {
		return nil, nil, err
	}
	s.RunID = opts.RunID
	runs := map[string]bool{}
	for _, t := range g.tasks.Tasks() {
		n := nodes[t.Name]
		node := g.node(t)
		node.KeyInputs = n.keyInputs()
		node.CacheKey, node.CodeVersion, node.BehaviorSource = n.keyText, n.key.CodeVersion, n.info.behaviorFrom
		node.DataVersion, node.Pending, node.Detail = n.dv, n.pending, n.detail
		if n.admitted {
			node.Admitted = true
			node.Status, node.Reason, node.Causes, node.RootCauses = n.x.Status, n.x.Reason, n.x.Causes, n.x.RootCauses
			node.Explain = freshness.Explain(n.x)
			for _, p := range n.pending {
				node.Upstream = append(node.Upstream, p)
			}
			runs[t.Name] = n.x.Runs
			s.admit(node)
		}
		s.Nodes = append(s.Nodes, node)
	}
	s.Summary.Nodes, s.Summary.Views, s.Summary.Admitted = len(s.Nodes), len(g.views), len(s.Admitted)
	if err := g.admittedAnalyses(s, runs); err != nil {
		return nil, nil, err
	}

	run := &PlannedRun{ID: opts.RunID, Signature: s.Signature.Full, Requested: req, Edges: s.Edges, Generations: s.Generations}
	genOf := map[string]int{}
	for i, gen := range s.Generations {
		for _, name := range gen {
			genOf[name] = i
		}
	}
	for _, node := range s.Nodes {
		n := nodes[node.Name]
		deps := map[string]string{} // graph inputs only: a scan unit's "files" is no node
		for _, p := range n.preds {
			deps[p] = n.key.Dependencies[p]
		}
		pn := PlannedNode{Name: node.Name, Kind: node.Kind.String(), CacheKey: n.keyText, CodeVersion: n.key.CodeVersion,
			Dependencies: deps, Pending: n.pending, Admitted: n.admitted, Behavior: n.task.Behavior.String(),
			Generation: -1, Detail: n.detail}
		if n.task.Kind == kernel.KindScanUnit {
			pn.DataVersion = n.info.scan.content
		}
		if n.admitted {
			pn.Status, pn.Generation = n.x.Status, genOf[node.Name]
		}
		run.Nodes = append(run.Nodes, pn)
		switch {
		case logging && n.admitted:
			emit(EventAdmit, node.Name, map[string]int{"generation": pn.Generation})
		case logging:
			emit(EventReject, node.Name, map[string]string{"reason": "not requested and no requested view depends on it"})
		}
	}
	if logging {
		emit(EventPlan, "", map[string]int{"nodes": len(run.Nodes), "admitted": len(s.Admitted), "run": len(s.Run)})
	}
	return s, run, nil
}

// tableOfNode names the table of a scan-unit node ("scan:<table>:<id>").
func tableOfNode(node string) (string, bool) {
	rest, ok := strings.CutPrefix(node, scanPrefix)
	if !ok {
		return "", false
	}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		return rest[:i], true
	}
	return rest, true
}

// requested validates the requested views (all when none) and returns them
// sorted with their node names.
func (g *Graph) requested(requested []string) ([]string, []string, error) {
	req := slices.Clone(requested)
	if len(req) == 0 {
		req = slices.Clone(g.views)
	}
	slices.Sort(req)
	req = slices.Compact(req)
	reqNodes := make([]string, len(req))
	for i, v := range req {
		if _, ok := slices.BinarySearch(g.views, v); !ok {
			return nil, nil, fmt.Errorf("%w %q (the workflow has %s)", ErrUnknownView, v, strings.Join(g.views, ", "))
		}
		reqNodes[i] = ViewNode(v)
	}
	return req, reqNodes, nil
}

// keyInputs are the predecessors in the key that are not ignored.
func (n *ledgerNode) keyInputs() []string {
	out := []string{}
	for _, p := range n.preds {
		if n.key.Dependencies[p] != cachekey.Ignored {
			out = append(out, p)
		}
	}
	return out
}

// buildKey makes the node's cache key from its inputs' data versions (its
// predecessors are decided: generations run in order).
func (n *ledgerNode) buildKey(nodes map[string]*ledgerNode) {
	if n.task.Kind == kernel.KindScanUnit {
		sc := n.info.scan
		n.key = cachekey.Key{Node: n.task.Name, CodeVersion: sc.read, Dependencies: map[string]string{"files": sc.filesDigest}}
		n.detail, _ = json.Marshal(freshness.ScanDetail{Table: n.info.table, TableID: sc.tableID, Version: n.info.version, Files: sc.files})
	} else {
		c := n.info.code
		n.key = cachekey.Key{Node: n.task.Name, CodeVersion: c.version, Dependencies: map[string]string{}}
		d := &freshness.ViewDetail{View: n.info.view, Pins: c.pins, Files: map[string][]string{},
			Code: freshness.CodeDetail{PlanFingerprint: c.planFingerprint, RuntimeHash: c.runtimeHash, UDFSnapshotHash: c.udfSnapshotHash, RewriteTags: c.rewriteTags}}
		if d.Code.RewriteTags == nil {
			d.Code.RewriteTags = []string{}
		}
		for _, p := range n.preds {
			pn := nodes[p]
			n.key.Dependencies[p] = pn.dv
			if pn.pendingForDependents() {
				n.pending = append(n.pending, p)
			}
			if pn.task.Kind == kernel.KindScanUnit {
				d.Files[pn.info.table] = append(d.Files[pn.info.table], pn.info.scan.files...)
			}
		}
		for t := range d.Files {
			slices.Sort(d.Files[t])
		}
		n.view = d
		n.detail, _ = json.Marshal(d)
	}
	n.keyText = n.key.String()
}

// pendingForDependents tells whether dependents must wait for this node's
// data version: it runs in this run and what it yields is known only once
// recorded (a view, or a recomputed scan unit). Ignored and disabled nodes
// give fixed versions (a constant, a never-matching one) instead.
func (n *ledgerNode) pendingForDependents() bool {
	switch {
	case !n.x.Runs, n.task.Behavior == kernel.BehaviorIgnore, n.task.Behavior == kernel.BehaviorDisable:
		return false
	}
	return n.task.Kind == kernel.KindView || n.task.Behavior == kernel.BehaviorRecompute
}

// dataVersion sets what dependents key on.
func (n *ledgerNode) dataVersion(runID string) {
	hit := n.x.Hit
	if n.x.Status != StatusFresh {
		hit = nil // it runs: its data version is that of its own key
	}
	switch {
	case n.task.Behavior == kernel.BehaviorIgnore:
		n.dv, n.dvSource = cachekey.Ignored, "ignored"
	case n.task.Behavior == kernel.BehaviorDisable:
		n.dv, n.dvSource = cachekey.Unmatchable(runID, n.task.Name), "unmatchable"
	case n.task.Kind == kernel.KindScanUnit:
		n.dv, n.dvSource = n.info.scan.content, "content"
	case hit != nil && hit.DataVersion != "":
		n.dv, n.dvSource = hit.DataVersion, "recorded"
	case hit != nil:
		n.dv, n.dvSource = cachekey.DataVersionOf(hit.CacheKey), "cache key"
	default:
		n.dv, n.dvSource = cachekey.DataVersionOf(n.keyText), "cache key"
	}
}

// Rekey rebuilds a planned key with the data versions of inputs that ran in
// the same run (the ledger's re-keying callback). A value that is a cache
// key (an input that succeeded without reporting a data version) becomes
// the data version a later plan gives that input: a scan unit's content
// digest, or a view's DataVersionOf its key.
func Rekey(planned string, deps map[string]string) (string, error) {
	norm := make(map[string]string, len(deps))
	for name, v := range deps {
		dv, err := ImpliedDataVersion(v)
		if err != nil {
			return "", fmt.Errorf("rekey: input %s: %w", name, err)
		}
		norm[name] = dv
	}
	return cachekey.Rekey(planned, norm)
}

// ImpliedDataVersion turns a cache key standing for a data version (a
// result recorded without one) into the data version dependents key on: a
// scan unit's content digest, a view's DataVersionOf its key. Any other
// value is returned as it is.
func ImpliedDataVersion(v string) (string, error) {
	if !strings.HasPrefix(v, cachekey.Prefix) {
		return v, nil
	}
	k, err := cachekey.Decode(v)
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(k.Node, scanPrefix) {
		return scanContentDigest(k.CodeVersion, k.Dependencies["files"]), nil
	}
	return cachekey.DataVersionOf(v), nil
}

// scanContentDigest is a scan unit's content digest from its read and
// files digests (its code version and "files" dependency).
func scanContentDigest(read, files string) string {
	return cachekey.Hash("deltaplan.scan.content.v1", read, files)
}

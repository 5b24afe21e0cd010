package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/deltaplan/deltaplan/cachekey"
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

// Statuses of an admitted node planned against a ledger.
const (
	StatusFresh   = "fresh"   // a succeeded record has its cache key
	StatusStale   = "stale"   // recorded before, but not with this key (or forced to run)
	StatusMissing = "missing" // no succeeded record of this node at all
)

// Reasons of a ledger decision.
const (
	ReasonHit          = "cache hit"
	ReasonNeverRun     = "never recorded"
	ReasonKeyChanged   = "cache key changed"
	ReasonUpstreamRuns = "upstream runs"
	ReasonUnmatchable  = "unmatchable input"
)

// Cause categories (Dagster's code, data and dependencies, plus behavior for
// a node that its behavior forces to run).
const (
	CauseCode         = "code"
	CauseData         = "data"
	CauseDependencies = "dependencies"
	CauseBehavior     = "behavior"
)

// Cause says why a node is not fresh. Children are the causes of the
// dependency it names, one level deep (RootCauses holds the leaves of the
// whole tree).
type Cause struct {
	Category   string  `json:"category"`
	Reason     string  `json:"reason"`
	Dependency string  `json:"dependency,omitempty"`
	Children   []Cause `json:"children,omitempty"`
}

// LedgerEntry is a succeeded record of the ledger.
type LedgerEntry struct {
	CacheKey, Node, CodeVersion string
	DataVersion                 string // "" when the engine reported none
	RunID                       string
}

// LedgerPrevious is a node's newest succeeded record with the Detail it was
// planned with (what PlanRun wrote in PlannedNode.Detail).
type LedgerPrevious struct {
	LedgerEntry
	Detail json.RawMessage
}

// Ledger is what PlanRun reads from a run ledger.
type Ledger interface {
	// Succeeded returns, per key that has one, the newest succeeded record.
	Succeeded(ctx context.Context, keys []string) (map[string]LedgerEntry, error)
	// LastSucceeded returns, per node name, its newest succeeded record.
	LastSucceeded(ctx context.Context, nodes []string) (map[string]LedgerPrevious, error)
}

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

// scanDetail and viewDetail are the PlannedNode.Detail of each kind: what a
// later run needs to explain a change.
type scanDetail struct {
	Table   string   `json:"table"`
	TableID string   `json:"table_id"`
	Version int64    `json:"version"`
	Files   []string `json:"files"`
}

type viewDetail struct {
	View  string              `json:"view"`
	Code  codeDetail          `json:"code"`
	Pins  map[string]tablePin `json:"pins"`
	Files map[string][]string `json:"files"` // table -> the files of its scan units, sorted
}

type codeDetail struct {
	PlanFingerprint string   `json:"plan_fingerprint"`
	RuntimeHash     string   `json:"runtime_hash"`
	UDFSnapshotHash string   `json:"udf_snapshot_hash"`
	RewriteTags     []string `json:"rewrite_tags"`
}

// ledgerNode is PlanRun's working state for one node.
type ledgerNode struct {
	task      kernel.Task
	info      nodeInfo
	preds     []string
	key       cachekey.Key
	keyText   string
	dv        string // what dependents key on
	dvSource  string
	pending   []string
	admitted  bool
	runs      bool // admitted and not fresh
	status    string
	reason    string
	causes    []Cause
	roots     []Cause
	hit       *LedgerEntry
	detail    json.RawMessage
	scanFiles map[string][]string // views: table -> files
}

// PlanRun decides every admitted node against the ledger (see the comment
// at the top of this file) and returns the schedule and the run to store.
// In the schedule, Status is fresh, stale or missing, each node has its
// cache key and code version, and each node that is not fresh its causes.
func (g *Graph) PlanRun(ctx context.Context, l Ledger, opts LedgerOptions) (*Schedule, *PlannedRun, error) {
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
		hits, err := l.Succeeded(ctx, keys)
		if err != nil {
			return nil, nil, fmt.Errorf("plan run: read the ledger: %w", err)
		}
		// Only a node that is not a plain hit needs its newest record, to
		// tell missing from stale and to explain the change.
		var need []string
		for _, name := range gen {
			n := nodes[name]
			if h, ok := hits[n.keyText]; ok {
				n.hit = &h
			}
			if n.hit == nil || n.task.Behavior == kernel.BehaviorDisable || n.task.Behavior == kernel.BehaviorRecompute || len(n.unmatchableInputs()) > 0 {
				need = append(need, name)
			}
		}
		last := map[string]LedgerPrevious{}
		if len(need) > 0 {
			if last, err = l.LastSucceeded(ctx, need); err != nil {
				return nil, nil, fmt.Errorf("plan run: read the ledger: %w", err)
			}
		}
		for _, name := range gen {
			n := nodes[name]
			prev, seen := last[name]
			n.decide(nodes, prev, seen)
			n.dataVersion(opts.RunID)
			if !logging {
				continue
			}
			emit(EventDataVersion, name, map[string]string{"data_version": n.dv, "source": n.dvSource})
			if n.status == StatusFresh {
				emit(EventHit, name, map[string]string{"run_id": n.hit.RunID, "data_version": n.hit.DataVersion})
			} else {
				emit(EventMiss, name, map[string]string{"status": n.status, "reason": n.reason})
			}
		}
	}
	roots := map[string][]Cause{}
	for _, gen := range gens {
		for _, name := range gen {
			n := nodes[name]
			n.roots = rootCauses(n, nodes, roots)
		}
	}

	s, err := g.newSchedule(req)
	if err != nil {
		return nil, nil, err
	}
	s.RunID = opts.RunID
	decided := map[string]kernel.Decision{}
	for _, t := range g.tasks.Tasks() {
		n := nodes[t.Name]
		node := g.node(t)
		node.KeyInputs = n.keyInputs()
		node.CacheKey, node.CodeVersion, node.BehaviorSource = n.keyText, n.key.CodeVersion, n.info.behaviorFrom
		node.DataVersion, node.Pending = n.dv, n.pending
		if n.admitted {
			node.Admitted = true
			node.Status, node.Reason, node.Causes, node.RootCauses = n.status, n.reason, n.causes, n.roots
			node.Explain = explainLedger(n)
			decided[t.Name] = kernel.Decision{Name: t.Name, Kind: t.Kind, Fresh: n.status == StatusFresh}
			s.admit(node)
		}
		s.Nodes = append(s.Nodes, node)
	}
	s.Summary.Nodes, s.Summary.Views, s.Summary.Admitted = len(s.Nodes), len(g.views), len(s.Admitted)
	if err := g.admittedAnalyses(s, decided); err != nil {
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
			pn.Status, pn.Generation = n.status, genOf[node.Name]
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
		n.detail, _ = json.Marshal(scanDetail{Table: n.info.table, TableID: sc.tableID, Version: n.info.version, Files: sc.files})
	} else {
		c := n.info.code
		n.key = cachekey.Key{Node: n.task.Name, CodeVersion: c.version, Dependencies: map[string]string{}}
		d := viewDetail{View: n.info.view, Pins: c.pins, Files: map[string][]string{},
			Code: codeDetail{PlanFingerprint: c.planFingerprint, RuntimeHash: c.runtimeHash, UDFSnapshotHash: c.udfSnapshotHash, RewriteTags: c.rewriteTags}}
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
		n.scanFiles = d.Files
		n.detail, _ = json.Marshal(d)
	}
	n.keyText = n.key.String()
}

// decide sets status, reason and causes; prev is the node's newest
// succeeded record (seen false when it has none).
func (n *ledgerNode) decide(nodes map[string]*ledgerNode, prev LedgerPrevious, seen bool) {
	notFresh := StatusMissing
	if seen {
		notFresh = StatusStale
	}
	unmatchable := n.unmatchableInputs()
	switch {
	case n.task.Behavior == kernel.BehaviorDisable:
		n.status, n.reason = notFresh, ReasonDisable
		n.causes = []Cause{{Category: CauseBehavior, Reason: "behavior disable: never cached"}}
	case n.task.Behavior == kernel.BehaviorRecompute:
		n.status, n.reason = notFresh, ReasonRecompute
		n.causes = []Cause{{Category: CauseBehavior, Reason: "behavior recompute: always recomputed"}}
	case len(unmatchable) > 0:
		n.status, n.reason = notFresh, ReasonUnmatchable
		for _, p := range unmatchable {
			n.causes = append(n.causes, Cause{Category: CauseDependencies, Dependency: p,
				Reason: p + " is disabled: its data version never matches, so this node always misses"})
		}
	case n.hit != nil && len(n.pending) == 0:
		n.status, n.reason = StatusFresh, ReasonHit
	case n.hit != nil:
		n.status, n.reason = StatusStale, ReasonUpstreamRuns
		for _, p := range n.pending {
			pn := nodes[p]
			n.causes = append(n.causes, Cause{Category: CauseDependencies, Dependency: p, Children: shallow(pn.causes),
				Reason: fmt.Sprintf("%s runs in this run (%s); its new data version is known only once it is recorded", p, pn.reason)})
		}
	case !seen:
		n.status, n.reason = StatusMissing, ReasonNeverRun
	default:
		n.status, n.reason = StatusStale, ReasonKeyChanged
		n.causes = n.diff(nodes, prev)
	}
	n.runs = n.admitted && n.status != StatusFresh
	if n.causes == nil {
		n.causes = []Cause{}
	}
}

// unmatchableInputs are the inputs whose data version never matches
// (disabled ones).
func (n *ledgerNode) unmatchableInputs() []string {
	var out []string
	for _, p := range n.preds {
		if cachekey.IsUnmatchable(n.key.Dependencies[p]) {
			out = append(out, p)
		}
	}
	return out
}

// pendingForDependents tells whether dependents must wait for this node's
// data version: it runs in this run and what it yields is known only once
// recorded (a view, or a recomputed scan unit). Ignored and disabled nodes
// give fixed versions (a constant, a never-matching one) instead.
func (n *ledgerNode) pendingForDependents() bool {
	switch {
	case !n.runs, n.task.Behavior == kernel.BehaviorIgnore, n.task.Behavior == kernel.BehaviorDisable:
		return false
	}
	return n.task.Kind == kernel.KindView || n.task.Behavior == kernel.BehaviorRecompute
}

// dataVersion sets what dependents key on.
func (n *ledgerNode) dataVersion(runID string) {
	switch {
	case n.task.Behavior == kernel.BehaviorIgnore:
		n.dv, n.dvSource = cachekey.Ignored, "ignored"
	case n.task.Behavior == kernel.BehaviorDisable:
		n.dv, n.dvSource = cachekey.Unmatchable(runID, n.task.Name), "unmatchable"
	case n.task.Kind == kernel.KindScanUnit:
		n.dv, n.dvSource = n.info.scan.content, "content"
	case n.hit != nil && n.hit.DataVersion != "":
		n.dv, n.dvSource = n.hit.DataVersion, "recorded"
	case n.hit != nil:
		n.dv, n.dvSource = cachekey.DataVersionOf(n.hit.CacheKey), "cache key"
	default:
		n.dv, n.dvSource = cachekey.DataVersionOf(n.keyText), "cache key"
	}
}

// diff explains a changed key against the node's newest succeeded record.
func (n *ledgerNode) diff(nodes map[string]*ledgerNode, prev LedgerPrevious) []Cause {
	old, err := cachekey.Decode(prev.CacheKey)
	if err != nil {
		return []Cause{{Category: CauseCode, Reason: fmt.Sprintf("the recorded key of run %s cannot be read (%v)", prev.RunID, err)}}
	}
	var causes []Cause
	if old.CodeVersion != n.key.CodeVersion {
		causes = append(causes, Cause{Category: CauseCode, Reason: n.codeChange(prev.Detail)})
	}
	if n.task.Kind == kernel.KindScanUnit {
		if old.Dependencies["files"] != n.key.Dependencies["files"] {
			causes = append(causes, Cause{Category: CauseData, Reason: "the unit's files changed"})
		}
		return orGeneric(causes)
	}
	var pd viewDetail
	_ = json.Unmarshal(prev.Detail, &pd) // a detail that does not parse explains less, never more
	// Scan-unit inputs are named by content, so a changed unit is one
	// removed and one added: explain them per table.
	changedTables := map[string]bool{}
	tableOf := func(dep string) string {
		rest := strings.TrimPrefix(dep, scanPrefix)
		if i := strings.LastIndexByte(rest, ':'); i >= 0 {
			return rest[:i]
		}
		return rest
	}
	for _, d := range sortedKeys(old.Dependencies) {
		if _, still := n.key.Dependencies[d]; !still {
			if strings.HasPrefix(d, scanPrefix) {
				changedTables[tableOf(d)] = true
			} else {
				causes = append(causes, Cause{Category: CauseDependencies, Dependency: d, Reason: "input " + d + " was removed"})
			}
		}
	}
	for _, d := range n.preds {
		oldDV, had := old.Dependencies[d]
		newDV := n.key.Dependencies[d]
		switch {
		case !had && strings.HasPrefix(d, scanPrefix):
			changedTables[tableOf(d)] = true
		case !had:
			causes = append(causes, Cause{Category: CauseDependencies, Dependency: d, Reason: "new input " + d})
		case oldDV != newDV:
			pn := nodes[d]
			causes = append(causes, Cause{Category: CauseData, Dependency: d, Children: shallow(pn.causes),
				Reason: fmt.Sprintf("%s has a new data version (%s -> %s)", d, short(oldDV), short(newDV))})
		}
	}
	for _, t := range sortedKeys(changedTables) {
		causes = append(causes, Cause{Category: CauseData, Dependency: scanPrefix + t, Reason: n.tableChange(t, pd)})
	}
	return orGeneric(causes)
}

func orGeneric(causes []Cause) []Cause {
	if len(causes) == 0 {
		return []Cause{{Category: CauseCode, Reason: "the cache key changed (key format or hashing)"}}
	}
	return causes
}

// tableChange says how the files a view reads from table changed.
func (n *ledgerNode) tableChange(table string, pd viewDetail) string {
	oldPin, newPin := pd.Pins[table], n.info.code.pins[table]
	var b strings.Builder
	fmt.Fprintf(&b, "table %s: version %d -> %d", table, oldPin.Version, newPin.Version)
	if oldPin.TableID != newPin.TableID && oldPin.TableID != "" {
		fmt.Fprintf(&b, ", table id %s -> %s", oldPin.TableID, newPin.TableID)
	}
	added, removed := setDiff(n.scanFiles[table], pd.Files[table]), setDiff(pd.Files[table], n.scanFiles[table])
	if len(added) > 0 {
		fmt.Fprintf(&b, "; files added: %s", strings.Join(added, ", "))
	}
	if len(removed) > 0 {
		fmt.Fprintf(&b, "; files removed: %s", strings.Join(removed, ", "))
	}
	if len(added) == 0 && len(removed) == 0 {
		b.WriteString("; same files, packed or read differently")
	}
	return b.String()
}

// codeChange names the parts of the code version that moved.
func (n *ledgerNode) codeChange(prevDetail json.RawMessage) string {
	if n.task.Kind == kernel.KindScanUnit {
		return "the read changed (table id, projected columns or pushed filters)"
	}
	var pd viewDetail
	if json.Unmarshal(prevDetail, &pd) != nil {
		return "code version changed"
	}
	c := n.info.code
	var parts []string
	if pd.Code.PlanFingerprint != c.planFingerprint {
		parts = append(parts, "plan fingerprint")
	}
	if pd.Code.RuntimeHash != c.runtimeHash {
		parts = append(parts, "runtime hash (session)")
	}
	if pd.Code.UDFSnapshotHash != c.udfSnapshotHash {
		parts = append(parts, "UDF snapshot")
	}
	if !slices.Equal(pd.Code.RewriteTags, c.rewriteTags) && !(len(pd.Code.RewriteTags) == 0 && len(c.rewriteTags) == 0) {
		parts = append(parts, fmt.Sprintf("required rewrite tags [%s] -> [%s]", strings.Join(pd.Code.RewriteTags, ", "), strings.Join(c.rewriteTags, ", ")))
	}
	if len(parts) == 0 {
		return "code version changed"
	}
	return "code version changed: " + strings.Join(parts, "; ")
}

// rootCauses are the leaves of a node's cause tree: its own causes that
// name no dependency running in this run, and the root causes of those
// that do. memo holds them per node (generations run in order).
func rootCauses(n *ledgerNode, nodes map[string]*ledgerNode, memo map[string][]Cause) []Cause {
	var out []Cause
	for _, c := range n.causes {
		if dep, ok := nodes[c.Dependency]; ok && dep.runs && len(memo[c.Dependency]) > 0 {
			out = append(out, memo[c.Dependency]...)
			continue
		}
		out = append(out, Cause{Category: c.Category, Reason: c.Reason, Dependency: c.Dependency})
	}
	out = dedupeCauses(out)
	memo[n.task.Name] = out
	return out
}

func dedupeCauses(cs []Cause) []Cause {
	slices.SortFunc(cs, func(a, b Cause) int {
		return strings.Compare(a.Category+"\x00"+a.Dependency+"\x00"+a.Reason, b.Category+"\x00"+b.Dependency+"\x00"+b.Reason)
	})
	cs = slices.CompactFunc(cs, func(a, b Cause) bool {
		return a.Category == b.Category && a.Dependency == b.Dependency && a.Reason == b.Reason
	})
	if cs == nil {
		cs = []Cause{}
	}
	return cs
}

// shallow copies causes without their children (children go one level deep).
func shallow(cs []Cause) []Cause {
	if len(cs) == 0 {
		return nil
	}
	out := make([]Cause, len(cs))
	for i, c := range cs {
		out[i] = Cause{Category: c.Category, Reason: c.Reason, Dependency: c.Dependency}
	}
	return out
}

func explainLedger(n *ledgerNode) string {
	switch {
	case n.status == StatusFresh:
		return "cache hit: recorded by run " + n.hit.RunID
	case n.status == StatusMissing && len(n.causes) == 0:
		return "no succeeded record of this node"
	}
	parts := make([]string, 0, len(n.roots))
	for _, c := range n.roots {
		parts = append(parts, c.Reason)
	}
	return strings.Join(parts, "; ")
}

func short(v string) string {
	if len(v) > 24 {
		return v[:24] + "…"
	}
	return v
}

func setDiff(a, b []string) []string {
	out := []string{}
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); !ok {
			out = append(out, x)
		}
	}
	return out
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

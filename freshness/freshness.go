package freshness

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/deltaplan/deltaplan/cachekey"
	"github.com/deltaplan/deltaplan/kernel"
)

// Statuses of an admitted node.
const (
	StatusFresh   = "fresh"   // a succeeded record has its cache key
	StatusStale   = "stale"   // recorded before, but not with this key, or failed, or forced to run
	StatusMissing = "missing" // nothing was ever recorded for this node
)

// Reasons, one per decision rule.
const (
	ReasonHit          = "cache hit"
	ReasonNeverRun     = "never recorded"
	ReasonKeyChanged   = "cache key changed"
	ReasonUpstreamRuns = "upstream runs"
	ReasonUnmatchable  = "unmatchable input"
	ReasonDisable      = "disable"
	ReasonRecompute    = "recompute"
	ReasonFailed       = "failed"
)

// Cause categories: Dagster's code, data and dependencies, behavior for a
// node its behavior forces to run, and failed for a node whose last
// attempt failed.
const (
	CauseCode         = "code"
	CauseData         = "data"
	CauseDependencies = "dependencies"
	CauseBehavior     = "behavior"
	CauseFailed       = "failed"
)

// Record statuses a Source reports.
const (
	RecordSucceeded = "succeeded"
	RecordFailed    = "failed"
)

// Cause says why a node is not fresh. Children are the causes of the
// dependency it names, one level deep (a Decision's RootCauses holds the
// leaves of the whole tree). Run and Attempt name the failed attempt of a
// failed cause.
type Cause struct {
	Category   string  `json:"category"`
	Reason     string  `json:"reason"`
	Dependency string  `json:"dependency,omitempty"`
	Run        string  `json:"run,omitempty"`
	Attempt    int     `json:"attempt,omitempty"`
	Children   []Cause `json:"children,omitempty"`
}

// Entry is one record of a node's result.
type Entry struct {
	CacheKey, Node, CodeVersion string
	DataVersion                 string // "" when none was reported
	RunID                       string
	Status                      string // RecordSucceeded or RecordFailed
	Attempt                     int    // 1 and up
}

// Previous is a succeeded record with the Detail its node was planned
// with.
type Previous struct {
	Entry
	Detail json.RawMessage
}

// History is what a Source knows of a node under any key: its newest
// succeeded record (with detail) and its newest failed one.
type History struct {
	Succeeded *Previous
	Failed    *Entry
}

// Source is a history of records: a run ledger, or a previous schedule.
type Source interface {
	// Latest returns, per key that has one, the newest record of that key
	// that succeeded or failed (a run's highest attempt decides).
	Latest(ctx context.Context, keys []string) (map[string]Entry, error)
	// History returns, per node name that has any record, its newest
	// succeeded and failed records under any key.
	History(ctx context.Context, nodes []string) (map[string]History, error)
}

// ScanDetail is what a scan unit's record keeps to explain a later change.
type ScanDetail struct {
	Table   string   `json:"table"`
	TableID string   `json:"table_id"`
	Version int64    `json:"version"`
	Files   []string `json:"files"`
}

// ViewDetail is what a view's record keeps to explain a later change.
type ViewDetail struct {
	View  string              `json:"view"`
	Code  CodeDetail          `json:"code"`
	Pins  map[string]Pin      `json:"pins"`
	Files map[string][]string `json:"files"` // table -> the files of its scan units, sorted
}

// CodeDetail are the parts of a view's code version.
type CodeDetail struct {
	PlanFingerprint string   `json:"plan_fingerprint"`
	RuntimeHash     string   `json:"runtime_hash"`
	UDFSnapshotHash string   `json:"udf_snapshot_hash"`
	RewriteTags     []string `json:"rewrite_tags"`
}

// Pin is a table's id and pinned version.
type Pin struct {
	TableID string `json:"table_id"`
	Version int64  `json:"version"`
}

// Node is what the decider needs of one node.
type Node struct {
	Name     string
	Kind     kernel.Kind
	Behavior kernel.Behavior
	Key      cachekey.Key // Dependencies hold each input's data version
	KeyText  string
	Preds    []string // graph inputs, sorted
	// Pending are inputs that run in this run (their data version is
	// provisional).
	Pending []string
	// View is the view's current detail (views only).
	View *ViewDetail
}

// Decision is the freshness of one node.
type Decision struct {
	Status, Reason string
	Causes         []Cause
	RootCauses     []Cause
	// Hit is the succeeded record with the node's key, when it has one.
	Hit *Entry
	// Runs: the node is admitted and not fresh.
	Runs bool
}

// Decider decides nodes in topological order and remembers each decision
// for its dependents' causes.
type Decider struct {
	// TableOf names the table of a scan-unit node name (ok false for
	// other nodes): scan units are named by content, so a changed unit is
	// one removed and one added, explained per table.
	TableOf func(node string) (table string, ok bool)
	decided map[string]*Decision
}

// NewDecider returns a decider; tableOf is Decider.TableOf.
func NewDecider(tableOf func(string) (string, bool)) *Decider {
	return &Decider{TableOf: tableOf, decided: map[string]*Decision{}}
}

// Decided returns an earlier decision.
func (d *Decider) Decided(name string) (*Decision, bool) {
	x, ok := d.decided[name]
	return x, ok
}

// Decide decides n (its inputs decided before). latest is the newest
// record of n's key (nil for none), hist n's history (nil for none).
func (d *Decider) Decide(n Node, admitted bool, latest *Entry, hist *History) Decision {
	var x Decision
	recorded := hist != nil && (hist.Succeeded != nil || hist.Failed != nil) || latest != nil
	notFresh := StatusMissing
	if recorded {
		notFresh = StatusStale
	}
	if latest != nil && latest.Status == RecordSucceeded {
		e := *latest
		x.Hit = &e
	}
	var unmatchable []string
	for _, p := range n.Preds {
		if cachekey.IsUnmatchable(n.Key.Dependencies[p]) {
			unmatchable = append(unmatchable, p)
		}
	}
	switch {
	case n.Behavior == kernel.BehaviorDisable:
		x.Status, x.Reason = notFresh, ReasonDisable
		x.Causes = []Cause{{Category: CauseBehavior, Reason: "behavior disable: never cached"}}
	case n.Behavior == kernel.BehaviorRecompute:
		x.Status, x.Reason = notFresh, ReasonRecompute
		x.Causes = []Cause{{Category: CauseBehavior, Reason: "behavior recompute: always recomputed"}}
	case len(unmatchable) > 0:
		x.Status, x.Reason = notFresh, ReasonUnmatchable
		for _, p := range unmatchable {
			x.Causes = append(x.Causes, Cause{Category: CauseDependencies, Dependency: p,
				Reason: p + " is disabled: its data version never matches, so this node always misses"})
		}
	case latest != nil && latest.Status == RecordFailed:
		x.Status, x.Reason = StatusStale, ReasonFailed
		x.Causes = []Cause{failedCause(latest)}
	case x.Hit != nil && len(n.Pending) == 0:
		x.Status, x.Reason = StatusFresh, ReasonHit
	case x.Hit != nil:
		x.Status, x.Reason = StatusStale, ReasonUpstreamRuns
		for _, p := range n.Pending {
			var children []Cause
			reason := "runs"
			if pd, ok := d.decided[p]; ok {
				children, reason = shallow(pd.Causes), pd.Reason
			}
			x.Causes = append(x.Causes, Cause{Category: CauseDependencies, Dependency: p, Children: children,
				Reason: fmt.Sprintf("%s runs in this run (%s); its new data version is known only once it is recorded", p, reason)})
		}
	case !recorded:
		x.Status, x.Reason = StatusMissing, ReasonNeverRun
	case hist.Succeeded == nil:
		// Only failures, under other keys.
		x.Status, x.Reason = StatusStale, ReasonFailed
		x.Causes = []Cause{failedCause(hist.Failed)}
	default:
		x.Status, x.Reason = StatusStale, ReasonKeyChanged
		x.Causes = d.diff(n, *hist.Succeeded)
	}
	x.Runs = admitted && x.Status != StatusFresh
	if x.Causes == nil {
		x.Causes = []Cause{}
	}
	x.RootCauses = d.rootCauses(x.Causes)
	d.decided[n.Name] = &x
	return x
}

func failedCause(e *Entry) Cause {
	return Cause{Category: CauseFailed, Run: e.RunID, Attempt: e.Attempt,
		Reason: fmt.Sprintf("attempt %d of run %s failed", e.Attempt, e.RunID)}
}

// diff explains a changed key against the node's newest succeeded record.
func (d *Decider) diff(n Node, prev Previous) []Cause {
	old, err := cachekey.Decode(prev.CacheKey)
	if err != nil {
		return []Cause{{Category: CauseCode, Reason: fmt.Sprintf("the recorded key of run %s cannot be read (%v)", prev.RunID, err)}}
	}
	var causes []Cause
	if old.CodeVersion != n.Key.CodeVersion {
		causes = append(causes, Cause{Category: CauseCode, Reason: codeChange(n, prev.Detail)})
	}
	if n.Kind == kernel.KindScanUnit {
		if old.Dependencies["files"] != n.Key.Dependencies["files"] {
			causes = append(causes, Cause{Category: CauseData, Reason: "the unit's files changed"})
		}
		return orGeneric(causes)
	}
	var pd ViewDetail
	_ = json.Unmarshal(prev.Detail, &pd) // a detail that does not parse explains less, never more
	changedTables := map[string]bool{}
	tableOf := func(dep string) (string, bool) {
		if d.TableOf == nil {
			return "", false
		}
		return d.TableOf(dep)
	}
	for _, dep := range sortedKeys(old.Dependencies) {
		if _, still := n.Key.Dependencies[dep]; still {
			continue
		}
		if t, ok := tableOf(dep); ok {
			changedTables[t] = true
		} else {
			causes = append(causes, Cause{Category: CauseDependencies, Dependency: dep, Reason: "input " + dep + " was removed"})
		}
	}
	for _, dep := range n.Preds {
		oldDV, had := old.Dependencies[dep]
		newDV := n.Key.Dependencies[dep]
		t, isScan := tableOf(dep)
		switch {
		case !had && isScan:
			changedTables[t] = true
		case !had:
			causes = append(causes, Cause{Category: CauseDependencies, Dependency: dep, Reason: "new input " + dep})
		case oldDV != newDV:
			var children []Cause
			if pd, ok := d.decided[dep]; ok {
				children = shallow(pd.Causes)
			}
			causes = append(causes, Cause{Category: CauseData, Dependency: dep, Children: children,
				Reason: fmt.Sprintf("%s has a new data version (%s -> %s)", dep, short(oldDV), short(newDV))})
		}
	}
	for _, t := range sortedKeys(changedTables) {
		causes = append(causes, Cause{Category: CauseData, Dependency: "scan:" + t, Reason: tableChange(n.View, t, pd)})
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
func tableChange(cur *ViewDetail, table string, pd ViewDetail) string {
	if cur == nil {
		cur = &ViewDetail{}
	}
	oldPin, newPin := pd.Pins[table], cur.Pins[table]
	var b strings.Builder
	fmt.Fprintf(&b, "table %s: version %d -> %d", table, oldPin.Version, newPin.Version)
	if oldPin.TableID != newPin.TableID && oldPin.TableID != "" {
		fmt.Fprintf(&b, ", table id %s -> %s", oldPin.TableID, newPin.TableID)
	}
	added, removed := setDiff(cur.Files[table], pd.Files[table]), setDiff(pd.Files[table], cur.Files[table])
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
func codeChange(n Node, prevDetail json.RawMessage) string {
	if n.Kind == kernel.KindScanUnit {
		return "the read changed (table id, projected columns or pushed filters)"
	}
	var pd ViewDetail
	if n.View == nil || json.Unmarshal(prevDetail, &pd) != nil {
		return "code version changed"
	}
	c := n.View.Code
	var parts []string
	if pd.Code.PlanFingerprint != c.PlanFingerprint {
		parts = append(parts, "plan fingerprint")
	}
	if pd.Code.RuntimeHash != c.RuntimeHash {
		parts = append(parts, "runtime hash (session)")
	}
	if pd.Code.UDFSnapshotHash != c.UDFSnapshotHash {
		parts = append(parts, "UDF snapshot")
	}
	if !slices.Equal(pd.Code.RewriteTags, c.RewriteTags) && !(len(pd.Code.RewriteTags) == 0 && len(c.RewriteTags) == 0) {
		parts = append(parts, fmt.Sprintf("required rewrite tags [%s] -> [%s]", strings.Join(pd.Code.RewriteTags, ", "), strings.Join(c.RewriteTags, ", ")))
	}
	if len(parts) == 0 {
		return "code version changed"
	}
	return "code version changed: " + strings.Join(parts, "; ")
}

// rootCauses are the leaves of a cause tree: the causes that name no
// dependency running in this run, and the root causes of those that do.
func (d *Decider) rootCauses(causes []Cause) []Cause {
	var out []Cause
	for _, c := range causes {
		if dep, ok := d.decided[c.Dependency]; ok && dep.Runs && len(dep.RootCauses) > 0 {
			out = append(out, dep.RootCauses...)
			continue
		}
		out = append(out, Cause{Category: c.Category, Reason: c.Reason, Dependency: c.Dependency, Run: c.Run, Attempt: c.Attempt})
	}
	return dedupeCauses(out)
}

func dedupeCauses(cs []Cause) []Cause {
	key := func(c Cause) string {
		return c.Category + "\x00" + c.Dependency + "\x00" + c.Reason
	}
	slices.SortFunc(cs, func(a, b Cause) int { return strings.Compare(key(a), key(b)) })
	cs = slices.CompactFunc(cs, func(a, b Cause) bool { return key(a) == key(b) })
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
		out[i] = Cause{Category: c.Category, Reason: c.Reason, Dependency: c.Dependency, Run: c.Run, Attempt: c.Attempt}
	}
	return out
}

// Explain is a decision in words.
func Explain(x Decision) string {
	switch {
	case x.Status == StatusFresh:
		return "cache hit: recorded by run " + x.Hit.RunID
	case x.Status == StatusMissing && len(x.Causes) == 0:
		return "no record of this node"
	}
	parts := make([]string, 0, len(x.RootCauses))
	for _, c := range x.RootCauses {
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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

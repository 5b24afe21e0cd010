package freshness

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/cachekey"
	"github.com/deltaplan/deltaplan/kernel"
)

func tableOf(n string) (string, bool) {
	rest, ok := strings.CutPrefix(n, "scan:")
	if !ok {
		return "", false
	}
	i := strings.LastIndexByte(rest, ':')
	return rest[:i], true
}

func viewNode(code string, deps map[string]string, files []string, version int64) Node {
	k := cachekey.Key{Node: "view:v", CodeVersion: code, Dependencies: deps}
	var preds []string
	for p := range deps {
		preds = append(preds, p)
	}
	slices.Sort(preds)
	return Node{Name: "view:v", Kind: kernel.KindView, Key: k, KeyText: k.String(), Preds: preds,
		View: &ViewDetail{View: "v", Code: CodeDetail{PlanFingerprint: code}, Pins: map[string]Pin{"sales": {TableID: "t", Version: version}},
			Files: map[string][]string{"sales": files}}}
}

// TestDecideRules: one case per rule, in the order the rules apply.
func TestDecideRules(t *testing.T) {
	deps := map[string]string{"scan:sales:aaaa": "dv-a"}
	cur := viewNode("c1", deps, []string{"f1"}, 5)
	oldKey := cachekey.Key{Node: "view:v", CodeVersion: "c1", Dependencies: map[string]string{"scan:sales:bbbb": "dv-b"}}
	oldDetail, _ := json.Marshal(ViewDetail{View: "v", Code: CodeDetail{PlanFingerprint: "c1"}, Pins: map[string]Pin{"sales": {TableID: "t", Version: 4}},
		Files: map[string][]string{"sales": {"f0"}}})
	hit := &Entry{CacheKey: cur.KeyText, Node: "view:v", RunID: "r1", Status: RecordSucceeded, Attempt: 1}
	failed := &Entry{CacheKey: cur.KeyText, Node: "view:v", RunID: "r2", Status: RecordFailed, Attempt: 3}
	prevOK := &History{Succeeded: &Previous{Entry: Entry{CacheKey: oldKey.String(), Node: "view:v", RunID: "r0", Status: RecordSucceeded, Attempt: 1}, Detail: oldDetail}}
	onlyFailed := &History{Failed: &Entry{CacheKey: oldKey.String(), Node: "view:v", RunID: "r0", Status: RecordFailed, Attempt: 2}}
	tests := []struct {
		name     string
		node     func() Node
		latest   *Entry
		hist     *History
		status   string
		reason   string
		category string
		contains string
		why      string
	}{
		{"disable", func() Node { n := cur; n.Behavior = kernel.BehaviorDisable; return n }, hit, prevOK, StatusStale, ReasonDisable, CauseBehavior, "never cached", "disable wins over a hit"},
		{"disable never recorded", func() Node { n := cur; n.Behavior = kernel.BehaviorDisable; return n }, nil, nil, StatusMissing, ReasonDisable, CauseBehavior, "", "nothing recorded: missing"},
		{"recompute", func() Node { n := cur; n.Behavior = kernel.BehaviorRecompute; return n }, hit, nil, StatusStale, ReasonRecompute, CauseBehavior, "always", "recompute wins over a hit"},
		{"unmatchable input", func() Node {
			n := viewNode("c1", map[string]string{"view:u": cachekey.Unmatchable("r", "view:u")}, nil, 5)
			return n
		}, nil, prevOK, StatusStale, ReasonUnmatchable, CauseDependencies, "view:u is disabled", "a disabled input never matches"},
		{"failed attempt", func() Node { return cur }, failed, prevOK, StatusStale, ReasonFailed, CauseFailed, "attempt 3 of run r2 failed", "the newest record of the key failed"},
		{"hit", func() Node { return cur }, hit, nil, StatusFresh, ReasonHit, "", "", "a succeeded record of the key"},
		{"hit with a pending input", func() Node { n := cur; n.Pending = []string{"scan:sales:aaaa"}; return n }, hit, nil, StatusStale, ReasonUpstreamRuns, CauseDependencies, "runs in this run", "an input runs: the key is provisional"},
		{"never recorded", func() Node { return cur }, nil, nil, StatusMissing, ReasonNeverRun, "", "", "nothing at all"},
		{"only failures under another key", func() Node { return cur }, nil, onlyFailed, StatusStale, ReasonFailed, CauseFailed, "attempt 2 of run r0 failed", "recorded (failed) is not missing"},
		{"files changed", func() Node { return cur }, nil, prevOK, StatusStale, ReasonKeyChanged, CauseData, "table sales: version 4 -> 5; files added: f1; files removed: f0", "the table, both versions and the files"},
		{"code changed", func() Node {
			n := viewNode("c2", map[string]string{"scan:sales:bbbb": "dv-b"}, []string{"f0"}, 4)
			return n
		}, nil, prevOK, StatusStale, ReasonKeyChanged, CauseCode, "plan fingerprint", "the code version moved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := NewDecider(tableOf).Decide(tt.node(), true, tt.latest, tt.hist)
			if x.Status != tt.status || x.Reason != tt.reason {
				t.Fatalf("%s: %s/%s, want %s/%s", tt.why, x.Status, x.Reason, tt.status, tt.reason)
			}
			if tt.category == "" {
				if len(x.Causes) != 0 {
					t.Errorf("%s: causes %+v, want none", tt.why, x.Causes)
				}
				return
			}
			if len(x.Causes) == 0 || x.Causes[0].Category != tt.category || !strings.Contains(x.Causes[0].Reason, tt.contains) {
				t.Errorf("%s: causes %+v, want %s containing %q", tt.why, x.Causes, tt.category, tt.contains)
			}
			if x.Runs != (x.Status != StatusFresh) || len(x.RootCauses) == 0 {
				t.Errorf("%s: runs %v, root causes %+v", tt.why, x.Runs, x.RootCauses)
			}
		})
	}
}

// TestRootCausesReachTheLeaves: a view whose input runs names the input's
// own cause as its root cause.
func TestRootCausesReachTheLeaves(t *testing.T) {
	d := NewDecider(tableOf)
	up := Node{Name: "view:u", Kind: kernel.KindView, Key: cachekey.Key{Node: "view:u", CodeVersion: "c"}, Behavior: kernel.BehaviorRecompute}
	up.KeyText = up.Key.String()
	d.Decide(up, true, nil, nil)
	down := Node{Name: "view:d", Kind: kernel.KindView, Key: cachekey.Key{Node: "view:d", CodeVersion: "c", Dependencies: map[string]string{"view:u": "x"}},
		Preds: []string{"view:u"}, Pending: []string{"view:u"}}
	down.KeyText = down.Key.String()
	x := d.Decide(down, true, &Entry{CacheKey: down.KeyText, Status: RecordSucceeded, RunID: "r", Attempt: 1}, nil)
	if x.Reason != ReasonUpstreamRuns || len(x.Causes[0].Children) != 1 || len(x.RootCauses) != 1 || x.RootCauses[0].Category != CauseBehavior {
		t.Errorf("decision %+v: want the upstream's behavior cause as child and root", x)
	}
}

func TestMemoryNewestWins(t *testing.T) {
	m := NewMemory()
	m.Add(Entry{CacheKey: "k", Node: "n", RunID: "r1", Status: RecordSucceeded}, nil)
	m.Add(Entry{CacheKey: "k", Node: "n", RunID: "r2", Status: RecordFailed, Attempt: 2}, nil)
	l, _ := m.Latest(context.Background(), []string{"k", "nope"})
	h, _ := m.History(context.Background(), []string{"n"})
	if len(l) != 1 || l["k"].RunID != "r2" || h["n"].Succeeded.RunID != "r1" || h["n"].Failed.Attempt != 2 {
		t.Errorf("latest %+v, history %+v", l, h["n"])
	}
}

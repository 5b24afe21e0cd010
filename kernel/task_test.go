package kernel

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

// pipeline: two tables with two scan units each feeding views:
//
//	scan:orders/0, scan:orders/1 -> view:daily -> view:report
//	scan:users/0,  scan:users/1  -> view:active -> view:report
//	view:daily -> view:audit (audit alone)
func pipeline(t *testing.T, behaviors map[string]Behavior, sigs map[string]string) *TaskGraph {
	t.Helper()
	var tasks []Task
	add := func(name string, kind Kind) {
		sig := sigs[name]
		if sig == "" {
			sig = "sig-" + name
		}
		tasks = append(tasks, Task{Name: name, Kind: kind, Signature: sig, Behavior: behaviors[name],
			Inputs: map[string]string{"sig": sig}})
	}
	for _, s := range []string{"scan:orders/0", "scan:orders/1", "scan:users/0", "scan:users/1"} {
		add(s, KindScanUnit)
	}
	for _, v := range []string{"view:daily", "view:active", "view:report", "view:audit"} {
		add(v, KindView)
	}
	deps := []Edge{
		{"scan:orders/0", "view:daily", 1}, {"scan:orders/1", "view:daily", 1},
		{"scan:users/0", "view:active", 1}, {"scan:users/1", "view:active", 1},
		{"view:daily", "view:report", 1}, {"view:active", "view:report", 1},
		{"view:daily", "view:audit", 1},
	}
	tg, err := NewTaskGraph(tasks, deps)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func previousOf(tg *TaskGraph) map[string]Previous {
	prev := map[string]Previous{}
	for _, task := range tg.Tasks() {
		prev[task.Name] = Previous{Signature: task.Signature, Inputs: task.Inputs}
	}
	return prev
}

func staleSet(ds []Decision) []string {
	var out []string
	for _, d := range ds {
		if !d.Fresh {
			out = append(out, d.Name)
		}
	}
	return out
}

func TestOneInputMovesExactlyItsDependents(t *testing.T) {
	base := pipeline(t, nil, nil)
	prev := previousOf(base)
	for _, moved := range base.Graph().Names() {
		cur := pipeline(t, nil, map[string]string{moved: "moved"})
		ds, err := cur.Decide(prev)
		if err != nil {
			t.Fatal(err)
		}
		desc, _ := cur.Graph().Descendants(moved)
		want := slices.Sorted(slices.Values(append(desc, moved)))
		if got := staleSet(ds); !slices.Equal(got, want) {
			t.Errorf("moving %s: stale %v, want %v", moved, got, want)
		}
		for _, d := range ds {
			switch {
			case d.Name == moved && (d.Reason != ReasonSignatureChanged || !slices.Equal(d.Changed, []string{"sig"})):
				t.Errorf("moving %s: its own decision %+v", moved, d)
			case d.Name != moved && !d.Fresh && d.Reason != ReasonUpstreamStale:
				t.Errorf("moving %s: %s stale for %q", moved, d.Name, d.Reason)
			}
		}
	}
	// Nothing moved: everything fresh.
	ds, _ := base.Decide(prev)
	if s := staleSet(ds); len(s) != 0 {
		t.Errorf("unchanged graph has stale nodes %v", s)
	}
}

func TestBehaviors(t *testing.T) {
	base := pipeline(t, nil, nil)
	prev := previousOf(base)
	tests := []struct {
		name      string
		behaviors map[string]Behavior
		sigs      map[string]string
		wantStale []string
		reasons   map[string]Reason
	}{
		{"should recompute view:active and what reads it",
			map[string]Behavior{"view:active": BehaviorRecompute}, nil,
			[]string{"view:active", "view:report"},
			map[string]Reason{"view:active": ReasonRecompute, "view:report": ReasonUpstreamStale}},
		{"should never cache a disabled scan, and stale its dependents",
			map[string]Behavior{"scan:users/1": BehaviorDisable}, nil,
			[]string{"scan:users/1", "view:active", "view:report"},
			map[string]Reason{"scan:users/1": ReasonDisabled, "view:active": ReasonUpstreamStale}},
		{"should keep dependents fresh when a stale node is ignored",
			map[string]Behavior{"view:daily": BehaviorIgnore}, map[string]string{"view:daily": "new"},
			[]string{"view:daily"},
			map[string]Reason{"view:daily": ReasonSignatureChanged, "view:audit": ReasonUnchanged}},
		{"should still propagate past an ignored node from its own upstream",
			map[string]Behavior{"view:daily": BehaviorIgnore}, map[string]string{"scan:orders/0": "new"},
			[]string{"scan:orders/0", "view:daily"},
			map[string]Reason{"view:daily": ReasonUpstreamStale, "view:report": ReasonUnchanged}},
	}
	for _, tt := range tests {
		cur := pipeline(t, tt.behaviors, tt.sigs)
		ds, err := cur.Decide(prev)
		if err != nil {
			t.Fatal(err)
		}
		if got := staleSet(ds); !slices.Equal(got, tt.wantStale) {
			t.Errorf("%s: stale %v, want %v", tt.name, got, tt.wantStale)
		}
		for _, d := range ds {
			if r, ok := tt.reasons[d.Name]; ok && d.Reason != r {
				t.Errorf("%s: %s reason %q, want %q", tt.name, d.Name, d.Reason, r)
			}
		}
	}
}

func TestNewNodeAndAdmission(t *testing.T) {
	cur := pipeline(t, nil, nil)
	prev := previousOf(cur)
	delete(prev, "scan:users/0")
	ds, err := cur.Decide(prev, "view:active")
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(ds)
	want := fmt.Sprint([]Decision{
		{Name: "scan:users/0", Kind: KindScanUnit, Reason: ReasonNew},
		{Name: "scan:users/1", Kind: KindScanUnit, Fresh: true, Reason: ReasonUnchanged},
		{Name: "view:active", Kind: KindView, Reason: ReasonUpstreamStale, Upstream: []string{"scan:users/0"}},
	})
	if got != want {
		t.Errorf("Decide(view:active) =\n%s\nwant\n%s", got, want)
	}
	if _, err := cur.Decide(prev, "view:nope"); !errors.Is(err, ErrUnknownNode) {
		t.Errorf("unknown request: err = %v", err)
	}
	keys, _ := cur.KeyInputs("view:report")
	if !slices.Equal(keys, []string{"view:active", "view:daily"}) {
		t.Errorf("KeyInputs = %v", keys)
	}
}

func TestTaskGraphErrors(t *testing.T) {
	tests := []struct {
		name  string
		tasks []Task
		deps  []Edge
		want  error
	}{
		{"should fail: no kind", []Task{{Name: "a"}}, nil, ErrTask},
		{"should fail: bad behavior", []Task{{Name: "a", Kind: KindView, Behavior: 9}}, nil, ErrTask},
		{"should fail: cycle", []Task{{Name: "a", Kind: KindView}, {Name: "b", Kind: KindView}},
			[]Edge{{"a", "b", 1}, {"b", "a", 1}}, ErrCycle},
		{"should fail: duplicate", []Task{{Name: "a", Kind: KindView}, {Name: "a", Kind: KindView}}, nil, ErrDuplicateNode},
	}
	for _, tt := range tests {
		if _, err := NewTaskGraph(tt.tasks, tt.deps); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	var b Behavior
	for _, s := range []string{"default", "recompute", "disable", "ignore"} {
		if err := b.UnmarshalText([]byte(s)); err != nil || b.String() != s {
			t.Errorf("behavior %q round trip: %v %v", s, b, err)
		}
	}
	if err := b.UnmarshalText([]byte("sometimes")); !errors.Is(err, ErrTask) {
		t.Errorf("bad behavior: err = %v", err)
	}
	var k Kind
	if err := k.UnmarshalText([]byte("view")); err != nil || k != KindView {
		t.Errorf("kind view: %v %v", k, err)
	}
	if err := k.UnmarshalText([]byte("table")); !errors.Is(err, ErrTask) {
		t.Errorf("bad kind: err = %v", err)
	}
}

func TestCriticalPath(t *testing.T) {
	tasks := []Task{
		{Name: "scan:a/0", Kind: KindScanUnit, Weight: 100},
		{Name: "scan:a/1", Kind: KindScanUnit, Weight: 300},
		{Name: "scan:b/0", Kind: KindScanUnit, Weight: 300},
		{Name: "view:x", Kind: KindView},
		{Name: "view:y", Kind: KindView, Weight: 5},
	}
	deps := []Edge{{"scan:a/0", "view:x", 1}, {"scan:a/1", "view:x", 1}, {"scan:b/0", "view:y", 1}, {"view:x", "view:y", 1}}
	tg, err := NewTaskGraph(tasks, deps)
	if err != nil {
		t.Fatal(err)
	}
	p, err := tg.CriticalPath()
	if err != nil {
		t.Fatal(err)
	}
	// scan:a/1 -> view:x -> view:y and scan:b/0 -> view:y both weigh 305;
	// the smaller name sequence wins.
	want := Path{Length: 305, Nodes: []string{"scan:a/1", "view:x", "view:y"}, Count: 2, Tied: true}
	if fmt.Sprint(p) != fmt.Sprint(want) {
		t.Errorf("CriticalPath = %+v, want %+v", p, want)
	}
	if _, err := NewTaskGraph([]Task{{Name: "a", Kind: KindView, Weight: -1}}, nil); !errors.Is(err, ErrNegativeWeight) {
		t.Errorf("negative task weight: err = %v", err)
	}
}

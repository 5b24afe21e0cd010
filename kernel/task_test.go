package kernel

import (
	"errors"
	"fmt"
	"math/rand/v2"
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

func TestAdmissionAndKeyInputs(t *testing.T) {
	cur := pipeline(t, map[string]Behavior{"view:daily": BehaviorIgnore}, nil)
	got, err := cur.Admit("view:active")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"scan:users/0", "scan:users/1", "view:active"}; !slices.Equal(got, want) {
		t.Errorf("Admit(view:active) = %v, want %v", got, want)
	}
	if _, err := cur.Admit("view:nope"); !errors.Is(err, ErrUnknownNode) {
		t.Errorf("unknown request: err = %v", err)
	}
	keys, _ := cur.KeyInputs("view:report")
	if !slices.Equal(keys, []string{"view:active"}) {
		t.Errorf("KeyInputs = %v (an ignored input stays out)", keys)
	}
}

func TestCriticality(t *testing.T) {
	tasks := []Task{
		{Name: "scan:a/0", Kind: KindScanUnit, Weight: 100},
		{Name: "scan:a/1", Kind: KindScanUnit, Weight: 300},
		{Name: "scan:b/0", Kind: KindScanUnit, Weight: 50},
		{Name: "view:x", Kind: KindView},
		{Name: "view:y", Kind: KindView, Weight: 5},
		{Name: "view:z", Kind: KindView, Weight: 7},
	}
	deps := []Edge{{"scan:a/0", "view:x", 1}, {"scan:a/1", "view:x", 1}, {"scan:b/0", "view:y", 1}, {"view:x", "view:y", 1}, {"view:x", "view:z", 1}}
	tg, err := NewTaskGraph(tasks, deps)
	if err != nil {
		t.Fatal(err)
	}
	got := tg.Criticality()
	for _, tt := range []struct {
		name   string
		want   int64
		reason string
	}{
		{"view:y", 5, "a sink weighs itself"},
		{"view:z", 7, "a sink weighs itself"},
		{"view:x", 7, "the heavier of its two sinks"},
		{"scan:a/1", 307, "its bytes plus the heaviest path below"},
		{"scan:a/0", 107, "its bytes plus the heaviest path below"},
		{"scan:b/0", 55, "only view:y below"},
	} {
		if got[tt.name] != tt.want {
			t.Errorf("Criticality[%s] = %d, want %d (%s)", tt.name, got[tt.name], tt.want, tt.reason)
		}
	}
}

// TestCriticalityProperty checks Criticality against brute force: the
// maximum over every path from the node (enumerated by DFS) on random DAGs.
func TestCriticalityProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 20))
	for round := 0; round < 200; round++ {
		n := 1 + rng.IntN(9)
		var tasks []Task
		for i := 0; i < n; i++ {
			tasks = append(tasks, Task{Name: fmt.Sprintf("n%d", i), Kind: KindView, Weight: int64(rng.IntN(20))})
		}
		succ := map[int][]int{}
		var deps []Edge
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				if rng.IntN(3) == 0 {
					deps = append(deps, Edge{tasks[i].Name, tasks[j].Name, 1})
					succ[i] = append(succ[i], j)
				}
			}
		}
		tg, err := NewTaskGraph(tasks, deps)
		if err != nil {
			t.Fatal(err)
		}
		got := tg.Criticality()
		var brute func(i int) int64
		brute = func(i int) int64 {
			var best int64
			for _, j := range succ[i] {
				best = max(best, brute(j))
			}
			return tasks[i].Weight + best
		}
		for i := range tasks {
			if want := brute(i); got[tasks[i].Name] != want {
				t.Fatalf("round %d: Criticality[%s] = %d, brute force %d", round, tasks[i].Name, got[tasks[i].Name], want)
			}
		}
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

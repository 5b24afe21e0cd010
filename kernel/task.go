package kernel

import (
	"fmt"
	"slices"
)

// Kind is what a task-graph node stands for.
type Kind uint8

// Node kinds.
const (
	KindScanUnit Kind = iota + 1 // a scan unit of a Delta table
	KindView                     // a view computed from a plan
)

var kindNames = map[Kind]string{KindScanUnit: "scan_unit", KindView: "view"}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// MarshalText writes the kind's name ("scan_unit", "view").
func (k Kind) MarshalText() ([]byte, error) {
	if _, ok := kindNames[k]; !ok {
		return nil, fmt.Errorf("kind %d: %w", uint8(k), ErrTask)
	}
	return []byte(k.String()), nil
}

// UnmarshalText reads a kind's name.
func (k *Kind) UnmarshalText(b []byte) error {
	for kk, s := range kindNames {
		if s == string(b) {
			*k = kk
			return nil
		}
	}
	return fmt.Errorf("kind %q: %w", b, ErrTask)
}

// Behavior says how a node takes part in caching.
type Behavior uint8

// Behaviors; the zero value is BehaviorDefault.
const (
	// BehaviorDefault: fresh when its signature and upstream are unchanged.
	BehaviorDefault Behavior = iota
	// BehaviorRecompute: always stale; its dependents turn stale too.
	BehaviorRecompute
	// BehaviorDisable: never cached, so always stale, and its dependents
	// turn stale.
	BehaviorDisable
	// BehaviorIgnore: decided like default, but excluded from its
	// dependents' keys: its staleness does not reach them.
	BehaviorIgnore
)

var behaviorNames = []string{"default", "recompute", "disable", "ignore"}

func (b Behavior) String() string {
	if int(b) < len(behaviorNames) {
		return behaviorNames[b]
	}
	return fmt.Sprintf("Behavior(%d)", uint8(b))
}

// MarshalText writes the behavior's name.
func (b Behavior) MarshalText() ([]byte, error) {
	if int(b) >= len(behaviorNames) {
		return nil, fmt.Errorf("behavior %d: %w", uint8(b), ErrTask)
	}
	return []byte(b.String()), nil
}

// UnmarshalText reads a behavior's name; "" means default.
func (b *Behavior) UnmarshalText(t []byte) error {
	if len(t) == 0 {
		*b = BehaviorDefault
		return nil
	}
	i := slices.Index(behaviorNames, string(t))
	if i < 0 {
		return fmt.Errorf("behavior %q (want one of %v): %w", t, behaviorNames, ErrTask)
	}
	*b = Behavior(i)
	return nil
}

// Task is one node of a task graph.
type Task struct {
	Name      string
	Kind      Kind
	Signature string // the node's content signature; equal means unchanged
	Behavior  Behavior
	Weight    int64 // for example the bytes a scan unit reads
	// Inputs are the named components behind Signature (for example
	// "pin:orders" -> "3", "plan" -> a hash, "session" -> a hash). They only
	// explain a changed signature; they never decide freshness.
	Inputs map[string]string
}

// TaskGraph is a DAG of typed tasks; an edge runs from a task to one that
// depends on it.
type TaskGraph struct {
	g     *Graph
	tasks []Task // by node id
}

// NewTaskGraph builds a task graph. Every task needs a valid kind and
// behavior, and the dependencies must be acyclic.
func NewTaskGraph(tasks []Task, deps []Edge) (*TaskGraph, error) {
	names := make([]string, len(tasks))
	for i, t := range tasks {
		if _, ok := kindNames[t.Kind]; !ok {
			return nil, fmt.Errorf("task %q: kind %d: %w", t.Name, uint8(t.Kind), ErrTask)
		}
		if int(t.Behavior) >= len(behaviorNames) {
			return nil, fmt.Errorf("task %q: behavior %d: %w", t.Name, uint8(t.Behavior), ErrTask)
		}
		if t.Weight < 0 {
			return nil, fmt.Errorf("task %q: weight %d: %w", t.Name, t.Weight, ErrNegativeWeight)
		}
		names[i] = t.Name
	}
	g, err := New(names, deps)
	if err != nil {
		return nil, fmt.Errorf("task graph: %w", err)
	}
	if _, _, err := g.order(); err != nil {
		return nil, fmt.Errorf("task graph: %w", err)
	}
	tg := &TaskGraph{g: g, tasks: make([]Task, len(tasks))}
	for _, t := range tasks {
		tg.tasks[g.index[t.Name]] = t
	}
	return tg, nil
}

// Graph returns the underlying graph for the analyses.
func (t *TaskGraph) Graph() *Graph { return t.g }

// Tasks returns the tasks sorted by name.
func (t *TaskGraph) Tasks() []Task { return slices.Clone(t.tasks) }

// Task returns the named task.
func (t *TaskGraph) Task(name string) (Task, bool) {
	id, ok := t.g.index[name]
	if !ok {
		return Task{}, false
	}
	return t.tasks[id], true
}

// NodeSignatures returns each task's signature by name, for Graph.Signature.
func (t *TaskGraph) NodeSignatures() map[string]string {
	m := make(map[string]string, len(t.tasks))
	for _, task := range t.tasks {
		m[task.Name] = task.Signature
	}
	return m
}

// CriticalPath returns the path whose tasks weigh the most in total (for
// example the most bytes read along a chain of dependencies); edge weights do
// not count. Ties are broken as documented on Path.
func (t *TaskGraph) CriticalPath() (Path, error) {
	return t.g.longest(func(int32) int64 { return 0 }, func(v int32) int64 { return t.tasks[v].Weight })
}

// KeyInputs returns the direct predecessors of name that belong in its
// cache key: all of them except those with BehaviorIgnore. Sorted.
func (t *TaskGraph) KeyInputs(name string) ([]string, error) {
	v, err := t.g.lookup(name)
	if err != nil {
		return nil, fmt.Errorf("key inputs: %w", err)
	}
	out := []string{}
	for _, p := range t.g.inFrom[t.g.inStart[v]:t.g.inStart[v+1]] {
		if t.tasks[p].Behavior != BehaviorIgnore {
			out = append(out, t.g.names[p])
		}
	}
	return out, nil
}

// Admit returns the requested tasks and all their ancestors, sorted: what
// must run to produce them. No request admits every task.
func (t *TaskGraph) Admit(requested ...string) ([]string, error) {
	if len(requested) == 0 {
		return t.g.Names(), nil
	}
	return t.g.WithAncestors(requested...)
}

// Criticality returns, per task name, the weight of the heaviest path from
// the task to a sink, the task's own weight included (edge weights do not
// count): how much work still depends on starting it. A scheduler that
// starts the most critical ready task first starts the critical path first.
func (t *TaskGraph) Criticality() map[string]int64 {
	topo, _, _ := t.g.order() // acyclic: checked by NewTaskGraph
	crit := make([]int64, len(t.tasks))
	for i := len(topo) - 1; i >= 0; i-- {
		v := topo[i]
		var best int64
		for _, s := range t.g.outTo[t.g.outStart[v]:t.g.outStart[v+1]] {
			best = max(best, crit[s])
		}
		crit[v] = t.tasks[v].Weight + best
	}
	out := make(map[string]int64, len(crit))
	for v, c := range crit {
		out[t.g.names[v]] = c
	}
	return out
}

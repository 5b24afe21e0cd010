package kernel

import (
	"errors"
	"strings"
)

// Sentinel errors; callers tell cases apart with errors.Is.
var (
	// ErrCycle: the graph has a directed cycle, so no DAG analysis applies.
	// The returned error is a *CycleError naming the cycle.
	ErrCycle = errors.New("graph has a cycle")
	// ErrDuplicateNode: a node name appears twice in the node list.
	ErrDuplicateNode = errors.New("duplicate node")
	// ErrEmptyName: a node name is the empty string.
	ErrEmptyName = errors.New("empty node name")
	// ErrUnknownNode: an edge or a query names a node that is not in the graph.
	ErrUnknownNode = errors.New("unknown node")
	// ErrDuplicateEdge: the same (from, to) pair appears twice.
	ErrDuplicateEdge = errors.New("duplicate edge")
	// ErrNegativeWeight: an edge weight is below zero.
	ErrNegativeWeight = errors.New("negative edge weight")
	// ErrWeightOverflow: a path weight does not fit in an int64.
	ErrWeightOverflow = errors.New("path weight overflows int64")
	// ErrBadInitial: the initial set of a lexicographic sort has an order
	// among its own members (one reaches another), which rustworkx rejects.
	ErrBadInitial = errors.New("initial nodes are not an antichain")
	// ErrFormat: the graph JSON is malformed.
	ErrFormat = errors.New("malformed graph JSON")
	// ErrSchedule: the scheduler was told a node is done that was not handed
	// out by Ready, or was already done.
	ErrSchedule = errors.New("scheduler misuse")
	// ErrTask: a task graph node has an invalid kind or behavior.
	ErrTask = errors.New("invalid task")
)

// CycleError names the nodes of one directed cycle, in edge order: each node
// has an edge to the next and the last has an edge to the first. The witness
// is deterministic: it is the first cycle met by a depth-first search that
// starts from the smallest name and visits successors by name.
type CycleError struct {
	Nodes []string
}

func (e *CycleError) Error() string {
	if len(e.Nodes) == 0 {
		return ErrCycle.Error()
	}
	return "graph has a cycle: " + strings.Join(e.Nodes, " -> ") + " -> " + e.Nodes[0]
}

// Is makes errors.Is(err, ErrCycle) true.
func (e *CycleError) Is(target error) bool { return target == ErrCycle }

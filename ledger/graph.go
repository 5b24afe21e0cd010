package ledger

import (
	"container/heap"
	"fmt"
	"slices"
)

// topoOrder returns names in topological order of edges (from before to),
// the smallest name first among the ready ones, or an error naming a node
// on a cycle.
func topoOrder(names []string, edges [][2]string) ([]string, error) {
	indeg := make(map[string]int, len(names))
	succ := make(map[string][]string, len(names))
	for _, n := range names {
		indeg[n] = 0
	}
	for _, e := range edges {
		succ[e[0]] = append(succ[e[0]], e[1])
		indeg[e[1]]++
	}
	ready := &nameHeap{}
	for _, n := range names {
		if indeg[n] == 0 {
			*ready = append(*ready, n)
		}
	}
	heap.Init(ready)
	out := make([]string, 0, len(names))
	for ready.Len() > 0 {
		n := heap.Pop(ready).(string)
		out = append(out, n)
		for _, m := range succ[n] {
			if indeg[m]--; indeg[m] == 0 {
				heap.Push(ready, m)
			}
		}
	}
	if len(out) != len(names) {
		var stuck []string
		for _, n := range names {
			if indeg[n] > 0 {
				stuck = append(stuck, n)
			}
		}
		slices.Sort(stuck)
		return nil, fmt.Errorf("edges form a cycle (%d nodes never become ready, first %q)", len(stuck), stuck[0])
	}
	return out, nil
}

type nameHeap []string

func (h nameHeap) Len() int           { return len(h) }
func (h nameHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h nameHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *nameHeap) Push(x any)        { *h = append(*h, x.(string)) }
func (h *nameHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

package kernel

import (
	"fmt"
	"slices"
)

// Scheduler hands out nodes as their predecessors finish, like Python's
// graphlib.TopologicalSorter: call Ready for the nodes that may run now,
// Done as they finish, until Active is false. Ready batches are sorted by
// name. A Scheduler is not safe for concurrent use.
type Scheduler struct {
	g       *Graph
	pending []int32 // predecessors not yet done
	state   []uint8
	ready   []int32 // ready, not yet handed out
	out     int     // handed out, not done
	left    int     // not done
}

const (
	stWaiting uint8 = iota
	stReady
	stOut
	stDone
)

// NewScheduler starts a schedule over a DAG.
func NewScheduler(g *Graph) (*Scheduler, error) {
	if _, _, err := g.order(); err != nil {
		return nil, err
	}
	n := len(g.names)
	s := &Scheduler{g: g, pending: make([]int32, n), state: make([]uint8, n), left: n}
	for v := 0; v < n; v++ {
		s.pending[v] = g.inStart[v+1] - g.inStart[v]
		if s.pending[v] == 0 {
			s.state[v] = stReady
			s.ready = append(s.ready, int32(v))
		}
	}
	return s, nil
}

// Ready returns the nodes that became ready since the last call, sorted by
// name; it is empty while everything ready is already handed out.
func (s *Scheduler) Ready() []string {
	slices.Sort(s.ready)
	for _, v := range s.ready {
		s.state[v] = stOut
	}
	s.out += len(s.ready)
	names := s.g.idNames(s.ready)
	s.ready = s.ready[:0]
	return names
}

// Done marks handed-out nodes finished, readying their successors. Naming a
// node that is unknown, not handed out, or already done is an error
// (ErrSchedule or ErrUnknownNode); nodes before it in the list stay done.
func (s *Scheduler) Done(names ...string) error {
	for _, name := range names {
		u, err := s.g.lookup(name)
		if err != nil {
			return fmt.Errorf("done: %w", err)
		}
		switch s.state[u] {
		case stDone:
			return fmt.Errorf("done %q twice: %w", name, ErrSchedule)
		case stWaiting, stReady:
			return fmt.Errorf("done %q before Ready handed it out: %w", name, ErrSchedule)
		}
		s.state[u] = stDone
		s.out--
		s.left--
		g := s.g
		for _, v := range g.outTo[g.outStart[u]:g.outStart[u+1]] {
			s.pending[v]--
			if s.pending[v] == 0 {
				s.state[v] = stReady
				s.ready = append(s.ready, v)
			}
		}
	}
	return nil
}

// Active reports whether any node is still not done.
func (s *Scheduler) Active() bool { return s.left > 0 }

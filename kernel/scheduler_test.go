package kernel

import (
	"errors"
	"slices"
	"testing"
)

func TestSchedulerRunsEverythingInOrder(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		if !fx.want.IsDAG {
			continue
		}
		g := fx.g
		s, err := NewScheduler(g)
		if err != nil {
			t.Fatalf("%s: %v", fx.name, err)
		}
		doneAt := map[string]int{}
		step := 0
		var batches [][]string
		for s.Active() {
			ready := s.Ready()
			if len(ready) == 0 {
				t.Fatalf("%s: active but nothing ready at step %d", fx.name, step)
			}
			if !slices.IsSorted(ready) {
				t.Fatalf("%s: batch not sorted: %v", fx.name, ready)
			}
			for _, name := range ready {
				doneAt[name] = step
			}
			if err := s.Done(ready...); err != nil {
				t.Fatal(err)
			}
			batches = append(batches, ready)
			step++
		}
		if len(doneAt) != g.Len() {
			t.Fatalf("%s: ran %d of %d nodes", fx.name, len(doneAt), g.Len())
		}
		for _, e := range g.EdgeList() {
			if doneAt[e.From] >= doneAt[e.To] {
				t.Fatalf("%s: %s ran before its predecessor %s", fx.name, e.To, e.From)
			}
		}
		// Finishing whole batches at once gives the generations.
		if !equalJSON(batches, fx.want.Generations) {
			t.Errorf("%s: batches differ from the generations", fx.name)
		}
	}
}

func TestSchedulerMisuse(t *testing.T) {
	g := mustNew(t, []string{"a", "b"}, []Edge{{"a", "b", 1}})
	tests := []struct {
		name string
		run  func(s *Scheduler) error
		want error
	}{
		{"should fail: done before ready", func(s *Scheduler) error { return s.Done("a") }, ErrSchedule},
		{"should fail: done while waiting", func(s *Scheduler) error { s.Ready(); return s.Done("b") }, ErrSchedule},
		{"should fail: done twice", func(s *Scheduler) error { s.Ready(); _ = s.Done("a"); return s.Done("a") }, ErrSchedule},
		{"should fail: unknown", func(s *Scheduler) error { return s.Done("zz") }, ErrUnknownNode},
		{"should pass: in order", func(s *Scheduler) error {
			s.Ready()
			if err := s.Done("a"); err != nil {
				return err
			}
			if r := s.Ready(); !slices.Equal(r, []string{"b"}) {
				return errors.New("b not ready")
			}
			return s.Done("b")
		}, nil},
	}
	for _, tt := range tests {
		s, err := NewScheduler(g)
		if err != nil {
			t.Fatal(err)
		}
		if err := tt.run(s); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}

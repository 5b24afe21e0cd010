package ledger

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSavePlanRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s := openTemp(t)
		in := chainRun("r1", time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.FixedZone("X", 3600)))
		want := chainRun("r1", in.CreatedAt)
		if err := s.SavePlan(ctx, in); err != nil {
			t.Fatal(err)
		}
		got, err := s.Run(ctx, "r1")
		if err != nil {
			t.Fatal(err)
		}
		if !got.CreatedAt.Equal(time.Date(2026, 3, 1, 11, 0, 0, 123000000, time.UTC)) || got.CreatedAt.Location() != time.UTC {
			t.Errorf("CreatedAt = %v, want UTC at millisecond precision", got.CreatedAt)
		}
		for i, n := range got.Nodes {
			if i > 0 && got.Nodes[i-1].Name >= n.Name {
				t.Errorf("nodes not sorted: %q before %q", got.Nodes[i-1].Name, n.Name)
			}
			for _, w := range want.Nodes {
				if w.Name != n.Name {
					continue
				}
				if !bytes.Equal(w.Detail, n.Detail) {
					t.Errorf("node %s: detail %q, want byte-identical %q", n.Name, n.Detail, w.Detail)
				}
				if w.Pending == nil {
					w.Pending = []string{}
				}
				if !reflect.DeepEqual(w, n) {
					t.Errorf("node %s:\n got %+v\nwant %+v", n.Name, n, w)
				}
			}
		}
		wantEdges := [][2]string{{"scan:a", "view:x"}, {"scan:a", "view:z"}, {"view:x", "view:w"}, {"view:x", "view:y"}, {"view:y", "view:z"}}
		if !reflect.DeepEqual(got.Edges, wantEdges) {
			t.Errorf("edges = %v, want sorted %v", got.Edges, wantEdges)
		}
		if got.Workflow != "wf.json" || got.Signature != "sig-r1" || !reflect.DeepEqual(got.Requested, []string{"z"}) ||
			!reflect.DeepEqual(got.Generations, want.Generations) {
			t.Errorf("run fields: %+v", got)
		}
		if err := s.SavePlan(ctx, chainRun("r1", t0)); !errors.Is(err, ErrDuplicate) {
			t.Errorf("should refuse a stored run id with ErrDuplicate: %v", err)
		}
		if _, err := s.Run(ctx, "nope"); !errors.Is(err, ErrUnknownRun) {
			t.Errorf("should be ErrUnknownRun: %v", err)
		}
	})
}

func TestSavePlanRejectsInvalidRuns(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		tests := []struct {
			name   string
			edit   func(r *Run)
			reason string
		}{
			{"empty id", func(r *Run) { r.ID = "" }, "should reject: empty run id"},
			{"duplicate node", func(r *Run) { r.Nodes = append(r.Nodes, r.Nodes[0]) }, "should reject: node listed twice"},
			{"empty name", func(r *Run) { r.Nodes[4].Name = "" }, "should reject: node without name"},
			{"bad kind", func(r *Run) { r.Nodes[0].Kind = "table" }, "should reject: kind table"},
			{"bad behavior", func(r *Run) { r.Nodes[0].Behavior = "" }, "should reject: empty behavior"},
			{"admitted without status", func(r *Run) { r.Nodes[0].Status = "" }, "should reject: admitted with no status"},
			{"admitted bad generation", func(r *Run) { r.Nodes[0].Generation = -1 }, "should reject: admitted with generation -1"},
			{"not admitted with status", func(r *Run) { r.Nodes[4].Status = "fresh" }, "should reject: status on a node not admitted"},
			{"not admitted generation", func(r *Run) { r.Nodes[4].Generation = 0 }, "should reject: generation on a node not admitted"},
			{"edge to unknown", func(r *Run) { r.Edges = append(r.Edges, [2]string{"view:z", "view:nope"}) }, "should reject: edge to no node"},
			{"duplicate edge", func(r *Run) { r.Edges = append(r.Edges, r.Edges[0]) }, "should reject: edge twice"},
			{"cycle", func(r *Run) { r.Edges = append(r.Edges, [2]string{"view:z", "scan:a"}) }, "should reject: a cycle"},
			{"dependency without edge", func(r *Run) { r.Nodes[2].Dependencies["view:y"] = "k" }, "should reject: dependency with no edge"},
			{"pending not dependency", func(r *Run) { r.Nodes[2].Pending = []string{"view:w"} }, "should reject: pending that is no dependency"},
			{"bad detail", func(r *Run) { r.Nodes[0].Detail = []byte(`{"a":`) }, "should reject: detail not JSON"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := openTemp(t)
				r := chainRun("r1", t0)
				tt.edit(r)
				err := s.SavePlan(context.Background(), r)
				if !errors.Is(err, ErrFormat) {
					t.Fatalf("%s: got %v", tt.reason, err)
				}
				if !strings.Contains(err.Error(), s.Path()) {
					t.Errorf("error does not name the store: %v", err)
				}
				if n := count(t, s, "runs") + count(t, s, "plan"); n != 0 {
					t.Errorf("%s: %d rows stored", tt.reason, n)
				}
			})
		}
	})
}

func TestRuns(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s := openTemp(t)
		for _, r := range []*Run{chainRun("b", t0), chainRun("a", t0), chainRun("c", t0.Add(-time.Hour))} {
			if err := s.SavePlan(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Record(ctx, &Results{RunID: "a", Tasks: []TaskResult{{Name: "scan:a", Status: "succeeded"}, {Name: "view:x", Status: "failed"}}}, fakeRekey); err != nil {
			t.Fatal(err)
		}
		runs, err := s.Runs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []RunInfo{
			{ID: "c", CreatedAt: t0.Add(-time.Hour), Workflow: "wf.json", Nodes: 5, Recorded: 0},
			{ID: "a", CreatedAt: t0, Workflow: "wf.json", Nodes: 5, Recorded: 2},
			{ID: "b", CreatedAt: t0, Workflow: "wf.json", Nodes: 5, Recorded: 0},
		}
		if !reflect.DeepEqual(runs, want) {
			t.Errorf("Runs =\n%+v\nwant (by created_at, id)\n%+v", runs, want)
		}
	})
}

func TestNewRunID(t *testing.T) {
	a, b := NewRunID(), NewRunID()
	if a == b {
		t.Fatalf("two ids equal: %s", a)
	}
	if len(a) != len("run-20060102T150405Z-01234567") || !strings.HasPrefix(a, "run-") {
		t.Errorf("id %q has not the form run-YYYYMMDDTHHMMSSZ-xxxxxxxx", a)
	}
	if _, err := time.Parse("20060102T150405Z", a[4:20]); err != nil {
		t.Errorf("id %q: %v", a, err)
	}
}

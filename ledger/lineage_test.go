package ledger

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

func TestLineage(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s := openTemp(t)
		// "b" is created first: rows sort by created_at before id.
		if err := s.SavePlan(ctx, chainRun("b", t0)); err != nil {
			t.Fatal(err)
		}
		if err := s.SavePlan(ctx, chainRun("a", t0.Add(1e6))); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Record(ctx, &Results{RunID: "b", Tasks: []TaskResult{
			{Name: "view:x", Status: "succeeded", DataVersion: str("dvx")},
			{Name: "view:y", Status: "succeeded"},
			{Name: "view:w", Status: "succeeded"},
		}}, fakeRekey); err != nil {
			t.Fatal(err)
		}
		yKey, _ := fakeRekey("k:y", map[string]string{"view:x": "dvx"})
		rows, err := s.Lineage(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, r := range rows {
			order = append(order, r.RunID+"/"+r.Node)
		}
		wantOrder := []string{"b/scan:a", "b/view:x", "b/view:y", "b/view:z", "a/scan:a", "a/view:x", "a/view:y", "a/view:z"}
		if !reflect.DeepEqual(order, wantOrder) {
			t.Errorf("order = %v, want %v (by created_at, id, node; view:w not admitted)", order, wantOrder)
		}
		want := map[string]LineageRow{
			"b/scan:a": {RunID: "b", Node: "scan:a", CacheKey: "k:a", CodeVersion: "ca", DataVersion: "da",
				DependenciesDataVersions: map[string]string{}, Status: "planned"}, // the node's DataVersion
			"b/view:x": {RunID: "b", Node: "view:x", CacheKey: "k:x", CodeVersion: "cx", DataVersion: "dvx",
				DependenciesDataVersions: map[string]string{"scan:a": "da"}, Status: "succeeded"}, // recorded
			"b/view:y": {RunID: "b", Node: "view:y", CacheKey: yKey, CodeVersion: "cy", DataVersion: yKey,
				DependenciesDataVersions: map[string]string{"view:x": "dvx"}, Status: "succeeded"}, // re-keyed; none recorded: the key
			"b/view:z": {RunID: "b", Node: "view:z", CacheKey: "k:z", CodeVersion: "cz", DataVersion: "k:z",
				DependenciesDataVersions: map[string]string{"view:y": "k:y", "scan:a": "da"}, Status: "planned"},
		}
		for _, r := range rows {
			if w, ok := want[r.RunID+"/"+r.Node]; ok && !reflect.DeepEqual(r, w) {
				t.Errorf("row %s/%s\n got %+v\nwant %+v", r.RunID, r.Node, r, w)
			}
		}
		one, err := s.Lineage(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		if len(one) != 4 || one[0].RunID != "a" {
			t.Errorf("Lineage(a) = %v", one)
		}
		if _, err := s.Lineage(ctx, "nope"); !errors.Is(err, ErrUnknownRun) {
			t.Errorf("should be ErrUnknownRun: %v", err)
		}
	})
}

func TestDrift(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		all := func(extra ...TaskResult) []TaskResult {
			base := []TaskResult{
				{Name: "scan:a", Status: "succeeded", StartedAt: at(0), EndedAt: at(1), Group: num(0)},
				{Name: "view:x", Status: "succeeded", StartedAt: at(1), EndedAt: at(2), Group: num(1)},
				{Name: "view:y", Status: "succeeded", StartedAt: at(2), EndedAt: at(3), Group: num(2)},
				{Name: "view:z", Status: "succeeded", StartedAt: at(3), EndedAt: at(4), Group: num(3)},
			}
			for _, e := range extra {
				replaced := false
				for i := range base {
					if base[i].Name == e.Name {
						base[i], replaced = e, true
					}
				}
				if !replaced {
					base = append(base, e)
				}
			}
			return base
		}
		without := func(tasks []TaskResult, name string) []TaskResult {
			var out []TaskResult
			for _, t := range tasks {
				if t.Name != name {
					out = append(out, t)
				}
			}
			return out
		}
		tests := []struct {
			name   string
			tasks  []TaskResult
			want   Drift
			reason string
		}{
			{"clean", all(), Drift{Clean: true}, "should be clean: everything admitted ran in order"},
			{"admitted not reported", without(all(TaskResult{Name: "view:z", Status: "skipped", StartedAt: at(4), EndedAt: at(5), Group: num(3)}), "view:y"),
				Drift{AdmittedNotReported: []string{"view:y"}, Failures: []Failure{{"view:z", "skipped"}}},
				"should list view:y; z is checked against x through unreported y and is in order"},
			{"nothing reported", nil, Drift{AdmittedNotReported: []string{"view:x", "view:y", "view:z"}},
				"should list every admitted task planned to run (scan:a is fresh)"},
			{"reported not admitted", all(TaskResult{Name: "view:w", Status: "succeeded", StartedAt: at(2), EndedAt: at(3)}),
				Drift{ReportedNotAdmitted: []string{"view:w"}}, "should list view:w"},
			{"failures", all(TaskResult{Name: "view:y", Status: "failed"}, TaskResult{Name: "view:z", Status: "skipped"}),
				Drift{Failures: []Failure{{"view:y", "failed"}, {"view:z", "skipped"}}}, "should list failed and skipped"},
			{"started before predecessor ended", all(TaskResult{Name: "view:y", Status: "succeeded", StartedAt: at(1.5), EndedAt: at(3)}),
				Drift{OrderViolations: []Violation{{"view:y", "view:x", "started 2026-01-01T00:00:01.5Z before predecessor ended 2026-01-01T00:00:02Z"}}},
				"should flag y: started at 1.5 s, x ended at 2 s"},
			{"group not after", all(TaskResult{Name: "view:z", Status: "succeeded", Group: num(2)}),
				Drift{OrderViolations: []Violation{{"view:z", "view:y", "group 2 not after predecessor's group 2"}}},
				"should flag z: same group as y (scan:a's group 0 is fine)"},
			{"through unreported ancestor", without(all(TaskResult{Name: "view:z", Status: "failed", StartedAt: at(1.25), Group: num(1)}), "view:y"),
				Drift{AdmittedNotReported: []string{"view:y"}, Failures: []Failure{{"view:z", "failed"}}, OrderViolations: []Violation{
					{"view:z", "view:x", "group 1 not after predecessor's group 1"},
					{"view:z", "view:x", "started 2026-01-01T00:00:01.25Z before predecessor ended 2026-01-01T00:00:02Z"},
				}}, "should flag z against x through unreported y"},
			{"no times or groups", []TaskResult{{Name: "scan:a", Status: "succeeded"}, {Name: "view:x", Status: "succeeded"},
				{Name: "view:y", Status: "succeeded"}, {Name: "view:z", Status: "succeeded"}}, Drift{Clean: true},
				"should be clean: nothing to compare"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := context.Background()
				s := openTemp(t)
				if err := s.SavePlan(ctx, chainRun("r1", t0)); err != nil {
					t.Fatal(err)
				}
				if len(tt.tasks) > 0 {
					if _, err := s.Record(ctx, &Results{RunID: "r1", Tasks: tt.tasks}, fakeRekey); err != nil {
						t.Fatal(err)
					}
				}
				got, err := s.Drift(ctx, "r1")
				if err != nil {
					t.Fatal(err)
				}
				want := tt.want
				want.RunID = "r1"
				for _, l := range []*[]string{&want.AdmittedNotReported, &want.ReportedNotAdmitted} {
					if *l == nil {
						*l = []string{}
					}
				}
				if want.Failures == nil {
					want.Failures = []Failure{}
				}
				if want.OrderViolations == nil {
					want.OrderViolations = []Violation{}
				}
				if !reflect.DeepEqual(*got, want) {
					t.Errorf("%s:\n got %+v\nwant %+v", tt.reason, *got, want)
				}
			})
		}
		s := openTemp(t)
		if _, err := s.Drift(context.Background(), "nope"); !errors.Is(err, ErrUnknownRun) {
			t.Errorf("should be ErrUnknownRun: %v", err)
		}
	})
}

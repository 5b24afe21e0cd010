package ledger

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

// TestPruneKeepsWhatFreshnessNeeds: the newest run's lookups (Latest of its
// keys, History of its nodes) answer the same after pruning every older
// run, while superseded records, plans and unreferenced keys go.
func TestPruneKeepsWhatFreshnessNeeds(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s := openTemp(t)
		all := func(run string, failX bool) *Results {
			x := "succeeded"
			if failX {
				x = "failed"
			}
			return &Results{RunID: run, Tasks: []TaskResult{{Name: "scan:a", Status: "succeeded"}, {Name: "view:x", Status: x},
				{Name: "view:y", Status: "skipped"}, {Name: "view:z", Status: "skipped"}}}
		}
		// r1 and r2 plan the same keys and record them; r2's records are
		// newer. r0 planned a scan key nothing plans again. r3, newest,
		// plans the same keys and records nothing.
		r0 := chainRun("r0", t0)
		r0.Nodes[1].CacheKey = "k:a-old"
		for i, r := range []*Run{r0, chainRun("r1", t0.Add(time.Hour)), chainRun("r2", t0.Add(2*time.Hour)), chainRun("r3", t0.Add(3*time.Hour))} {
			if err := s.SavePlan(ctx, r); err != nil {
				t.Fatal(err)
			}
			if i < 3 {
				if _, err := s.Record(ctx, all(r.ID, i == 1), fakeRekey); err != nil {
					t.Fatal(err)
				}
			}
		}
		newest, err := s.Run(ctx, "r3")
		if err != nil {
			t.Fatal(err)
		}
		var keys, names []string
		for _, n := range newest.Nodes {
			keys, names = append(keys, n.CacheKey), append(names, n.Name)
		}
		lookups := func() (map[string]Entry, map[string]History) {
			t.Helper()
			l, err := s.Latest(ctx, keys)
			if err != nil {
				t.Fatal(err)
			}
			h, err := s.History(ctx, names)
			if err != nil {
				t.Fatal(err)
			}
			return l, h
		}
		latest, hist := lookups()
		before := count(t, s, "records")

		if _, err := s.Prune(ctx, PruneOptions{}); !errors.Is(err, ErrFormat) {
			t.Errorf("prune without a criterion: %v, want ErrFormat", err)
		}
		sum, err := s.Prune(ctx, PruneOptions{KeepRuns: 1})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(sum.Runs, []string{"r0", "r1", "r2"}) {
			t.Errorf("pruned %v, want r0 r1 r2", sum.Runs)
		}
		l2, h2 := lookups()
		if !reflect.DeepEqual(latest, l2) || !reflect.DeepEqual(hist, h2) {
			t.Errorf("the newest run's lookups changed:\n before %+v\n %+v\n after %+v\n %+v", latest, hist, l2, h2)
		}
		// r2's records are the newest of every key, and r1's failure of
		// view:x the newest failure: both stay; r0's and r1's other records
		// go, and r0's key with them.
		if after := count(t, s, "records"); after >= before || sum.Records != int64(before-after) {
			t.Errorf("records %d -> %d (summary %d): superseded records should go", before, after, sum.Records)
		}
		if !reflect.DeepEqual(sum.KeptForRecords, []string{"r1", "r2"}) {
			t.Errorf("kept for records %v, want r1 r2", sum.KeptForRecords)
		}
		if _, err := s.Run(ctx, "r0"); !errors.Is(err, ErrUnknownRun) {
			t.Errorf("r0 should be gone: %v", err)
		}
		if got, _ := s.Latest(ctx, []string{"k:a-old"}); len(got) != 0 || sum.Keys == 0 {
			t.Errorf("r0's key should be gone (summary %d keys): %v", sum.Keys, got)
		}
		if n := count(t, s, "plan"); n != len(newest.Nodes) {
			t.Errorf("%d plan rows left, want the newest run's %d", n, len(newest.Nodes))
		}
		// By age: nothing is older than a day.
		if sum, err := s.Prune(ctx, PruneOptions{OlderThan: 24 * time.Hour, Now: t0.Add(4 * time.Hour)}); err != nil || len(sum.Runs) != 0 {
			t.Errorf("prune by age: %+v %v", sum, err)
		}
	})
}

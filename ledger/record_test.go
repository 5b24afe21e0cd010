package ledger

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestRecordSummary(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s := openTemp(t)
		if err := s.SavePlan(ctx, chainRun("r1", t0)); err != nil {
			t.Fatal(err)
		}
		sum, err := s.Record(ctx, &Results{RunID: "r1", Tasks: []TaskResult{
			{Name: "view:x", Status: "failed"},
			{Name: "scan:a", Status: "succeeded", DataVersion: str("da2")},
			{Name: "view:w", Status: "skipped"},
		}}, fakeRekey)
		if err != nil {
			t.Fatal(err)
		}
		want := &RecordSummary{RunID: "r1", Recorded: 3, Succeeded: 1, Failed: 1, Skipped: 1, Rekeyed: []string{},
			Records: []Recorded{
				{Name: "scan:a", Attempt: 1, Status: "succeeded", PlannedKey: "k:a", CacheKey: "k:a", DataVersion: "da2"},
				{Name: "view:w", Attempt: 1, Status: "skipped", PlannedKey: "k:w", CacheKey: "k:w"},
				{Name: "view:x", Attempt: 1, Status: "failed", PlannedKey: "k:x", CacheKey: "k:x"},
			}}
		if !reflect.DeepEqual(sum, want) {
			t.Errorf("summary\n got %+v\nwant %+v", sum, want)
		}
	})
}

func TestRecordErrorsRecordNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ok := TaskResult{Name: "scan:a", Status: "succeeded"}
		tests := []struct {
			name   string
			res    *Results
			rekey  RekeyFunc
			want   error
			names  string
			reason string
		}{
			{"unknown run", &Results{RunID: "nope", Tasks: []TaskResult{ok}}, fakeRekey, ErrUnknownRun, `"nope"`, "should fail: no such run"},
			{"unknown task", &Results{RunID: "r1", Tasks: []TaskResult{ok, {Name: "view:nope", Status: "failed"}}}, fakeRekey,
				ErrUnknownTask, `"view:nope"`, "should fail: not a node of the run"},
			{"task twice", &Results{RunID: "r1", Tasks: []TaskResult{ok, ok}}, fakeRekey, ErrDuplicate, `"scan:a"`, "should fail: task listed twice"},
			{"already recorded", &Results{RunID: "r1", Tasks: []TaskResult{ok, {Name: "view:y", Status: "failed"}}}, fakeRekey,
				ErrDuplicate, `"view:y"`, "should fail: view:y was recorded by an earlier Record"},
			{"bad status", &Results{RunID: "r1", Tasks: []TaskResult{ok, {Name: "view:x", Status: "ok"}}}, fakeRekey,
				ErrFormat, `"view:x"`, "should fail: status ok"},
			{"same attempt twice", &Results{RunID: "r1", Tasks: []TaskResult{{Name: "view:x", Status: "succeeded", Attempt: num(1)}}}, fakeRekey,
				ErrDuplicate, `"view:x"`, "should fail: attempt 1 of view:x is recorded"},
			{"inconsistent", &Results{RunID: "r1", Tasks: []TaskResult{{Name: "view:y", Status: "failed", Attempt: num(2)}, {Name: "view:z", Status: "succeeded"}}}, fakeRekey,
				ErrInconsistent, `view:z succeeded but its input view:y failed (attempt 2)`, "should fail: z succeeded while its input x's highest attempt failed"},
			{"empty data version", &Results{RunID: "r1", Tasks: []TaskResult{{Name: "scan:a", Status: "succeeded", DataVersion: str("")}}}, fakeRekey,
				ErrFormat, `"scan:a"`, "should fail: empty data_version"},
			{"rekey fails", &Results{RunID: "r1", Tasks: []TaskResult{ok, {Name: "view:z", Status: "succeeded"}}},
				func(string, map[string]string) (string, error) { return "", errBoom }, errBoom, `"view:z"`, "should fail: rekey fails"},
			{"rekey missing", &Results{RunID: "r1", Tasks: []TaskResult{ok, {Name: "view:z", Status: "succeeded"}}},
				nil, ErrFormat, `"view:z"`, "should fail: re-keying needed but no rekey"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := context.Background()
				s := openTemp(t)
				if err := s.SavePlan(ctx, chainRun("r1", t0)); err != nil {
					t.Fatal(err)
				}
				// view:x and view:y succeeded earlier (a second Record of this run).
				if _, err := s.Record(ctx, &Results{RunID: "r1", Tasks: []TaskResult{{Name: "view:x", Status: "succeeded"}, {Name: "view:y", Status: "succeeded"}}}, fakeRekey); err != nil {
					t.Fatal(err)
				}
				before := count(t, s, "records") + count(t, s, "keys")
				_, err := s.Record(ctx, tt.res, tt.rekey)
				if !errors.Is(err, tt.want) {
					t.Fatalf("%s: got %v, want %v", tt.reason, err, tt.want)
				}
				if !strings.Contains(err.Error(), tt.names) {
					t.Errorf("error %q does not name %s", err, tt.names)
				}
				if after := count(t, s, "records") + count(t, s, "keys"); after != before {
					t.Errorf("%s: rows %d -> %d; nothing should be recorded", tt.reason, before, after)
				}
			})
		}
	})
}

var errBoom = errors.New("boom")

func TestRecordRekeysThroughPendingChain(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		// Expected keys: y's pending view:x takes x's recorded data version;
		// z's pending view:y has none recorded, so takes y's final key;
		// z's scan:a is not pending and keeps its planned "da".
		yKey, _ := fakeRekey("k:y", map[string]string{"view:x": "dvx"})
		zKey, _ := fakeRekey("k:z", map[string]string{"view:y": yKey, "scan:a": "da"})
		x := TaskResult{Name: "view:x", Status: "succeeded", DataVersion: str("dvx")}
		y := TaskResult{Name: "view:y", Status: "succeeded"}
		z := TaskResult{Name: "view:z", Status: "succeeded"}
		a := TaskResult{Name: "scan:a", Status: "succeeded", DataVersion: str("da-recorded")}
		tests := []struct {
			name    string
			batches [][]TaskResult
			wantY   string
			wantZ   string
			reason  string
		}{
			{"one batch in order", [][]TaskResult{{a, x, y, z}}, yKey, zKey, "should re-key y from x's data version and z from y's final key"},
			{"one batch reversed", [][]TaskResult{{z, y, x, a}}, yKey, zKey, "should process in topological order, not listing order"},
			{"three batches", [][]TaskResult{{x}, {y}, {z}}, yKey, zKey, "should use earlier Records of the same run"},
			{"x failed then retried", [][]TaskResult{{{Name: "view:x", Status: "failed"}}, {{Name: "view:x", Status: "succeeded", DataVersion: str("dvx"), Attempt: num(2)}, y, z}}, yKey, zKey,
				"should re-key y from x's second attempt"},
			{"retry in one batch", [][]TaskResult{{{Name: "view:x", Status: "succeeded", DataVersion: str("dvx"), Attempt: num(2)}, {Name: "view:x", Status: "failed"}, y, z}}, yKey, zKey,
				"should order attempts: the second one decides"},
			{"y skipped, z failed", [][]TaskResult{{x, {Name: "view:y", Status: "skipped"}, {Name: "view:z", Status: "failed"}}}, "k:y", "k:z",
				"should keep planned keys: y skipped and z failed"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := context.Background()
				s := openTemp(t)
				if err := s.SavePlan(ctx, chainRun("r1", t0)); err != nil {
					t.Fatal(err)
				}
				got := map[string]string{}
				var rekeyed []string
				for _, b := range tt.batches {
					sum, err := s.Record(ctx, &Results{RunID: "r1", Tasks: b}, fakeRekey)
					if err != nil {
						t.Fatal(err)
					}
					for _, r := range sum.Records {
						got[r.Name] = r.CacheKey
					}
					rekeyed = append(rekeyed, sum.Rekeyed...)
				}
				if got["view:y"] != tt.wantY || got["view:z"] != tt.wantZ {
					t.Errorf("%s:\n y = %s (want %s)\n z = %s (want %s)", tt.reason, got["view:y"], tt.wantY, got["view:z"], tt.wantZ)
				}
				for _, n := range rekeyed {
					if got[n] == "k:"+n[len("view:"):] {
						t.Errorf("%s listed as re-keyed but kept its planned key", n)
					}
				}
				// The final key is what Succeeded finds, and Lineage shows.
				if tt.wantZ != "" && tt.wantZ != "k:z" {
					e, err := s.Succeeded(ctx, []string{tt.wantZ, "k:z"})
					if err != nil {
						t.Fatal(err)
					}
					if _, ok := e[tt.wantZ]; !ok {
						t.Errorf("Succeeded does not find z's final key")
					}
					if _, ok := e["k:z"]; ok {
						t.Errorf("Succeeded finds z's planned key, which was re-keyed")
					}
				}
			})
		}
	})
}

// zFrom is z's key when its pending view:y has final key y.
func zFrom(y string) string {
	k, _ := fakeRekey("k:z", map[string]string{"view:y": y, "scan:a": "da"})
	return k
}

func TestSucceededAndLastSucceeded(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s := openTemp(t)
		r1, r2, r3 := chainRun("r1", t0), chainRun("r2", t0.Add(1e9)), chainRun("r3", t0.Add(2e9))
		r2.Nodes[1].CacheKey = "k:a2" // scan:a changed in r2
		r2.Nodes[1].Detail = []byte(`{"v": 2}`)
		for _, r := range []*Run{r1, r2, r3} {
			if err := s.SavePlan(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		rec := func(run string, tasks ...TaskResult) {
			t.Helper()
			if _, err := s.Record(ctx, &Results{RunID: run, Tasks: tasks}, fakeRekey); err != nil {
				t.Fatal(err)
			}
		}
		rec("r1", TaskResult{Name: "scan:a", Status: "succeeded", DataVersion: str("d1")}, TaskResult{Name: "view:x", Status: "succeeded"})
		rec("r2", TaskResult{Name: "scan:a", Status: "succeeded", DataVersion: str("d2")}, TaskResult{Name: "view:x", Status: "succeeded", DataVersion: str("x2")})
		rec("r3", TaskResult{Name: "scan:a", Status: "failed"}, TaskResult{Name: "view:x", Status: "failed"}, TaskResult{Name: "view:w", Status: "failed"})

		got, err := s.Latest(ctx, []string{"k:a", "k:a2", "k:x", "k:w", "k:nope", "k:a"})
		if err != nil {
			t.Fatal(err)
		}
		for key, want := range map[string]struct{ run, node, dv, status string }{
			"k:a":  {"r3", "scan:a", "", "failed"},      // r1 succeeded with it, then r3 failed: the newest decides
			"k:a2": {"r2", "scan:a", "d2", "succeeded"}, // r2's key
			"k:x":  {"r3", "view:x", "", "failed"},
			"k:w":  {"r3", "view:w", "", "failed"},
		} {
			e, ok := got[key]
			if !ok || e.RunID != want.run || e.Node != want.node || e.DataVersion != want.dv || e.Status != want.status || e.CacheKey != key {
				t.Errorf("Latest[%s] = %+v, %v; want run %s node %s data version %s status %s", key, e, ok, want.run, want.node, want.dv, want.status)
			}
		}
		if len(got) != 4 {
			t.Errorf("Latest returned %d entries, want 4 (unknown keys absent): %v", len(got), got)
		}
		hist, err := s.History(ctx, []string{"view:w"})
		if err != nil || hist["view:w"].Succeeded != nil || hist["view:w"].Failed == nil || hist["view:w"].Failed.RunID != "r3" {
			t.Errorf("History[view:w] = %+v, %v: want only a failure in r3", hist["view:w"], err)
		}

		prev, err := s.LastSucceeded(ctx, []string{"scan:a", "view:x", "view:w", "view:nope"})
		if err != nil {
			t.Fatal(err)
		}
		if len(prev) != 2 {
			t.Fatalf("LastSucceeded returned %d, want 2: %v", len(prev), prev)
		}
		pa := prev["scan:a"]
		if pa.RunID != "r2" || pa.CacheKey != "k:a2" || pa.DataVersion != "d2" || pa.Planned.CacheKey != "k:a2" || string(pa.Planned.Detail) != `{"v": 2}` {
			t.Errorf("LastSucceeded[scan:a] = %+v; want r2's record with r2's planned node", pa)
		}
		if px := prev["view:x"]; px.RunID != "r2" || px.Planned.Name != "view:x" || px.Planned.CodeVersion != "cx" || px.CodeVersion != "cx" {
			t.Errorf("LastSucceeded[view:x] = %+v", px)
		}
		if _, err := s.Succeeded(ctx, nil); err != nil {
			t.Errorf("no keys: %v", err)
		}
	})
}

func TestSucceededManyKeysChunked(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		s := openTemp(t)
		r := genRun("g", t0, lookupChunk+1500, 0)
		if err := s.SavePlan(ctx, r); err != nil {
			t.Fatal(err)
		}
		res := genResults(r)
		// Fail a node that feeds nothing (a failed input of a succeeded node
		// is refused).
		sources := map[string]bool{}
		for _, e := range r.Edges {
			sources[e[0]] = true
		}
		failed := slices.IndexFunc(res.Tasks, func(t TaskResult) bool { return !sources[t.Name] })
		res.Tasks[failed].Status = StatusFailed
		if _, err := s.Record(ctx, res, fakeRekey); err != nil {
			t.Fatal(err)
		}
		keys := make([]string, 0, len(r.Nodes))
		names := make([]string, 0, len(r.Nodes))
		for _, n := range r.Nodes {
			keys = append(keys, n.CacheKey)
			names = append(names, n.Name)
		}
		got, err := s.Succeeded(ctx, keys)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(keys)-1 {
			t.Errorf("Succeeded found %d of %d keys, want all but the failed one", len(got), len(keys))
		}
		if _, ok := got[r.Nodes[slices.IndexFunc(r.Nodes, func(n Node) bool { return n.Name == res.Tasks[failed].Name })].CacheKey]; ok {
			t.Errorf("the failed node's key is reported succeeded")
		}
		prev, err := s.LastSucceeded(ctx, names)
		if err != nil {
			t.Fatal(err)
		}
		if len(prev) != len(names)-1 {
			t.Errorf("LastSucceeded found %d of %d, want all but one", len(prev), len(names))
		}
		if p := prev[names[lookupChunk+3]]; p.Planned.Name != names[lookupChunk+3] || fmt.Sprint(p.Planned.Detail) == "" {
			t.Errorf("LastSucceeded past the first chunk: %+v", p)
		}
	})
}

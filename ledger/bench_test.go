package ledger

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The benchmark store: benchRuns runs of benchNodes nodes each, built once
// per process. Run i records the nodes whose key changed since run i-1
// (a tenth; every node in run 0), all succeeded.
const (
	benchRuns  = 100
	benchNodes = 10000
)

var (
	benchOnce  sync.Once
	benchDir   string
	benchStore *Store
	benchErr   error
)

func prefilled(b *testing.B) *Store {
	b.Helper()
	benchOnce.Do(func() {
		ctx := context.Background()
		benchDir, benchErr = os.MkdirTemp("", "ledger-bench-")
		if benchErr != nil {
			return
		}
		benchStore, benchErr = Open(ctx, filepath.Join(benchDir, "ledger.db"))
		if benchErr != nil {
			return
		}
		start := time.Now()
		for i := range benchRuns {
			r := genRun(fmt.Sprintf("run-%03d", i), t0.Add(time.Duration(i)*time.Minute), benchNodes, i)
			if benchErr = benchStore.SavePlan(ctx, r); benchErr != nil {
				return
			}
			res := &Results{RunID: r.ID}
			for j, n := range r.Nodes {
				if i == 0 || (i+j)%10 == 0 {
					res.Tasks = append(res.Tasks, TaskResult{Name: n.Name, Status: StatusSucceeded})
				}
			}
			if _, benchErr = benchStore.Record(ctx, res, fakeRekey); benchErr != nil {
				return
			}
		}
		b.Logf("prefilled %d runs x %d nodes in %v", benchRuns, benchNodes, time.Since(start))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchStore
}

// cleanupBench removes the benchmark store (called from TestMain).
func cleanupBench() {
	if benchStore != nil {
		benchStore.Close()
	}
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
}

func BenchmarkSucceeded(b *testing.B) {
	s := prefilled(b)
	ctx := context.Background()
	next := genRun("next", t0, benchNodes, benchRuns) // the keys a new run asks for
	for _, size := range []int{1000, 10000} {
		keys := make([]string, size)
		names := make([]string, size)
		for i := range size {
			keys[i] = next.Nodes[i].CacheKey
			names[i] = next.Nodes[i].Name
		}
		b.Run(fmt.Sprintf("keys=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				got, err := s.Succeeded(ctx, keys)
				if err != nil {
					b.Fatal(err)
				}
				if len(got) < size*8/10 {
					b.Fatalf("found %d of %d keys", len(got), size)
				}
			}
		})
		b.Run(fmt.Sprintf("last/nodes=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				got, err := s.LastSucceeded(ctx, names)
				if err != nil {
					b.Fatal(err)
				}
				if len(got) != size {
					b.Fatalf("found %d of %d nodes", len(got), size)
				}
			}
		})
	}
}

func BenchmarkSavePlan(b *testing.B) {
	ctx := context.Background()
	for _, size := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("nodes=%d", size), func(b *testing.B) {
			s, err := Open(ctx, filepath.Join(b.TempDir(), "ledger.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				r := genRun(fmt.Sprintf("run-%d", i), t0, size, i)
				if err := s.SavePlan(ctx, r); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func BenchmarkRecord(b *testing.B) {
	ctx := context.Background()
	for _, size := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("tasks=%d", size), func(b *testing.B) {
			s, err := Open(ctx, filepath.Join(b.TempDir(), "ledger.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				b.StopTimer()
				r := genRun(fmt.Sprintf("run-%d", i), t0, size, i)
				if err := s.SavePlan(ctx, r); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := s.Record(ctx, genResults(r), fakeRekey); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

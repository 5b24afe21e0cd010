package bench_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/deltaplan/deltaplan/bench/deltagen"
	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/storage"
)

// deltaGenerated caches generated logs across benchmark runs in the temp
// directory: writing a million-file checkpoint takes longer than reading it.
func deltaGenerated(b *testing.B, name string, gen func(dir string) (deltagen.Result, error)) (string, deltagen.Result) {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "deltaplan-bench", name)
	marker := filepath.Join(dir, ".complete")
	var res deltagen.Result
	if data, err := os.ReadFile(marker); err == nil && json.Unmarshal(data, &res) == nil {
		return dir, res
	}
	os.RemoveAll(dir)
	start := time.Now()
	res, err := gen(dir)
	if err != nil {
		b.Fatalf("generate %s: %v", name, err)
	}
	data, _ := json.Marshal(res)
	if err := os.WriteFile(marker, data, 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %s in %s (%d files, %d bytes of commits)", name, time.Since(start).Round(time.Millisecond), res.ActiveFiles, res.LogBytes)
	return dir, res
}

// deltaPeakHeap samples the heap (HeapAlloc: live data plus garbage not yet
// collected) every 5 ms while fn runs and returns the peak.
func deltaPeakHeap(fn func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc > peak.Load() {
		peak.Store(ms.HeapAlloc)
	}
	return peak.Load()
}

func deltaSnapshot(b *testing.B, dir string) *delta.Snapshot {
	ctx := context.Background()
	tbl, err := storage.OpenTable(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	s, err := tbl.Snapshot(ctx)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkSnapshotCheckpoint: a multi-part parquet checkpoint of N files
// (5 stats columns, 100 partitions) plus 100 commits after it. The issue's
// target is 1M files in under 2 s and 600 MB peak heap on 2 cores; run it
// alone with -bench 'SnapshotCheckpoint/files=1000000'.
func BenchmarkSnapshotCheckpoint(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			spec := deltagen.Spec{Files: n, Commits: 100, AddsPerCommit: 10, RemovesPerCommit: 5, StatsColumns: 5, Partitions: 100, CheckpointParts: max(1, n/250_000)}
			dir, res := deltaGenerated(b, fmt.Sprintf("ckpt-%d", n), func(d string) (deltagen.Result, error) { return deltagen.GenerateCheckpointed(d, spec) })
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := deltaCPUTime()
			var peak uint64
			for i := 0; i < b.N; i++ {
				p := deltaPeakHeap(func() {
					s := deltaSnapshot(b, dir)
					if s.Files.Len() != res.ActiveFiles {
						b.Fatalf("%d files, want %d", s.Files.Len(), res.ActiveFiles)
					}
				})
				peak = max(peak, p)
			}
			b.StopTimer()
			// CPU seconds (user+system) tell the cost when other work shares
			// the machine and wall time is noisy.
			b.ReportMetric((deltaCPUTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(res.ActiveFiles), "ns/file")
			b.ReportMetric(float64(peak)/float64(res.ActiveFiles), "peak-bytes/file")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}

// deltaCPUTime is the process's user plus system CPU time so far.
func deltaCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// deltaJSONSpec: a JSON-only log of 100-column stats, about 45 MB of commits.
var deltaJSONSpec = deltagen.Spec{Files: 9_000, Commits: 90, StatsColumns: 100}

// BenchmarkJSONReplay compares the reader's replay of a JSON-only log with
// a straightforward encoding/json line-by-line replay of the same log, in
// the same run (the target is at least 5× faster).
func BenchmarkJSONReplay(b *testing.B) {
	dir, res := deltaGenerated(b, "json-9000x100", func(d string) (deltagen.Result, error) { return deltagen.GenerateJSON(d, deltaJSONSpec) })
	b.Run("deltaplan", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(res.LogBytes)
		cpu0 := deltaCPUTime()
		defer func() { b.ReportMetric((deltaCPUTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op") }()
		for i := 0; i < b.N; i++ {
			if s := deltaSnapshot(b, dir); s.Files.Len() != res.ActiveFiles {
				b.Fatalf("%d files", s.Files.Len())
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(res.ActiveFiles), "ns/file")
	})
	b.Run("encoding-json-baseline", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(res.LogBytes)
		cpu0 := deltaCPUTime()
		defer func() { b.ReportMetric((deltaCPUTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op") }()
		for i := 0; i < b.N; i++ {
			if n := deltaNaiveReplay(b, dir, res.Version); n != res.ActiveFiles {
				b.Fatalf("%d files", n)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(res.ActiveFiles), "ns/file")
	})
}

// deltaNaiveReplay is the straightforward reader: every line into
// map[string]any, every stats string into map[string]any, files in a map.
func deltaNaiveReplay(b *testing.B, dir string, last int64) int {
	files := map[string]map[string]any{}
	for v := int64(0); v <= last; v++ {
		data, err := os.ReadFile(filepath.Join(dir, "_delta_log", fmt.Sprintf("%020d.json", v)))
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 1<<20), 1<<26)
		for sc.Scan() {
			var line map[string]any
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				b.Fatal(err)
			}
			if add, ok := line["add"].(map[string]any); ok {
				var stats map[string]any
				if s, ok := add["stats"].(string); ok {
					if err := json.Unmarshal([]byte(s), &stats); err != nil {
						b.Fatal(err)
					}
				}
				add["stats_parsed"] = stats
				files[add["path"].(string)] = add
			}
			if rm, ok := line["remove"].(map[string]any); ok {
				delete(files, rm["path"].(string))
			}
		}
	}
	return len(files)
}

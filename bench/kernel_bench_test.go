package bench_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/kernel"
)

// largeDAG builds a random DAG shaped like the kernel fixtures' generator
// (hidden order, forward edges within a window, ~2% long edges, names
// "n<perm>" so name order is unrelated to topological order) with exactly
// n nodes and m edges.
func largeDAG(n, m, window int, seed uint64) ([]string, []kernel.Edge) {
	r := rand.New(rand.NewPCG(seed, 1))
	perm := r.Perm(n)
	name := func(i int) string { return fmt.Sprintf("n%d", perm[i]) }
	nodes := make([]string, n)
	for i := range nodes {
		nodes[i] = name(i)
	}
	type pair struct{ u, v int }
	seen := make(map[pair]bool, m)
	edges := make([]kernel.Edge, 0, m)
	add := func(u, v int) {
		if u < v && !seen[pair{u, v}] && len(edges) < m {
			seen[pair{u, v}] = true
			edges = append(edges, kernel.Edge{From: name(u), To: name(v), Weight: 1 + r.Int64N(1000)})
		}
	}
	per := m / n
	for i := 0; i < n-1 && len(edges) < m; i++ {
		for k := 0; k < per; k++ {
			if r.Float64() < 0.02 {
				add(i, i+1+r.IntN(n-i-1))
			} else {
				add(i, i+1+r.IntN(min(window, n-i-1)))
			}
		}
	}
	for len(edges) < m {
		i := r.IntN(n - 1)
		add(i, i+1+r.IntN(min(window, n-i-1)))
	}
	return nodes, edges
}

// cpuTime returns the process's user+system CPU time. Benchmarks report it
// per op besides wall time because the machine is shared: wall time there
// includes waiting for a core.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// loopCPU runs body b.N times (via b.Loop) and reports cpu-ns/op.
func loopCPU(b *testing.B, body func()) {
	b.ReportAllocs()
	var cpu int64
	n := 0
	for b.Loop() {
		c0 := cpuTime()
		body()
		cpu += cpuTime() - c0
		n++
	}
	b.ReportMetric(float64(cpu)/float64(n), "cpu-ns/op")
}

// allAnalyses runs every analysis the dag and schedule commands need.
func allAnalyses(b *testing.B, g *kernel.Graph) {
	red, err := g.TransitiveReduction() // also finds cycles and the order
	if err != nil {
		b.Fatal(err)
	}
	if _, err := g.Generations(); err != nil {
		b.Fatal(err)
	}
	if _, err := g.LexicographicOrder(); err != nil {
		b.Fatal(err)
	}
	if _, err := g.LexicographicOrder(kernel.Reverse()); err != nil {
		b.Fatal(err)
	}
	if _, err := g.LongestPath(); err != nil {
		b.Fatal(err)
	}
	if _, err := g.Signature(nil); err != nil {
		b.Fatal(err)
	}
	if _, err := red.Graph.Signature(nil); err != nil {
		b.Fatal(err)
	}
	names := g.Names()
	if _, err := g.Ancestors(names[len(names)/2]); err != nil {
		b.Fatal(err)
	}
	if _, err := g.Descendants(names[len(names)/2]); err != nil {
		b.Fatal(err)
	}
	s, err := kernel.NewScheduler(g)
	if err != nil {
		b.Fatal(err)
	}
	for s.Active() {
		if err := s.Done(s.Ready()...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKernel measures all analyses on a fresh graph per iteration
// ("analyses": the graph is built outside the timer; "build+analyses":
// construction from names included).
func BenchmarkKernel(b *testing.B) {
	sizes := []struct{ n, m int }{{1_000, 4_000}, {10_000, 40_000}, {100_000, 400_000}}
	for _, sz := range sizes {
		nodes, edges := largeDAG(sz.n, sz.m, 40, 20240605)
		b.Run(fmt.Sprintf("analyses/n=%d/m=%d", sz.n, sz.m), func(b *testing.B) {
			b.ReportAllocs()
			var cpu int64
			n := 0
			for b.Loop() {
				b.StopTimer()
				g, err := kernel.New(nodes, edges)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				c0 := cpuTime()
				allAnalyses(b, g)
				cpu += cpuTime() - c0
				n++
			}
			b.ReportMetric(float64(cpu)/float64(n), "cpu-ns/op")
		})
		b.Run(fmt.Sprintf("build+analyses/n=%d/m=%d", sz.n, sz.m), func(b *testing.B) {
			loopCPU(b, func() {
				g, err := kernel.New(nodes, edges)
				if err != nil {
					b.Fatal(err)
				}
				allAnalyses(b, g)
			})
		})
	}
}

// BenchmarkKernelFixture runs parse + all analyses on the 5,000-node fixture
// that bench/dag_vs_networkx.sh compares with networkx.
func BenchmarkKernelFixture(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(fixtures.Dir(b, "kernel"), "random_5000_w1000.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("parse+analyses/random_5000_w1000", func(b *testing.B) {
		loopCPU(b, func() {
			g, err := kernel.ParseJSON(data)
			if err != nil {
				b.Fatal(err)
			}
			allAnalyses(b, g)
		})
	})
	b.Run("transitive_reduction/random_5000_w1000", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			g, err := kernel.ParseJSON(data)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := g.TransitiveReduction(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

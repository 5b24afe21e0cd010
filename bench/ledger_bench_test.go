package bench_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deltaplan/deltaplan/bench/deltagen"
	"github.com/deltaplan/deltaplan/cachekey"
	"github.com/deltaplan/deltaplan/freshness"
	"github.com/deltaplan/deltaplan/internal/runledger"
	"github.com/deltaplan/deltaplan/ledger"
	"github.com/deltaplan/deltaplan/storage"
	"github.com/deltaplan/deltaplan/workflow"

	_ "github.com/jackc/pgx/v5/stdlib" // the PostgreSQL cases
)

// The ledger schedule benchmark (issue: "a generated 10,000-view workflow
// against a store holding 100 runs: schedule time, goal < 2 s").
//
// Fixture, per size, built once per BenchmarkLedgerSchedule call (so once
// per process with the default -count 1) in a temporary directory that is
// removed when the benchmark ends:
//
//   - deltagen.WriteWorkflow: table "events" (100 partitions × 3 files, 10
//     JSON commits), n views (80% read one or two partitions of it with a
//     filter, 20% read 1–3 upstream views on 8 levels), then one real
//     commit to partition ledgerPartition: the table the benchmarks plan.
//   - the graph of that workflow, planned against an empty ledger: the
//     "base" run, whose node names and keys the history reuses.
//   - a ledger of 100 runs saved with ledger.Store.SavePlan and recorded with
//     ledger.Store.Record (workflow.Rekey), derived from the base run: a
//     history in which each partition changed once, partition c_j between
//     run j-1 and run j, the last one (c_100 = ledgerPartition, the real
//     commit) after run 99. Run 0 records every node; run j records the
//     nodes that change with c_j (all succeeded). A partition that changes
//     later than run i has, in run i, scan units under other names and keys
//     (as a content change gives) and every view downstream of them other
//     keys, consistently re-derived. Planning the benchmark graph against
//     it finds the nodes downstream of ledgerPartition stale or missing
//     and every other node fresh.
//
// Building the 100 runs by planning 100 real table states would need 100
// workflow.Build calls (about 16 s each at 10,000 views), so the history
// is derived instead; SavePlan and Record see runs of the real size and
// shape.

const (
	ledgerRuns      = 100
	ledgerPartition = 42 // the partition of the last (real) commit
	ledgerStride    = 7  // partition c_j = (ledgerPartition + stride·j) mod partitions
)

// ledgerEnv is one size's fixture. The graph and the store are made when
// first needed (the Build case hands over the graph it built), so that a
// -bench filter pays only for what it selects.
type ledgerEnv struct {
	views int
	spec  deltagen.WorkflowSpec
	wf    *deltagen.WorkflowResult
	graph *workflow.Graph // the graph of the workflow at its latest version
	store string          // the prefilled ledger (closed); "" until filled
	dir   string
	// perRecord is the store's size over its node records (runs × nodes).
	perRecord float64
	// pgStore is the same history on PostgreSQL (a URL); "" until filled.
	pgStore     string
	pgPerRecord float64
}

// planAndSave is the ledger's share of `deltaplan schedule WF --store DB`
// (without opening the store and the log): plan the run against the store,
// convert it, save it (internal/runledger.Plan, which the CLI calls). No
// log listens, as with no --log.
func planAndSave(ctx context.Context, g *workflow.Graph, st *ledger.Store, wfPath string) (*workflow.Schedule, error) {
	s, err := runledger.Plan(ctx, g, st, wfPath, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("workflow %s: %w", wfPath, err)
	}
	return s, nil
}

// scheduleStore is `deltaplan schedule WF --store DB` end to end: load,
// build, open the store, plan, save, close.
func scheduleStore(ctx context.Context, wfPath, store string) (*workflow.Schedule, error) {
	w, err := workflow.Load(wfPath)
	if err != nil {
		return nil, err
	}
	g, err := workflow.Build(ctx, w, workflow.Options{})
	if err != nil {
		return nil, err
	}
	st, err := ledger.Open(ctx, store)
	if err != nil {
		return nil, err
	}
	s, err := planAndSave(ctx, g, st, wfPath)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return s, err
}

func buildWorkflow(ctx context.Context, wfPath string) (*workflow.Graph, error) {
	w, err := workflow.Load(wfPath)
	if err != nil {
		return nil, err
	}
	return workflow.Build(ctx, w, workflow.Options{})
}

// newLedgerEnv writes the workflow and commits to ledgerPartition.
func newLedgerEnv(b *testing.B, views int) *ledgerEnv {
	b.Helper()
	dir, err := os.MkdirTemp("", "deltaplan-ledger-bench-")
	if err != nil {
		b.Fatal(err)
	}
	env := &ledgerEnv{views: views, dir: dir, spec: deltagen.DefaultWorkflowSpec(views)}
	start := time.Now()
	if env.wf, err = deltagen.WriteWorkflow(filepath.Join(dir, "wf"), env.spec); err != nil {
		b.Fatal(err)
	}
	if _, err := env.wf.CommitToPartition(ledgerPartition); err != nil {
		b.Fatal(err)
	}
	b.Logf("views=%d: wrote %d plan files (%d source views, %d derived) and a table of %d files (v%d) in %v",
		views, env.wf.PlanFiles, env.wf.Source, env.wf.Derived, env.wf.Files, env.wf.Version, time.Since(start).Round(time.Millisecond))
	return env
}

// built returns the workflow's graph, building it on first use.
func (env *ledgerEnv) built(b *testing.B) *workflow.Graph {
	b.Helper()
	if env.graph == nil {
		start := time.Now()
		g, err := buildWorkflow(context.Background(), env.wf.Path)
		if err != nil {
			b.Fatal(err)
		}
		env.graph = g
		b.Logf("views=%d: built the graph in %v (setup)", env.views, time.Since(start).Round(time.Millisecond))
	}
	return env.graph
}

// filled returns the prefilled ledger's path, filling it on first use.
func (env *ledgerEnv) filled(b *testing.B) string {
	b.Helper()
	if env.store != "" {
		return env.store
	}
	ctx := context.Background()
	g := env.built(b)
	start := time.Now()
	_, base, err := g.PlanRun(ctx, freshness.NewMemory(), workflow.LedgerOptions{RunID: "base"})
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(env.dir, "ledger.db")
	st, err := ledger.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	recorded, err := fillHistory(ctx, st, base, env.wf.Path, env.spec.Partitions)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	env.perRecord = float64(fi.Size()) / float64(ledgerRuns*len(base.Nodes))
	b.Logf("views=%d: saved %d runs of %d nodes (%d records) in %v (setup); store %.0f MB, %.0f bytes per node record",
		env.views, ledgerRuns, len(base.Nodes), recorded, time.Since(start).Round(time.Millisecond), float64(fi.Size())/1e6, env.perRecord)
	env.store = path
	return path
}

// filledPG returns a PostgreSQL URL holding the same history as filled
// (in a new schema of DELTAPLAN_POSTGRES_URL's database), filling it on
// first use; without that variable the PostgreSQL cases skip.
func (env *ledgerEnv) filledPG(b *testing.B) string {
	b.Helper()
	if env.pgStore != "" {
		return env.pgStore
	}
	base := os.Getenv("DELTAPLAN_POSTGRES_URL")
	if base == "" {
		b.Skip("DELTAPLAN_POSTGRES_URL is not set: run under scripts/postgres/with-postgres.sh")
	}
	ctx := context.Background()
	schema := fmt.Sprintf("bench_%d_%d", env.views, time.Now().UnixNano())
	db, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		b.Fatal(err)
	}
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	g := env.built(b)
	start := time.Now()
	_, baseRun, err := g.PlanRun(ctx, freshness.NewMemory(), workflow.LedgerOptions{RunID: "base"})
	if err != nil {
		b.Fatal(err)
	}
	st, err := ledger.Open(ctx, u.String())
	if err != nil {
		b.Fatal(err)
	}
	recorded, err := fillHistory(ctx, st, baseRun, env.wf.Path, env.spec.Partitions)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	if err := db.QueryRow(`SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`, schema).Scan(&size); err != nil {
		b.Fatal(err)
	}
	env.pgPerRecord = float64(size) / float64(ledgerRuns*len(baseRun.Nodes))
	b.Logf("views=%d: PostgreSQL: saved %d runs (%d records) in %v (setup); %.0f MB, %.0f bytes per node record",
		env.views, ledgerRuns, recorded, time.Since(start).Round(time.Millisecond), float64(size)/1e6, env.pgPerRecord)
	env.pgStore = u.String()
	return env.pgStore
}

// scanPartition returns the partition of a scan unit from its planned
// detail (a unit never mixes partitions).
func scanPartition(detail json.RawMessage) (int, error) {
	var d struct {
		Files []string `json:"files"`
	}
	if err := json.Unmarshal(detail, &d); err != nil || len(d.Files) == 0 {
		return 0, fmt.Errorf("scan detail %s: no files (%v)", detail, err)
	}
	var p int
	if _, err := fmt.Sscanf(d.Files[0], "part=%d/", &p); err != nil {
		return 0, fmt.Errorf("scan file %s: %w", d.Files[0], err)
	}
	return p, nil
}

// fillHistory saves and records the 100 runs derived from base (see the
// comment at the top of this file) and returns the number of records.
func fillHistory(ctx context.Context, st *ledger.Store, base *workflow.PlannedRun, wfPath string, partitions int) (int, error) {
	if partitions%ledgerStride == 0 || partitions <= ledgerPartition {
		return 0, fmt.Errorf("history needs a partition count coprime with %d and above %d, not %d", ledgerStride, ledgerPartition, partitions)
	}
	// changedAt[p] = j: partition p changes between run j-1 and run j; the
	// last change, j = ledgerRuns, is ledgerPartition.
	changedAt := make([]int, partitions)
	for p := range changedAt {
		changedAt[p] = -1
	}
	for j := 1; j <= ledgerRuns; j++ {
		p := ((ledgerPartition+ledgerStride*(j-ledgerRuns))%partitions + partitions) % partitions
		changedAt[p] = j
	}
	byName := map[string]workflow.PlannedNode{}
	preds := map[string][]string{}
	for _, n := range base.Nodes {
		byName[n.Name] = n
	}
	for _, e := range base.Edges {
		preds[e[1]] = append(preds[e[1]], e[0])
	}
	partOf := map[string]int{}
	for _, n := range base.Nodes {
		if n.Kind == "scan_unit" {
			p, err := scanPartition(n.Detail)
			if err != nil {
				return 0, err
			}
			partOf[n.Name] = p
		}
	}
	order := []string{}
	for _, gen := range base.Generations {
		order = append(order, gen...)
	}
	if len(order) != len(base.Nodes) {
		return 0, fmt.Errorf("base run admits %d of %d nodes", len(order), len(base.Nodes))
	}

	type state struct {
		name, key, dv string
		deps          map[string]string
	}
	// A scan unit before its partition changed: another name and key.
	ghosts := map[string]state{}
	for name, n := range byName {
		if n.Kind != "scan_unit" {
			continue
		}
		k, err := cachekey.Decode(n.CacheKey)
		if err != nil {
			return 0, err
		}
		ghost := "scan:events:" + strings.TrimPrefix(cachekey.Hash("bench.ledger.ghost", name), cachekey.HashTag+":")[:16]
		files := cachekey.Hash("bench.ledger.ghost.files", name)
		key := cachekey.Key{Node: ghost, CodeVersion: k.CodeVersion, Dependencies: map[string]string{"files": files}}
		ghosts[name] = state{name: ghost, key: key.String(), dv: cachekey.Hash("deltaplan.scan.content.v1", k.CodeVersion, files)}
	}
	// at computes every node's name, key, data version and dependencies in
	// run i.
	at := func(i int) map[string]state {
		s := make(map[string]state, len(order))
		for _, name := range order {
			n := byName[name]
			if n.Kind == "scan_unit" {
				if changedAt[partOf[name]] <= i { // already at its final content
					s[name] = state{name: name, key: n.CacheKey, dv: n.DataVersion}
					continue
				}
				s[name] = ghosts[name]
				continue
			}
			changed := false
			deps := map[string]string{}
			for _, p := range preds[name] {
				ps := s[p]
				deps[ps.name] = ps.dv
				if ps.key != byName[p].CacheKey {
					changed = true
				}
			}
			if !changed {
				s[name] = state{name: name, key: n.CacheKey, dv: cachekey.DataVersionOf(n.CacheKey), deps: n.Dependencies}
				continue
			}
			key := cachekey.Key{Node: name, CodeVersion: n.CodeVersion, Dependencies: deps}.String()
			s[name] = state{name: name, key: key, dv: cachekey.DataVersionOf(key), deps: deps}
		}
		return s
	}

	records := 0
	var prev map[string]state
	t0 := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	for i := range ledgerRuns {
		cur := at(i)
		runs := map[string]bool{} // nodes whose key moved since run i-1
		for _, name := range order {
			if prev == nil || cur[name].key != prev[name].key {
				runs[name] = true
			}
		}
		r := &ledger.Run{ID: fmt.Sprintf("run-%03d", i), CreatedAt: t0.Add(time.Duration(i) * time.Hour), Workflow: wfPath,
			Signature: base.Signature, Requested: base.Requested}
		for _, e := range base.Edges {
			r.Edges = append(r.Edges, [2]string{cur[e[0]].name, cur[e[1]].name})
		}
		for _, gen := range base.Generations {
			g := make([]string, len(gen))
			for k, name := range gen {
				g[k] = cur[name].name
			}
			r.Generations = append(r.Generations, g)
		}
		res := &ledger.Results{RunID: r.ID}
		for _, name := range order {
			n, s := byName[name], cur[name]
			node := ledger.Node{Name: s.name, Kind: n.Kind, CacheKey: s.key, CodeVersion: n.CodeVersion, Dependencies: s.deps,
				DataVersion: n.DataVersion, Admitted: true, Status: workflow.StatusFresh, Behavior: n.Behavior,
				Generation: n.Generation, Detail: n.Detail}
			if n.Kind == "scan_unit" {
				node.DataVersion = s.dv
			}
			if runs[name] {
				node.Status = workflow.StatusStale
				if prev == nil || prev[name].name != s.name {
					node.Status = workflow.StatusMissing
				}
				for _, p := range preds[name] {
					if runs[p] && byName[p].Kind == "view" {
						node.Pending = append(node.Pending, p)
					}
				}
				res.Tasks = append(res.Tasks, ledger.TaskResult{Name: s.name, Status: ledger.StatusSucceeded})
			}
			r.Nodes = append(r.Nodes, node)
		}
		if err := st.SavePlan(ctx, r); err != nil {
			return 0, err
		}
		sum, err := st.Record(ctx, res, workflow.Rekey)
		if err != nil {
			return 0, err
		}
		if len(sum.Rekeyed) > 0 { // the derived keys are what a plan would compute
			return 0, fmt.Errorf("run %s: %d nodes re-keyed (first %s): the derived history is inconsistent", r.ID, len(sum.Rekeyed), sum.Rekeyed[0])
		}
		records += sum.Recorded
		prev = cur
	}
	return records, nil
}

// copyStore copies the prefilled ledger to a new file for one iteration.
func copyStore(b *testing.B, src, dir string) string {
	b.Helper()
	dst := filepath.Join(dir, "iter.db")
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(dst + suffix)
	}
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
	return dst
}

// iterations runs body b.N times via b.Loop, with prep outside the timer,
// and reports cpu-ns/op (see cpuTime) and the ratio of ns/op to base
// (when base > 0) as x-no-store. It returns ns/op.
func iterations(b *testing.B, base float64, prep func(), body func()) float64 {
	b.ReportAllocs()
	var cpu int64
	n := 0
	for b.Loop() {
		if prep != nil {
			b.StopTimer()
			prep()
			b.StartTimer()
		}
		c0 := cpuTime()
		body()
		cpu += cpuTime() - c0
		n++
	}
	ns := float64(b.Elapsed().Nanoseconds()) / float64(n)
	b.ReportMetric(float64(cpu)/float64(n), "cpu-ns/op")
	if base > 0 {
		b.ReportMetric(ns/base, "x-no-store")
	}
	return ns
}

// BenchmarkLedgerSchedule: the generated workflow against the 100-run
// ledger. Per size:
//
//   - Build: workflow.Load + workflow.Build (pins, one plan bundle per
//     view, task graph), the part that does not depend on the store. Its
//     graph is the one the other cases use.
//   - Schedule-no-store: g.Schedule(nil, nil) on that graph, the schedule
//     without --store or --previous: the baseline. The cases after it
//     report their ns/op over its ns/op as x-no-store.
//   - PlanRun+SavePlan: the ledger's share, given the graph, on a copy of
//     the store opened outside the timer.
//   - schedule: `deltaplan schedule WF --store DB` end to end: Load, Build,
//     Open, PlanRun, SavePlan, Close (the copy is made outside the timer).
//   - Latest-all, History-all, History-missed: the store
//     lookups inside PlanRun, on an open store (read only): every key,
//     every node, and only the nodes that missed.
//   - table-Snapshot: one delta Snapshot of the table (Build takes one per
//     view), for the profile's account.
func BenchmarkLedgerSchedule(b *testing.B) {
	ctx := context.Background()
	for _, views := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("views=%d", views), func(b *testing.B) {
			env := newLedgerEnv(b, views)
			defer os.RemoveAll(env.dir)

			b.Run("Build", func(b *testing.B) {
				var g *workflow.Graph
				iterations(b, 0, nil, func() {
					var err error
					if g, err = buildWorkflow(ctx, env.wf.Path); err != nil {
						b.Fatal(err)
					}
				})
				if env.graph == nil {
					env.graph = g
				}
			})
			var base float64
			b.Run("Schedule-no-store", func(b *testing.B) {
				g := env.built(b)
				base = iterations(b, 0, nil, func() {
					if _, err := g.Schedule(nil, nil); err != nil {
						b.Fatal(err)
					}
				})
			})
			var last *workflow.Schedule // the plan of PlanRun+SavePlan
			b.Run("PlanRun+SavePlan", func(b *testing.B) {
				g, store := env.built(b), env.filled(b)
				var st *ledger.Store
				var s *workflow.Schedule
				iterations(b, base, func() {
					if st != nil {
						st.Close()
					}
					var err error
					if st, err = ledger.Open(ctx, copyStore(b, store, env.dir)); err != nil {
						b.Fatal(err)
					}
				}, func() {
					var err error
					if s, err = planAndSave(ctx, g, st, env.wf.Path); err != nil {
						b.Fatal(err)
					}
				})
				if st != nil {
					st.Close()
				}
				b.Logf("views=%d: %d nodes, %d edges, %d generations: %d fresh, %d stale (%d never recorded)",
					views, s.Summary.Nodes, len(s.Edges), len(s.Generations), s.Summary.Fresh, s.Summary.Stale, s.Summary.Missing)
				b.ReportMetric(env.perRecord, "store-B/record")
				last = s
			})
			// PostgreSQL: the same history in a database. No copy per
			// iteration: each iteration adds its run to the 100.
			b.Run("postgres-PlanRun+SavePlan", func(b *testing.B) {
				g, store := env.built(b), env.filledPG(b)
				st, err := ledger.Open(ctx, store)
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
				var s *workflow.Schedule
				iterations(b, base, nil, func() {
					if s, err = planAndSave(ctx, g, st, env.wf.Path); err != nil {
						b.Fatal(err)
					}
				})
				b.ReportMetric(env.pgPerRecord, "store-B/record")
				b.Logf("views=%d: PostgreSQL: %d fresh, %d stale (%d never recorded)", views, s.Summary.Fresh, s.Summary.Stale, s.Summary.Missing)
			})
			b.Run("postgres-schedule", func(b *testing.B) {
				store := env.filledPG(b)
				iterations(b, base, nil, func() {
					if _, err := scheduleStore(ctx, env.wf.Path, store); err != nil {
						b.Fatal(err)
					}
				})
			})
			// The store's lookups PlanRun makes, on the nodes of the plan
			// above: Latest for every key (PlanRun asks generation by
			// generation), History for every node
			// and for the nodes that missed only (the ones it explains).
			if last != nil {
				var keys, names, missed []string
				for _, n := range last.Nodes {
					keys, names = append(keys, n.CacheKey), append(names, n.Name)
					if n.Status != workflow.StatusFresh {
						missed = append(missed, n.Name)
					}
				}
				lookup := func(name string, fn func(st *ledger.Store) error) {
					b.Run(name, func(b *testing.B) {
						st, err := ledger.Open(ctx, env.store)
						if err != nil {
							b.Fatal(err)
						}
						defer st.Close()
						iterations(b, base, nil, func() {
							if err := fn(st); err != nil {
								b.Fatal(err)
							}
						})
					})
				}
				lookup("Latest-all", func(st *ledger.Store) error { _, err := st.Latest(ctx, keys); return err })
				lookup("History-all", func(st *ledger.Store) error { _, err := st.History(ctx, names); return err })
				lookup("History-missed", func(st *ledger.Store) error { _, err := st.History(ctx, missed); return err })
			}
			b.Run("schedule", func(b *testing.B) {
				store := env.filled(b)
				var db string
				iterations(b, base, func() { db = copyStore(b, store, env.dir) }, func() {
					if _, err := scheduleStore(ctx, env.wf.Path, db); err != nil {
						b.Fatal(err)
					}
				})
			})
			b.Run("table-Snapshot", func(b *testing.B) {
				iterations(b, 0, nil, func() {
					t, err := storage.OpenTable(ctx, env.wf.Table)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := t.Snapshot(ctx); err != nil {
						b.Fatal(err)
					}
				})
			})
		})
	}
}

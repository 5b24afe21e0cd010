package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/deltaplan/deltaplan/cachekey"
	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/kernel"
	"github.com/deltaplan/deltaplan/lineage"
	"github.com/deltaplan/deltaplan/planbundle"
)

// Options configure Build.
type Options struct {
	// Open opens a table location; nil means delta.Open (local paths and
	// file:// URIs). The CLI passes its object-store aware opener.
	Open func(ctx context.Context, location string) (*delta.Table, error)
	// TargetBytes is the scan-unit size; 0 means the planbundle default.
	TargetBytes int64
	// Recompute, Disable and Ignore set behaviors from the command line;
	// they win over views' own behaviors and the workflow defaults. Each
	// entry is a view name, a node name ("view:NAME", "scan:TABLE:ID") or
	// "scan:TABLE" for every scan unit of a table. A node named in two
	// lists is ErrOverrideConflict; a name that matches nothing is
	// ErrUnknownNode.
	Recompute, Disable, Ignore []string
	// KeepBundles keeps each view's plan bundle (Graph.Bundle), for
	// diagnostics; off, they are dropped once the graph is built.
	KeepBundles bool
}

// Node prefixes: task names are "scan:<table>:<unit id prefix>" and
// "view:<name>", so the two kinds never collide and sort apart.
const (
	scanPrefix = "scan:"
	viewPrefix = "view:"
	// unitIDChars is how much of a scan unit's hex id its node name keeps:
	// 64 bits, plenty to tell the units of one workflow apart (a collision
	// is reported, never merged).
	unitIDChars = 16
)

// ViewNode returns the task name of a view.
func ViewNode(view string) string { return viewPrefix + view }

// Graph is a workflow's task graph with what Schedule prints about each node.
type Graph struct {
	tasks   *kernel.TaskGraph
	info    map[string]nodeInfo
	views   []string                      // view names, sorted
	bundles map[string]*planbundle.Bundle // with Options.KeepBundles
}

// Bundle returns a view's plan bundle when the graph was built with
// Options.KeepBundles.
func (g *Graph) Bundle(view string) (*planbundle.Bundle, bool) {
	b, ok := g.bundles[view]
	return b, ok
}

// nodeInfo is what a node shows besides its task.
type nodeInfo struct {
	table   string // scan units: the workflow table
	version int64  // scan units: the newest pinned version that holds the unit
	files   int    // scan units: the number of files
	records *int64 // scan units: the record count when known
	view    string // views: the view name
	// behaviorFrom says where the behavior came from: "command line",
	// "view", "defaults" or "default".
	behaviorFrom string
	scan         *scanContent // scan units
	code         *viewCode    // views
}

// scanContent is a scan unit's content, the part of it a cache key covers:
// not the table version, so a unit whose files did not change keeps its
// name and key across commits.
type scanContent struct {
	tableID string
	// read is the code version: table id, projected columns, pushed
	// filters. filesDigest covers the files (path as the log states it,
	// size, deletion-vector id) and their partition values. content is the
	// digest of both: the unit's data version and its node name.
	read, filesDigest, content string
	files                      []string // file identities, sorted: path, plus " (dv ID)" with a deletion vector
}

// viewCode is what a view's code version covers, and what it read.
type viewCode struct {
	planFingerprint, runtimeHash, udfSnapshotHash string
	rewriteTags                                   []string // the required ones, sorted
	version                                       string   // the code version
	pins                                          map[string]tablePin
}

type tablePin struct {
	TableID string `json:"table_id"`
	Version int64  `json:"version"`
}

// viewReads is what one view's plan reads, resolved against the workflow.
type viewReads struct {
	view     View
	prep     *planbundle.Prepared
	tables   []string          // workflow tables read, sorted
	upstream []string          // workflow views read, sorted
	readName map[string]string // read table name -> workflow table
}

// Build resolves every view's reads, pins each table the views read
// unpinned once at its latest version (so all views see one version), builds
// the plan bundles (concurrently: they share prepared plans and snapshots,
// see buildCache) and returns the task graph.
func Build(ctx context.Context, w *Workflow, opts Options) (*Graph, error) {
	open := cachedOpener(opts.Open)
	c := newBuildCache(open)
	// Plans are read and prepared once per file, on every core.
	if err := parallel(len(w.Views), func(i int) error { _, err := c.prepare(w, w.Views[i]); return err }); err != nil {
		return nil, err
	}
	reads := make([]*viewReads, len(w.Views))
	index := map[string]int{}
	names := nameIndex(w)
	for i, v := range w.Views {
		r, err := resolveReads(w, v, c, names)
		if err != nil {
			return nil, err
		}
		reads[i] = r
		index[v.Name] = i
	}
	order, err := viewOrder(w, reads)
	if err != nil {
		return nil, err
	}
	latest, err := pinLatest(ctx, w, reads, c)
	if err != nil {
		return nil, err
	}
	// Bundles only read the shared plans and snapshots, so views build
	// concurrently; the graph is then assembled in order.
	bundles := make([]*planbundle.Bundle, len(order))
	if err := parallel(len(order), func(i int) error {
		var err error
		bundles[i], err = buildView(ctx, w, reads[index[order[i]]], latest, c, opts.TargetBytes)
		return err
	}); err != nil {
		return nil, err
	}

	g := &Graph{info: map[string]nodeInfo{}}
	var tasks []kernel.Task
	var deps []kernel.Edge
	units := map[string]string{} // node name -> content digest
	viewTask := map[string]int{} // view name -> index in tasks
	for i, name := range order {
		r, b := reads[index[name]], bundles[i]
		task := kernel.Task{Name: ViewNode(name), Kind: kernel.KindView, Behavior: r.view.Behavior, Inputs: map[string]string{
			"plan":       b.Components.PlanFingerprint.String(),
			"session":    b.Components.SessionDigest().String(), // the signed part only
			"scan_units": b.Components.ScanUnitsDigest.String(),
		}}
		for _, t := range b.Tables {
			task.Inputs["pin:"+t.Name] = strconv.FormatInt(t.Version, 10)
			task.Inputs["table_id:"+t.Name] = t.TableID
		}
		for _, up := range r.upstream {
			deps = append(deps, kernel.Edge{From: ViewNode(up), To: task.Name, Weight: kernel.DefaultWeight})
		}
		task.Signature = b.Signature.String() // combined with upstream views below
		viewTask[name] = len(tasks)
		tasks = append(tasks, task)
		g.info[task.Name] = nodeInfo{view: name, code: newViewCode(b)}
		if opts.KeepBundles {
			if g.bundles == nil {
				g.bundles = map[string]*planbundle.Bundle{}
			}
			g.bundles[name] = b
		}
		g.views = append(g.views, name)

		tableIDs := map[string]string{}
		for _, t := range b.Tables {
			tableIDs[t.Name] = t.TableID
		}
		linked := map[string]bool{}
		for _, u := range b.ScanUnits {
			table := r.readName[strings.ToLower(u.Table)]
			sc, err := newScanContent(tableIDs[table], u)
			if err != nil {
				return nil, fmt.Errorf("workflow %s: view %s: %w", w.Path, name, err)
			}
			node := scanPrefix + table + ":" + strings.TrimPrefix(sc.content, "sha256:")[:unitIDChars]
			if full, seen := units[node]; seen {
				if full != sc.content {
					return nil, fmt.Errorf("workflow %s: scan units %s and %s share the node name %s", w.Path, full, sc.content, node)
				}
				if info := g.info[node]; u.DeltaVersion > info.version {
					info.version = u.DeltaVersion
					g.info[node] = info
				}
			} else {
				units[node] = sc.content
				tasks = append(tasks, kernel.Task{Name: node, Kind: kernel.KindScanUnit, Signature: sc.content,
					Weight: u.Bytes, Inputs: map[string]string{"table_id:" + table: sc.tableID, "read": sc.read, "files": sc.filesDigest}})
				g.info[node] = nodeInfo{table: table, version: u.DeltaVersion, files: len(u.Files), records: u.Records, scan: sc}
			}
			if !linked[node] { // two reads of one table may share a unit
				linked[node] = true
				deps = append(deps, kernel.Edge{From: node, To: task.Name, Weight: kernel.DefaultWeight})
			}
		}
	}
	if err := g.resolveBehaviors(w, tasks, opts); err != nil {
		return nil, err
	}
	// A view's signature covers its upstream views' signatures, except
	// those of ignored ones, which stay out of their dependents' keys.
	for _, name := range order {
		task := &tasks[viewTask[name]]
		var keyed []string
		for _, up := range reads[index[name]].upstream {
			ut := tasks[viewTask[up]]
			if ut.Behavior == kernel.BehaviorIgnore {
				continue
			}
			task.Inputs["view:"+up] = ut.Signature
			keyed = append(keyed, up, ut.Signature)
		}
		task.Signature = combine(task.Signature, keyed)
	}
	slices.Sort(g.views)
	if g.tasks, err = kernel.NewTaskGraph(tasks, deps); err != nil {
		return nil, fmt.Errorf("workflow %s: task graph: %w", w.Path, err)
	}
	return g, nil
}

// resolveReads reads a view's plan and matches each named-table read to a
// table or a view of the workflow: the full name first, then its last dotted
// part, case-insensitively (as planbundle matches tables).
func resolveReads(w *Workflow, v View, c *buildCache, names map[string]namedNode) (*viewReads, error) {
	prep, err := c.prepare(w, v)
	if err != nil {
		return nil, err
	}
	lin := prep.Lineage()
	r := &viewReads{view: v, prep: prep, readName: map[string]string{}}
	tables, views := map[string]bool{}, map[string]bool{}
	for _, rd := range lin.Reads {
		if rd.Kind != lineage.ReadNamedTable {
			continue
		}
		table, view := match(names, rd.Table)
		switch {
		case table != "":
			tables[table] = true
			r.readName[strings.ToLower(rd.Table)] = table
		case view != "":
			views[view] = true
		default:
			return nil, fmt.Errorf("workflow %s: view %s: %w: plan %s reads %q at %s, which is neither a table nor a view of the workflow",
				w.Path, v.Name, ErrUnknownRead, v.Plan, rd.Table, rd.Path)
		}
	}
	r.tables, r.upstream = sortedKeys(tables), sortedKeys(views)
	for _, p := range v.Pins {
		if !tables[p.Table] {
			return nil, fmt.Errorf("workflow %s: view %s: %w: it pins table %s, which plan %s does not read",
				w.Path, v.Name, ErrInvalid, p.Table, v.Plan)
		}
	}
	return r, nil
}

// match resolves a read name to a workflow table or view: the full name
// first, then its last dotted part, case-insensitively. Names are unique
// case-insensitively across both (Parse checks), so at most one matches at
// each level.
func match(names map[string]namedNode, read string) (table, view string) {
	last := read
	if i := strings.LastIndexByte(last, '.'); i >= 0 {
		last = last[i+1:]
	}
	for _, name := range []string{read, last} {
		if n, ok := names[strings.ToLower(name)]; ok {
			return n.table, n.view
		}
	}
	return "", ""
}

type namedNode struct{ table, view string }

// nameIndex maps each lower-cased table and view name to it.
func nameIndex(w *Workflow) map[string]namedNode {
	idx := make(map[string]namedNode, len(w.Tables)+len(w.Views))
	for _, t := range w.Tables {
		idx[strings.ToLower(t.Name)] = namedNode{table: t.Name}
	}
	for _, v := range w.Views {
		idx[strings.ToLower(v.Name)] = namedNode{view: v.Name}
	}
	return idx
}

// viewOrder returns the views in lexicographic topological order, or
// ErrCycle naming the views of one cycle.
func viewOrder(w *Workflow, reads []*viewReads) ([]string, error) {
	names := make([]string, len(reads))
	var edges []kernel.Edge
	for i, r := range reads {
		names[i] = r.view.Name
		for _, up := range r.upstream {
			edges = append(edges, kernel.Edge{From: up, To: r.view.Name, Weight: kernel.DefaultWeight})
		}
	}
	vg, err := kernel.New(names, edges)
	if err != nil {
		return nil, fmt.Errorf("workflow %s: view graph: %w", w.Path, err)
	}
	if cyc := vg.FindCycle(); cyc != nil {
		return nil, fmt.Errorf("workflow %s: %w: %s -> %s", w.Path, ErrCycle, strings.Join(cyc, " -> "), cyc[0])
	}
	return vg.LexicographicOrder()
}

// cachedOpener opens each location once, whichever views read it.
func cachedOpener(open func(context.Context, string) (*delta.Table, error)) func(context.Context, string) (*delta.Table, error) {
	if open == nil {
		open = func(ctx context.Context, loc string) (*delta.Table, error) { return delta.Open(ctx, loc) }
	}
	var mu sync.Mutex
	tables := map[string]*delta.Table{}
	return func(ctx context.Context, loc string) (*delta.Table, error) {
		mu.Lock()
		defer mu.Unlock()
		if t, ok := tables[loc]; ok {
			return t, nil
		}
		t, err := open(ctx, loc)
		if err != nil {
			return nil, err
		}
		tables[loc] = t
		return t, nil
	}
}

// pinLatest pins, once, the latest version of every table some view reads
// without a pin of its own, so that every such view sees the same version.
func pinLatest(ctx context.Context, w *Workflow, reads []*viewReads, c *buildCache) (map[string]int64, error) {
	need := map[string]bool{}
	for _, r := range reads {
		for _, t := range r.tables {
			if _, pinned := pinOf(r.view, t); !pinned {
				need[t] = true
			}
		}
	}
	latest := map[string]int64{}
	for _, t := range w.Tables {
		if !need[t.Name] {
			continue
		}
		s, err := c.snapshot(ctx, planbundle.Table{Name: t.Name, Location: t.Location})
		if err != nil {
			return nil, fmt.Errorf("workflow %s: %w", w.Path, err)
		}
		latest[t.Name] = s.Version
	}
	return latest, nil
}

func pinOf(v View, table string) (int64, bool) {
	for _, p := range v.Pins {
		if p.Table == table {
			return p.Version, true
		}
	}
	return 0, false
}

// buildView builds one view's plan bundle over the tables it reads.
func buildView(ctx context.Context, w *Workflow, r *viewReads, latest map[string]int64, c *buildCache, target int64) (*planbundle.Bundle, error) {
	in := planbundle.Inputs{Prepared: r.prep, TargetBytes: target, Snapshot: c.snapshot}
	for _, name := range r.tables {
		t := w.Tables[slices.IndexFunc(w.Tables, func(t Table) bool { return t.Name == name })]
		v, ok := pinOf(r.view, name)
		if !ok {
			v = latest[name]
		}
		in.Tables = append(in.Tables, planbundle.Table{Name: t.Name, Location: t.Location, Version: &v})
	}
	if r.view.Session != "" {
		rt, err := c.session(ctx, r.view.Session)
		if err != nil {
			return nil, fmt.Errorf("workflow %s: view %s: %w", w.Path, r.view.Name, err)
		}
		in.Session = rt
	}
	b, err := buildBundle(ctx, in, r.upstream)
	if err != nil {
		return nil, fmt.Errorf("workflow %s: view %s: plan %s: %w", w.Path, r.view.Name, r.view.Plan, err)
	}
	return b, nil
}

// newViewCode collects what a view's code version covers: the plan
// fingerprint, the signed part of the session (so a change to a UDF the
// plan never calls reruns nothing), the called UDFs' hash and the rewrite
// tags the plan requires; and the pins it read, to explain data changes.
func newViewCode(b *planbundle.Bundle) *viewCode {
	c := &viewCode{
		planFingerprint: b.Components.PlanFingerprint.String(),
		runtimeHash:     b.Components.SessionDigest().String(), // settings, planners, called UDFs, applicable tags
		udfSnapshotHash: b.Components.UDFSnapshotHash.String(),
		rewriteTags:     slices.Sorted(slices.Values(b.RequiredRewriteTags)),
		pins:            map[string]tablePin{},
	}
	parts := []string{c.planFingerprint, c.runtimeHash, c.udfSnapshotHash, strconv.Itoa(len(c.rewriteTags))}
	c.version = cachekey.Hash("deltaplan.view.code.v1", append(parts, c.rewriteTags...)...)
	for _, t := range b.Tables {
		c.pins[t.Name] = tablePin{TableID: t.TableID, Version: t.Version}
	}
	return c
}

// newScanContent digests a scan unit's content. It needs the per-file sizes
// and deletion-vector ids a freshly built bundle carries.
func newScanContent(tableID string, u planbundle.ScanUnit) (*scanContent, error) {
	if len(u.Sizes) != len(u.Files) || len(u.DVIDs) != len(u.Files) {
		return nil, fmt.Errorf("scan unit %s: %w: %d files, %d sizes, %d deletion-vector ids", u.ID, ErrUnhashable, len(u.Files), len(u.Sizes), len(u.DVIDs))
	}
	sc := &scanContent{tableID: tableID}
	read := []string{tableID, strconv.Itoa(len(u.ProjectedColumns))}
	read = append(read, u.ProjectedColumns...)
	read = append(read, strconv.Itoa(len(u.PushedFilters)))
	read = append(read, u.PushedFilters...)
	sc.read = cachekey.Hash("deltaplan.scan.read.v1", read...)
	files := []string{strconv.Itoa(len(u.Partition))}
	files = append(files, u.Partition...)
	for i, f := range u.Files {
		files = append(files, f, strconv.FormatInt(u.Sizes[i], 10), u.DVIDs[i])
		id := f
		if u.DVIDs[i] != "" {
			id += " (dv " + u.DVIDs[i] + ")"
		}
		sc.files = append(sc.files, id)
	}
	slices.Sort(sc.files)
	sc.filesDigest = cachekey.Hash("deltaplan.scan.files.v1", files...)
	sc.content = scanContentDigest(sc.read, sc.filesDigest)
	return sc, nil
}

// resolveBehaviors sets every task's behavior: the command-line lists win
// over a view's own behavior, which wins over the workflow defaults
// (Behavior for views, ScanBehavior for scan units), which win over default.
func (g *Graph) resolveBehaviors(w *Workflow, tasks []kernel.Task, opts Options) error {
	cli := map[string]kernel.Behavior{}
	from := map[string]string{}
	var probs []string
	for _, l := range []struct {
		flag  string
		names []string
		b     kernel.Behavior
	}{{"--recompute", opts.Recompute, kernel.BehaviorRecompute}, {"--disable", opts.Disable, kernel.BehaviorDisable}, {"--ignore", opts.Ignore, kernel.BehaviorIgnore}} {
		for _, name := range l.names {
			nodes := g.matchNodes(tasks, name)
			if len(nodes) == 0 {
				return fmt.Errorf("workflow %s: %w: %s %s names no view, node or table of the workflow", w.Path, ErrUnknownNode, l.flag, name)
			}
			for _, n := range nodes {
				if prev, ok := from[n]; ok && cli[n] != l.b {
					probs = append(probs, fmt.Sprintf("node %s is in both %s and %s", n, prev, l.flag))
				}
				cli[n], from[n] = l.b, l.flag
			}
		}
	}
	if len(probs) > 0 {
		slices.Sort(probs)
		return fmt.Errorf("workflow %s: %w: %s", w.Path, ErrOverrideConflict, strings.Join(slices.Compact(probs), "; "))
	}
	for i := range tasks {
		t := &tasks[i]
		info := g.info[t.Name]
		switch b, ok := cli[t.Name]; {
		case ok:
			t.Behavior, info.behaviorFrom = b, "command line"
		case t.Kind == kernel.KindView:
			v, _ := w.View(info.view)
			if v.BehaviorSet {
				t.Behavior, info.behaviorFrom = v.Behavior, "view"
			} else {
				t.Behavior, info.behaviorFrom = w.Defaults.Behavior, "defaults"
			}
		default:
			t.Behavior, info.behaviorFrom = w.Defaults.ScanBehavior, "defaults"
		}
		if info.behaviorFrom == "defaults" && t.Behavior == kernel.BehaviorDefault {
			info.behaviorFrom = "default"
		}
		g.info[t.Name] = info
	}
	return nil
}

// matchNodes resolves a command-line name: a view name, a node name, or
// "scan:TABLE" for all units of a table (names compared exactly, then
// case-insensitively).
func (g *Graph) matchNodes(tasks []kernel.Task, name string) []string {
	var out []string
	for _, fold := range []bool{false, true} {
		eq := func(a, b string) bool { return a == b || fold && strings.EqualFold(a, b) }
		for _, t := range tasks {
			info := g.info[t.Name]
			switch {
			case eq(t.Name, name),
				t.Kind == kernel.KindView && eq(info.view, name),
				t.Kind == kernel.KindScanUnit && eq(scanPrefix+info.table, name):
				out = append(out, t.Name)
			}
		}
		if len(out) > 0 {
			break
		}
	}
	slices.Sort(out)
	return out
}

// combine returns base when nothing is keyed, else a sha256 over base and
// the (name, signature) pairs, length-prefixed so no two inputs share an
// encoding.
func combine(base string, pairs []string) string {
	if len(pairs) == 0 {
		return base
	}
	h := sha256.New()
	var buf [8]byte
	for _, s := range append([]string{"deltaplan.workflow.view.v1", base}, pairs...) {
		binary.BigEndian.PutUint64(buf[:], uint64(len(s)))
		h.Write(buf[:])
		h.Write([]byte(s))
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

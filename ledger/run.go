package ledger

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Node is one task-graph node as a run planned it.
//
// Invariants (SavePlan checks them): Name is unique in its run; Kind is
// "scan_unit" or "view"; Behavior is "default", "recompute", "disable" or
// "ignore"; an admitted node has Status "missing", "stale" or "fresh" and
// a Generation >= 0, any other has Status "" and Generation -1; every
// dependency is a node of the run with an edge to this node; every
// Pending entry is a dependency; Detail is empty or valid JSON.
type Node struct {
	Name        string // e.g. "view:orders", "scan:sales:0123456789abcdef"
	Kind        string // "scan_unit" | "view"
	CacheKey    string // may be long; self-describing (see package cachekey)
	CodeVersion string
	// Dependencies: dependency node -> the data version used in CacheKey.
	Dependencies map[string]string
	// Pending: dependencies whose data version was provisional at plan
	// time (they ran in the same run); Record re-keys the node with their
	// recorded data versions.
	Pending []string
	// DataVersion is the data version dependents use when nothing is
	// recorded (scan units: their content digest; views: "" = use the
	// cache key).
	DataVersion string
	Admitted    bool
	Status      string // "missing" | "stale" | "fresh" when admitted, "" otherwise
	Behavior    string // "default" | "recompute" | "disable" | "ignore"
	Generation  int    // index of the admitted generation; -1 when not admitted
	// Detail is opaque JSON (a scan unit's table, version and files; a
	// view's code components), stored and returned byte-identical. Empty
	// is stored as NULL and returned as nil.
	Detail json.RawMessage
}

// Run is one planned run of a workflow. SavePlan stores, and Run (the
// method) returns, Nodes sorted by name, Edges sorted, Requested sorted,
// each generation sorted (generations in their order), and non-nil maps
// and slices throughout.
type Run struct {
	ID          string
	CreatedAt   time.Time // UTC, stored with millisecond precision
	Workflow    string
	Signature   string // the task graph's full signature
	Requested   []string
	Nodes       []Node      // sorted by name
	Edges       [][2]string // every task-graph edge (from, to), sorted
	Generations [][]string
}

// RunInfo summarizes a stored run.
type RunInfo struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	Workflow  string    `json:"workflow"`
	Nodes     int       `json:"nodes"`    // planned nodes
	Recorded  int       `json:"recorded"` // records (attempts of tasks)
}

// NewRunID returns a new run id, "run-" + the UTC time as 20060102T150405Z
// + "-" + 8 random hex digits: ids sort by creation second.
func NewRunID() string {
	var b [4]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return "run-" + time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// Values of Node fields.
var (
	kinds     = []string{"scan_unit", "view"}
	behaviors = []string{"default", "recompute", "disable", "ignore"}
	admitted  = []string{"fresh", "missing", "stale"}
)

// keyHash is the index form of a cache key: its sha256.
func keyHash(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// validateRun checks r's invariants and returns sorted copies of its nodes
// and edges.
func validateRun(r *Run) ([]Node, [][2]string, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("run %q: %w: %s", r.ID, ErrFormat, fmt.Sprintf(format, args...))
	}
	if r.ID == "" {
		return nil, nil, fmt.Errorf("run: %w: empty id", ErrFormat)
	}
	nodes := slices.Clone(r.Nodes)
	slices.SortFunc(nodes, func(a, b Node) int { return strings.Compare(a.Name, b.Name) })
	index := make(map[string]int, len(nodes))
	for i, n := range nodes {
		if n.Name == "" {
			return nil, nil, bad("node %d has no name", i)
		}
		if i > 0 && nodes[i-1].Name == n.Name {
			return nil, nil, bad("node %q listed twice", n.Name)
		}
		index[n.Name] = i
	}
	edges := slices.Clone(r.Edges)
	slices.SortFunc(edges, func(a, b [2]string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	})
	preds := map[string]map[string]bool{}
	for i, e := range edges {
		if i > 0 && edges[i-1] == e {
			return nil, nil, bad("edge %s -> %s listed twice", e[0], e[1])
		}
		for _, end := range e {
			if _, ok := index[end]; !ok {
				return nil, nil, bad("edge %s -> %s: %q is not a node", e[0], e[1], end)
			}
		}
		if preds[e[1]] == nil {
			preds[e[1]] = map[string]bool{}
		}
		preds[e[1]][e[0]] = true
	}
	if _, err := topoOrder(names(nodes), edges); err != nil {
		return nil, nil, bad("%v", err)
	}
	for _, n := range nodes {
		if !slices.Contains(kinds, n.Kind) {
			return nil, nil, bad("node %q: kind %q (want one of %s)", n.Name, n.Kind, strings.Join(kinds, ", "))
		}
		if !slices.Contains(behaviors, n.Behavior) {
			return nil, nil, bad("node %q: behavior %q (want one of %s)", n.Name, n.Behavior, strings.Join(behaviors, ", "))
		}
		if n.Admitted {
			if !slices.Contains(admitted, n.Status) {
				return nil, nil, bad("node %q: admitted with status %q (want one of %s)", n.Name, n.Status, strings.Join(admitted, ", "))
			}
			if n.Generation < 0 {
				return nil, nil, bad("node %q: admitted with generation %d", n.Name, n.Generation)
			}
		} else {
			if n.Status != "" {
				return nil, nil, bad("node %q: not admitted but status %q", n.Name, n.Status)
			}
			if n.Generation != -1 {
				return nil, nil, bad("node %q: not admitted but generation %d (want -1)", n.Name, n.Generation)
			}
		}
		for d := range n.Dependencies {
			if !preds[n.Name][d] {
				return nil, nil, bad("node %q: dependency %q has no edge to it", n.Name, d)
			}
		}
		for p := range preds[n.Name] {
			if _, ok := n.Dependencies[p]; !ok {
				return nil, nil, bad("node %q: edge from %q is not among its dependencies (a node's dependencies are its graph inputs)", n.Name, p)
			}
		}
		for _, p := range n.Pending {
			if _, ok := n.Dependencies[p]; !ok {
				return nil, nil, bad("node %q: pending %q is not a dependency", n.Name, p)
			}
		}
		if len(n.Detail) > 0 && !json.Valid(n.Detail) {
			return nil, nil, bad("node %q: detail is not valid JSON", n.Name)
		}
	}
	return nodes, edges, nil
}

func names(nodes []Node) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.Name
	}
	return out
}

// jsonText marshals v, which cannot fail for the types used here.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("ledger: marshal %T: %v", v, err))
	}
	return string(b)
}

// SavePlan stores a planned run in one transaction. A zero CreatedAt is set
// to the current time (in r). A run id already stored is ErrDuplicate; a
// run that breaks Node's invariants is ErrFormat.
//
// Each cache key's metadata (node, kind, code version, dependencies, data
// version, detail) is stored once; a run stores per node only references
// and its status, behavior, generation and pending inputs. A key keeps the
// detail of its first planning (the same key means the same inputs: its
// detail tells the table versions it was first computed at). Edges are not
// stored: they are the nodes' dependencies.
func (s *Store) SavePlan(ctx context.Context, r *Run) error {
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now().UTC()
	}
	nodes, _, err := validateRun(r)
	if err != nil {
		return fmt.Errorf("ledger %s: save plan: %w", s.path, err)
	}
	req := slices.Sorted(slices.Values(r.Requested))
	if req == nil {
		req = []string{}
	}
	return s.write(ctx, "save plan "+r.ID, func(tx *qtx) error {
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM runs WHERE id = ?", r.ID).Scan(&one)
		if err == nil {
			return fmt.Errorf("ledger %s: save plan: run %q: %w: already stored", s.path, r.ID, ErrDuplicate)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return wrapDB(s.path, "save plan: look up run", err)
		}
		var seq int64
		err = tx.QueryRowContext(ctx, `INSERT INTO runs (id, created_at, workflow, signature, requested) VALUES (?, ?, ?, ?, ?) RETURNING seq`,
			r.ID, r.CreatedAt.UTC().UnixMilli(), r.Workflow, r.Signature, jsonText(req)).Scan(&seq)
		if err != nil {
			return wrapDB(s.path, "save plan: insert run", err)
		}
		nameIDs, err := internNames(ctx, tx, names(nodes))
		if err != nil {
			return wrapDB(s.path, "save plan: insert names", err)
		}
		metas := make([]keyMeta, len(nodes))
		for i, n := range nodes {
			metas[i] = keyMeta{key: n.CacheKey, node: nameIDs[n.Name], kind: n.Kind, codeVersion: n.CodeVersion,
				deps: n.Dependencies, dataVersion: n.DataVersion, detail: n.Detail}
		}
		keyIDs, err := internKeys(ctx, tx, metas)
		if err != nil {
			return wrapDB(s.path, "save plan: insert cache keys", err)
		}
		rows := make([][]any, len(nodes))
		for i, n := range nodes {
			var pending any
			if len(n.Pending) > 0 {
				pending = jsonText(slices.Sorted(slices.Values(n.Pending)))
			}
			rows[i] = []any{seq, nameIDs[n.Name], keyIDs[n.CacheKey], n.Status, n.Behavior, n.Generation, pending}
		}
		err = insertRows(ctx, tx, `INSERT INTO plan (run, node, key, status, behavior, generation, pending) VALUES `, "", rows)
		return wrapDB(s.path, "save plan: insert plan", err)
	})
}

// internNames stores the names not yet stored and returns every name's id.
func internNames(ctx context.Context, tx *qtx, list []string) (map[string]int64, error) {
	rows := make([][]any, 0, len(list))
	seen := make(map[string]bool, len(list))
	// Sorted, so concurrent writers take the unique index's locks in one
	// order (PostgreSQL would otherwise deadlock them).
	for _, n := range slices.Sorted(slices.Values(list)) {
		if !seen[n] {
			seen[n] = true
			rows = append(rows, []any{n})
		}
	}
	if err := insertRows(ctx, tx, "INSERT INTO names (name) VALUES ", " ON CONFLICT (name) DO NOTHING", rows); err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(rows))
	for start := 0; start < len(list); start += lookupChunk {
		chunk := list[start:min(start+lookupChunk, len(list))]
		q, err := tx.QueryContext(ctx, `SELECT n.id, n.name FROM json_each(?) j JOIN names n ON n.name = j.value`, jsonText(chunk))
		if err != nil {
			return nil, err
		}
		for q.Next() {
			var id int64
			var name string
			if err := q.Scan(&id, &name); err != nil {
				q.Close()
				return nil, err
			}
			out[name] = id
		}
		err = q.Err()
		q.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// keyMeta is what the ledger keeps once per cache key.
type keyMeta struct {
	key         string
	node        int64
	kind        string
	codeVersion string
	deps        map[string]string
	dataVersion string
	detail      json.RawMessage
}

// internKeys stores the keys not yet stored (a stored key keeps its
// metadata) and returns every key's id. Most keys of a run were stored by
// an earlier one, so ids are looked up first and only the missing keys are
// sent; detail (may be nil) supplies their details.
func internKeys(ctx context.Context, tx *qtx, metas []keyMeta) (map[string]int64, error) {
	byHex := make(map[string]string, len(metas))
	var hexes []string
	for _, m := range metas {
		h := hex.EncodeToString(keyHash(m.key))
		if _, ok := byHex[h]; !ok {
			byHex[h] = m.key
			hexes = append(hexes, h)
		}
	}
	out, err := keyIDs(ctx, tx, hexes, byHex)
	if err != nil {
		return nil, err
	}
	var rows [][]any
	var missing []string
	seen := map[string]bool{}
	for _, m := range metas {
		if _, ok := out[m.key]; ok || seen[m.key] {
			continue
		}
		seen[m.key] = true
		deps := m.deps
		if deps == nil {
			deps = map[string]string{}
		}
		var detail any
		if len(m.detail) > 0 {
			detail = []byte(m.detail)
		}
		h := keyHash(m.key)
		rows = append(rows, []any{h, m.key, m.node, m.kind, m.codeVersion, jsonText(deps), m.dataVersion, detail})
		missing = append(missing, hex.EncodeToString(h))
	}
	if len(rows) == 0 {
		return out, nil
	}
	// Sorted by hash: one lock order for concurrent writers.
	slices.SortFunc(rows, func(a, b []any) int { return bytes.Compare(a[0].([]byte), b[0].([]byte)) })
	if err := insertRows(ctx, tx, "INSERT INTO keys (hash, key, node, kind, code_version, dependencies, data_version, detail) VALUES ", " ON CONFLICT (hash) DO NOTHING", rows); err != nil {
		return nil, err
	}
	added, err := keyIDs(ctx, tx, missing, byHex)
	if err != nil {
		return nil, err
	}
	for k, id := range added {
		out[k] = id
	}
	return out, nil
}

// keyIDs returns the ids of the stored keys among hexes (hex sha256s;
// byHex maps them to key texts).
func keyIDs(ctx context.Context, tx *qtx, hexes []string, byHex map[string]string) (map[string]int64, error) {
	out := make(map[string]int64, len(hexes))
	for start := 0; start < len(hexes); start += lookupChunk {
		chunk := hexes[start:min(start+lookupChunk, len(hexes))]
		q, err := tx.QueryContext(ctx, `SELECT k.id, lower(hex(k.hash)) FROM json_each(?) j JOIN keys k ON k.hash = unhex(j.value)`, jsonText(chunk))
		if err != nil {
			return nil, err
		}
		for q.Next() {
			var id int64
			var h string
			if err := q.Scan(&id, &h); err != nil {
				q.Close()
				return nil, err
			}
			out[byHex[h]] = id
		}
		err = q.Err()
		q.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Run returns the stored run id, or ErrUnknownRun.
func (s *Store) Run(ctx context.Context, id string) (*Run, error) {
	var r *Run
	err := s.read(ctx, "run "+id, func(tx *qtx) error {
		var (
			err error
			seq int64
		)
		r, seq, err = s.loadRun(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.Nodes, err = s.loadNodes(ctx, tx, seq); err != nil {
			return err
		}
		fillGraph(r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// loadRun reads a run's row (without nodes, edges and generations) and its
// sequence number.
func (s *Store) loadRun(ctx context.Context, q querier, id string) (*Run, int64, error) {
	var (
		seq int64
		ms  int64
		req string
		r   = &Run{ID: id}
	)
	err := q.QueryRowContext(ctx, `SELECT seq, created_at, workflow, signature, requested FROM runs WHERE id = ?`, id).
		Scan(&seq, &ms, &r.Workflow, &r.Signature, &req)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, fmt.Errorf("ledger %s: run %q: %w", s.path, id, ErrUnknownRun)
	}
	if err != nil {
		return nil, 0, wrapDB(s.path, "read run "+id, err)
	}
	r.CreatedAt = time.UnixMilli(ms).UTC()
	if err := json.Unmarshal([]byte(req), &r.Requested); err != nil {
		return nil, 0, fmt.Errorf("ledger %s: run %q: %w: %w", s.path, id, ErrCorrupt, err)
	}
	if r.Requested == nil {
		r.Requested = []string{}
	}
	r.Edges, r.Generations = [][2]string{}, [][]string{}
	return r, seq, nil
}

// fillGraph derives a run's edges (each node's dependencies) and
// generations (its admitted nodes by generation) from its nodes.
func fillGraph(r *Run) {
	r.Edges = [][2]string{}
	for _, n := range r.Nodes {
		for _, d := range sortedKeys(n.Dependencies) {
			r.Edges = append(r.Edges, [2]string{d, n.Name})
		}
		if n.Admitted {
			for len(r.Generations) <= n.Generation {
				r.Generations = append(r.Generations, []string{})
			}
			r.Generations[n.Generation] = append(r.Generations[n.Generation], n.Name)
		}
	}
	slices.SortFunc(r.Edges, func(a, b [2]string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	})
}

// nodeColumns are the columns scanNode reads, from plan p joined with
// names nm and keys k.
const nodeColumns = `nm.name, k.kind, k.key, k.code_version, k.dependencies, coalesce(p.pending, '[]'), k.data_version,
	p.status, p.behavior, p.generation, k.detail`

const nodeJoins = ` JOIN names nm ON nm.id = p.node JOIN keys k ON k.id = p.key`

type rowScanner interface{ Scan(dest ...any) error }

// scanNode reads nodeColumns (then extra destinations) into a Node.
func (s *Store) scanNode(row rowScanner, extra ...any) (Node, error) {
	var (
		n             Node
		deps, pending string
		detail        []byte
	)
	dest := append([]any{&n.Name, &n.Kind, &n.CacheKey, &n.CodeVersion, &deps, &pending, &n.DataVersion,
		&n.Status, &n.Behavior, &n.Generation, &detail}, extra...)
	if err := row.Scan(dest...); err != nil {
		return n, wrapDB(s.path, "read node", err)
	}
	n.Admitted = n.Generation >= 0
	var err error
	if n.Dependencies, err = decodeDeps(deps); err != nil {
		return n, fmt.Errorf("ledger %s: node %q: dependencies: %w: %w", s.path, n.Name, ErrCorrupt, err)
	}
	if n.Pending, err = decodeList(pending); err != nil {
		return n, fmt.Errorf("ledger %s: node %q: pending: %w: %w", s.path, n.Name, ErrCorrupt, err)
	}
	if len(detail) > 0 {
		n.Detail = json.RawMessage(detail)
	}
	return n, nil
}

// loadNodes reads the nodes of run id, sorted by name.
func (s *Store) loadNodes(ctx context.Context, q querier, seq int64) ([]Node, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+nodeColumns+` FROM plan p`+nodeJoins+` WHERE p.run = ? ORDER BY nm.name`, seq)
	if err != nil {
		return nil, wrapDB(s.path, "read nodes", err)
	}
	defer rows.Close()
	nodes := []Node{}
	for rows.Next() {
		n, err := s.scanNode(rows)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapDB(s.path, "read nodes", err)
	}
	return nodes, nil
}

// Runs lists the stored runs sorted by creation time, then id.
func (s *Store) Runs(ctx context.Context) ([]RunInfo, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.id, r.created_at, r.workflow, (SELECT count(*) FROM plan p WHERE p.run = r.seq),
		(SELECT count(*) FROM records c WHERE c.run = r.seq) FROM runs r ORDER BY r.created_at, r.id`)
	if err != nil {
		return nil, wrapDB(s.path, "list runs", err)
	}
	defer rows.Close()
	out := []RunInfo{}
	for rows.Next() {
		var (
			ri RunInfo
			ms int64
		)
		if err := rows.Scan(&ri.ID, &ms, &ri.Workflow, &ri.Nodes, &ri.Recorded); err != nil {
			return nil, wrapDB(s.path, "list runs", err)
		}
		ri.CreatedAt = time.UnixMilli(ms).UTC()
		out = append(out, ri)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapDB(s.path, "list runs", err)
	}
	return out, nil
}

// decodeDeps reads a stored dependencies object; never nil.
func decodeDeps(text string) (map[string]string, error) {
	if text == "{}" {
		return map[string]string{}, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]string{}
	}
	return m, nil
}

// decodeList reads a stored JSON array of strings; never nil.
func decodeList(text string) ([]string, error) {
	if text == "[]" {
		return []string{}, nil
	}
	var l []string
	if err := json.Unmarshal([]byte(text), &l); err != nil {
		return nil, err
	}
	if l == nil {
		l = []string{}
	}
	return l, nil
}

// maxParams bounds the parameters of one statement (SQLite allows 32766).
const maxParams = 30000

// insertRows inserts rows (all of one width) with multi-row INSERT
// statements: prefix, then "(?, …), (?, …)", then suffix.
func insertRows(ctx context.Context, tx *qtx, prefix, suffix string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	width := len(rows[0])
	per := max(1, min(maxParams/width, 500))
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, per*width)
	for start := 0; start < len(rows); start += per {
		batch := rows[start:min(start+per, len(rows))]
		args = args[:0]
		for _, r := range batch {
			args = append(args, r...)
		}
		if len(batch) == per {
			if full == nil {
				var err error
				full, err = tx.PrepareContext(ctx, prefix+strings.TrimSuffix(strings.Repeat(tuple+", ", per), ", ")+suffix)
				if err != nil {
					return err
				}
			}
			if _, err := full.ExecContext(ctx, args...); err != nil {
				return err
			}
			continue
		}
		q := prefix + strings.TrimSuffix(strings.Repeat(tuple+", ", len(batch)), ", ") + suffix
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

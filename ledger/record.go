package ledger

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// RecordSummary says what Record stored.
type RecordSummary struct {
	RunID     string `json:"run_id"`
	Recorded  int    `json:"recorded"`
	Succeeded int    `json:"succeeded"`
	Failed    int    `json:"failed"`
	Skipped   int    `json:"skipped"`
	// Rekeyed are the nodes whose final key differs from the planned one,
	// sorted.
	Rekeyed []string `json:"rekeyed"`
	// Records are the stored records, sorted by name.
	Records []Recorded `json:"records"`
}

// Recorded is one stored record; CacheKey is the final key.
type Recorded struct {
	Name        string `json:"name"`
	Attempt     int    `json:"attempt"`
	Status      string `json:"status"`
	PlannedKey  string `json:"planned_key"`
	CacheKey    string `json:"cache_key"`
	DataVersion string `json:"data_version"`
}

// RekeyFunc rebuilds a planned cache key with new dependency data
// versions (deps holds every dependency of the node, the resolved
// pending ones replaced).
type RekeyFunc = func(planned string, deps map[string]string) (string, error)

// planned is what Record needs of a planned node.
type planned struct {
	nodeID, keyID     int64
	key, codeVersion  string
	kind, dataVersion string
	status            string // as planned: "" when not admitted
	deps              map[string]string
	pending           []string
}

// outcome is a task's highest recorded attempt in the run: its status,
// final key and recorded data version ("" for none).
type outcome struct {
	attempt          int
	status           string
	key, dataVersion string
}

// Record stores the results of a planned run in one transaction. An
// unknown run (ErrUnknownRun), a task that is not a node of the run
// (ErrUnknownTask), an attempt listed twice or already recorded, or older
// than one already recorded (ErrDuplicate), malformed results (ErrFormat),
// a succeeded task whose input runs in this run (admitted, not fresh) but
// whose highest attempt failed, was skipped or was never reported
// (ErrInconsistent), or a failing rekey are errors naming the tasks, and
// then nothing is recorded.
//
// Attempts: a task's attempt defaults to 1; later attempts of the same run
// may come in the same results or a later Record; a task's highest
// attempt is its outcome in the run.
//
// Re-keying: tasks are processed in topological order of the run's edges
// (the smallest name first among the ready ones), attempts in order. A
// succeeded task whose node has Pending dependencies gets, for each pending
// dependency D whose outcome in this run succeeded, the data version D's
// recorded data_version, or when it has none D's final cache key; then its
// key is rebuilt with rekey(planned key, dependencies). Other dependencies
// keep their planned values, and a node none of whose pending dependencies
// succeeded keeps its planned key. rekey may be nil only when no
// re-keying is needed.
func (s *Store) Record(ctx context.Context, res *Results, rekey RekeyFunc) (*RecordSummary, error) {
	if err := validateResults(res); err != nil {
		return nil, fmt.Errorf("ledger %s: record: %w", s.path, err)
	}
	sum := &RecordSummary{RunID: res.RunID, Rekeyed: []string{}, Records: []Recorded{}}
	op := "record " + res.RunID
	err := s.write(ctx, op, func(tx *qtx) error {
		_, seq, err := s.loadRun(ctx, tx, res.RunID)
		if err != nil {
			return err
		}
		if s.pg {
			// Recorders of one run take turns (SQLite's BEGIN IMMEDIATE
			// already serializes every writer).
			if _, err := tx.ExecContext(ctx, "SELECT seq FROM runs WHERE seq = ? FOR UPDATE", seq); err != nil {
				return wrapDB(s.path, op+": lock the run", err)
			}
		}
		plan, err := s.loadPlanned(ctx, tx, seq)
		if err != nil {
			return err
		}
		outcomes, err := s.loadOutcomes(ctx, tx, seq)
		if err != nil {
			return err
		}
		for i, t := range res.Tasks {
			if _, ok := plan[t.Name]; !ok {
				return fmt.Errorf("ledger %s: %s: task %d (%q): %w: not a node of the run", s.path, op, i, t.Name, ErrUnknownTask)
			}
			if o, ok := outcomes[t.Name]; ok && t.attempt() <= o.attempt {
				if t.attempt() == o.attempt {
					return fmt.Errorf("ledger %s: %s: task %d (%q): %w: attempt %d already recorded (%s) for this run", s.path, op, i, t.Name, ErrDuplicate, o.attempt, o.status)
				}
				return fmt.Errorf("ledger %s: %s: task %d (%q): %w: attempt %d is older than attempt %d already recorded for this run", s.path, op, i, t.Name, ErrDuplicate, t.attempt(), o.attempt)
			}
		}
		// The order of the whole graph, restricted to the tasks, is a
		// topological order of the tasks.
		var edges [][2]string
		for name, p := range plan {
			for d := range p.deps {
				edges = append(edges, [2]string{d, name})
			}
		}
		order, err := topoOrder(sortedKeys(plan), edges)
		if err != nil {
			return fmt.Errorf("ledger %s: %s: %w: %w", s.path, op, ErrCorrupt, err)
		}
		pos := make(map[string]int, len(order))
		for i, n := range order {
			pos[n] = i
		}
		tasks := slices.Clone(res.Tasks)
		slices.SortFunc(tasks, func(a, b TaskResult) int {
			if pos[a.Name] != pos[b.Name] {
				return pos[a.Name] - pos[b.Name]
			}
			return a.attempt() - b.attempt()
		})
		now := time.Now().UTC().UnixMilli()
		type row struct {
			t          TaskResult
			final      string
			finalDeps  map[string]string
			rekeyed    bool
			dataVerArg any
		}
		rows := make([]row, 0, len(tasks))
		for _, t := range tasks {
			p := plan[t.Name]
			r := row{t: t, final: p.key}
			if t.Status == StatusSucceeded && len(p.pending) > 0 {
				deps := maps.Clone(p.deps)
				resolved := false
				for _, d := range p.pending {
					if o, ok := outcomes[d]; ok && o.status == StatusSucceeded {
						deps[d] = o.key
						if o.dataVersion != "" {
							deps[d] = o.dataVersion
						}
						resolved = true
					}
				}
				if resolved {
					if rekey == nil {
						return fmt.Errorf("ledger %s: %s: task %q: %w: needs re-keying but no rekey function was given", s.path, op, t.Name, ErrFormat)
					}
					k, err := rekey(p.key, maps.Clone(deps))
					if err != nil {
						return fmt.Errorf("ledger %s: %s: task %q: rekey: %w", s.path, op, t.Name, err)
					}
					r.final, r.finalDeps, r.rekeyed = k, deps, k != p.key
				}
			}
			dv := ""
			if t.DataVersion != nil {
				dv = *t.DataVersion
				r.dataVerArg = dv
			}
			outcomes[t.Name] = outcome{attempt: t.attempt(), status: t.Status, key: r.final, dataVersion: dv}
			rows = append(rows, r)
		}
		// Consistency: a task that succeeded (as its highest attempt) needs
		// every input that runs in this run to have succeeded too.
		var bad []string
		for _, r := range rows {
			if o := outcomes[r.t.Name]; o.attempt != r.t.attempt() || o.status != StatusSucceeded {
				continue
			}
			for _, d := range sortedKeys(plan[r.t.Name].deps) {
				dp, ok := plan[d]
				if !ok || dp.status == "" || dp.status == "fresh" {
					continue // not admitted, or fresh: it does not run
				}
				switch o, reported := outcomes[d]; {
				case !reported:
					bad = append(bad, fmt.Sprintf("%s succeeded but its input %s was not reported in run %s", r.t.Name, d, res.RunID))
				case o.status != StatusSucceeded:
					bad = append(bad, fmt.Sprintf("%s succeeded but its input %s %s (attempt %d) in run %s", r.t.Name, d, o.status, o.attempt, res.RunID))
				}
			}
		}
		if len(bad) > 0 {
			return fmt.Errorf("ledger %s: %s: %w: %s", s.path, op, ErrInconsistent, strings.Join(bad, "; "))
		}
		// A re-keyed final key takes its planned key's metadata, detail
		// included (read only for those).
		var rekeyedFrom []int64
		for _, r := range rows {
			if r.final != plan[r.t.Name].key {
				rekeyedFrom = append(rekeyedFrom, plan[r.t.Name].keyID)
			}
		}
		details, err := s.keyDetails(ctx, tx, rekeyedFrom)
		if err != nil {
			return err
		}
		metas := make([]keyMeta, 0, len(rows))
		for _, r := range rows {
			p := plan[r.t.Name]
			deps := p.deps
			if r.finalDeps != nil {
				deps = r.finalDeps
			}
			metas = append(metas, keyMeta{key: r.final, node: p.nodeID, kind: p.kind, codeVersion: p.codeVersion, deps: deps,
				dataVersion: p.dataVersion, detail: details[p.keyID]})
		}
		keyIDs, err := internKeys(ctx, tx, metas)
		if err != nil {
			return wrapDB(s.path, op+": insert cache keys", err)
		}
		ins := make([][]any, 0, len(rows))
		for _, r := range rows {
			t, p := r.t, plan[r.t.Name]
			var finalDeps any // NULL: as planned
			if r.finalDeps != nil {
				finalDeps = jsonText(r.finalDeps)
			}
			ins = append(ins, []any{seq, p.nodeID, t.attempt(), keyIDs[r.final], p.keyID, r.dataVerArg, finalDeps, t.Status,
				now, unixNano(t.StartedAt), unixNano(t.EndedAt), intOrNil(t.Group)})
			dv, _ := r.dataVerArg.(string)
			sum.Records = append(sum.Records, Recorded{Name: t.Name, Attempt: t.attempt(), Status: t.Status, PlannedKey: p.key, CacheKey: r.final, DataVersion: dv})
			if r.rekeyed {
				sum.Rekeyed = append(sum.Rekeyed, t.Name)
			}
			switch t.Status {
			case StatusSucceeded:
				sum.Succeeded++
			case StatusFailed:
				sum.Failed++
			case StatusSkipped:
				sum.Skipped++
			}
		}
		err = insertRows(ctx, tx, `INSERT INTO records (run, node, attempt, key, planned, data_version,
			dependencies, status, recorded_at, started_at, ended_at, grp) VALUES `, "", ins)
		return wrapDB(s.path, op+": insert records", err)
	})
	if err != nil {
		return nil, err
	}
	sum.Recorded = len(sum.Records)
	slices.Sort(sum.Rekeyed)
	sum.Rekeyed = slices.Compact(sum.Rekeyed)
	slices.SortFunc(sum.Records, func(a, b Recorded) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return a.Attempt - b.Attempt
	})
	return sum, nil
}

func unixNano(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixNano()
}

func intOrNil(p *int) any {
	if p == nil {
		return nil
	}
	return int64(*p)
}

// loadPlanned reads every node of run seq.
func (s *Store) loadPlanned(ctx context.Context, tx *qtx, seq int64) (map[string]planned, error) {
	rows, err := tx.QueryContext(ctx, `SELECT nm.name, p.node, p.key, k.key, k.code_version, k.kind, k.data_version, p.status,
		k.dependencies, coalesce(p.pending, '[]')
		FROM plan p JOIN names nm ON nm.id = p.node JOIN keys k ON k.id = p.key WHERE p.run = ?`, seq)
	if err != nil {
		return nil, wrapDB(s.path, "read planned nodes", err)
	}
	defer rows.Close()
	out := map[string]planned{}
	for rows.Next() {
		var (
			name, deps, pending string
			p                   planned
		)
		if err := rows.Scan(&name, &p.nodeID, &p.keyID, &p.key, &p.codeVersion, &p.kind, &p.dataVersion, &p.status, &deps, &pending); err != nil {
			return nil, wrapDB(s.path, "read planned nodes", err)
		}
		if p.deps, err = decodeDeps(deps); err != nil {
			return nil, fmt.Errorf("ledger %s: node %q: dependencies: %w: %w", s.path, name, ErrCorrupt, err)
		}
		if p.pending, err = decodeList(pending); err != nil {
			return nil, fmt.Errorf("ledger %s: node %q: pending: %w: %w", s.path, name, ErrCorrupt, err)
		}
		out[name] = p
	}
	if err := rows.Err(); err != nil {
		return nil, wrapDB(s.path, "read planned nodes", err)
	}
	return out, nil
}

// keyDetails reads the details of the keys ids.
func (s *Store) keyDetails(ctx context.Context, tx *qtx, ids []int64) (map[int64][]byte, error) {
	out := map[int64][]byte{}
	for start := 0; start < len(ids); start += lookupChunk {
		chunk := ids[start:min(start+lookupChunk, len(ids))]
		rows, err := tx.QueryContext(ctx, `SELECT k.id, k.detail FROM json_each(?) j JOIN keys k ON k.id = CAST(j.value AS INTEGER)`, jsonText(chunk))
		if err != nil {
			return nil, wrapDB(s.path, "read key details", err)
		}
		for rows.Next() {
			var id int64
			var d []byte
			if err := rows.Scan(&id, &d); err != nil {
				rows.Close()
				return nil, wrapDB(s.path, "read key details", err)
			}
			out[id] = d
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, wrapDB(s.path, "read key details", err)
		}
	}
	return out, nil
}

// loadOutcomes reads every recorded task's highest attempt in run seq.
func (s *Store) loadOutcomes(ctx context.Context, tx *qtx, seq int64) (map[string]outcome, error) {
	rows, err := tx.QueryContext(ctx, `SELECT nm.name, r.attempt, r.status, k.key, coalesce(r.data_version, '')
		FROM records r JOIN names nm ON nm.id = r.node JOIN keys k ON k.id = r.key WHERE r.run = ? ORDER BY r.attempt`, seq)
	if err != nil {
		return nil, wrapDB(s.path, "read records", err)
	}
	defer rows.Close()
	out := map[string]outcome{}
	for rows.Next() {
		var name string
		var o outcome
		if err := rows.Scan(&name, &o.attempt, &o.status, &o.key, &o.dataVersion); err != nil {
			return nil, wrapDB(s.path, "read records", err)
		}
		out[name] = o // ascending attempts: the highest stays
	}
	if err := rows.Err(); err != nil {
		return nil, wrapDB(s.path, "read records", err)
	}
	return out, nil
}

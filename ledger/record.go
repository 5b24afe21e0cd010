package ledger

import (
	"context"
	"database/sql"
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
	key, codeVersion string
	deps             map[string]string
	pending          []string
}

// outcome is a succeeded task of the run: its final key and recorded
// data version ("" for none).
type outcome struct{ key, dataVersion string }

// Record stores the results of a planned run in one transaction. An
// unknown run (ErrUnknownRun), a task that is not a node of the run
// (ErrUnknownTask), a task listed twice or already recorded for the run by
// an earlier Record (ErrDuplicate), malformed results (ErrFormat) or a
// failing rekey are errors naming the task, and then nothing is recorded.
//
// Re-keying: tasks are processed in topological order of the run's edges
// (the smallest name first among the ready ones). A succeeded task whose
// node has Pending dependencies gets, for each pending dependency D
// recorded succeeded in this run (in res or by an earlier Record), the data
// version D's recorded data_version, or when it has none D's final cache
// key; then its key is rebuilt with rekey(planned key, dependencies).
// Other dependencies keep their planned values, and a node none of whose
// pending dependencies succeeded keeps its planned key. rekey may be nil
// only when no re-keying is needed.
func (s *Store) Record(ctx context.Context, res *Results, rekey RekeyFunc) (*RecordSummary, error) {
	if err := validateResults(res); err != nil {
		return nil, fmt.Errorf("ledger %s: record: %w", s.path, err)
	}
	sum := &RecordSummary{RunID: res.RunID, Rekeyed: []string{}, Records: []Recorded{}}
	op := "record " + res.RunID
	err := s.write(ctx, op, func(tx *sql.Tx) error {
		run, seq, err := s.loadRun(ctx, tx, res.RunID)
		if err != nil {
			return err
		}
		taskNames := make([]string, len(res.Tasks))
		for i, t := range res.Tasks {
			taskNames[i] = t.Name
		}
		plan, err := s.loadPlanned(ctx, tx, seq, taskNames)
		if err != nil {
			return err
		}
		done, succeeded, err := s.loadOutcomes(ctx, tx, seq)
		if err != nil {
			return err
		}
		for i, t := range res.Tasks {
			if _, ok := plan[t.Name]; !ok {
				return fmt.Errorf("ledger %s: %s: task %d (%q): %w: not a node of the run", s.path, op, i, t.Name, ErrUnknownTask)
			}
			if st, ok := done[t.Name]; ok {
				return fmt.Errorf("ledger %s: %s: task %d (%q): %w: already recorded (%s) for this run", s.path, op, i, t.Name, ErrDuplicate, st)
			}
		}
		// The order of the whole graph, restricted to the tasks, is a
		// topological order of the tasks.
		graph := map[string]bool{}
		for _, e := range run.Edges {
			graph[e[0]], graph[e[1]] = true, true
		}
		for n := range plan {
			graph[n] = true
		}
		order, err := topoOrder(slices.Sorted(maps.Keys(graph)), run.Edges)
		if err != nil {
			return fmt.Errorf("ledger %s: %s: %w: %w", s.path, op, ErrCorrupt, err)
		}
		pos := make(map[string]int, len(order))
		for i, n := range order {
			pos[n] = i
		}
		tasks := slices.Clone(res.Tasks)
		slices.SortFunc(tasks, func(a, b TaskResult) int { return pos[a.Name] - pos[b.Name] })
		now := time.Now().UTC().UnixMilli()
		rows := make([][]any, 0, len(tasks))
		finals := make([]string, 0, len(tasks))
		for _, t := range tasks {
			p := plan[t.Name]
			final := p.key
			var finalDeps any // NULL: as planned
			if t.Status == StatusSucceeded && len(p.pending) > 0 {
				deps := maps.Clone(p.deps)
				resolved := false
				for _, d := range p.pending {
					if o, ok := succeeded[d]; ok {
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
					final, finalDeps = k, jsonText(deps)
				}
			}
			dv := ""
			var dvArg any
			if t.DataVersion != nil {
				dv = *t.DataVersion
				dvArg = dv
			}
			if t.Status == StatusSucceeded {
				succeeded[t.Name] = outcome{key: final, dataVersion: dv}
			}
			finals = append(finals, final)
			rows = append(rows, []any{seq, t.Name, keyHash(final), keyHash(p.key), p.codeVersion, dvArg, finalDeps, t.Status,
				now, unixNano(t.StartedAt), unixNano(t.EndedAt), intOrNil(t.Group)})
			sum.Records = append(sum.Records, Recorded{Name: t.Name, Status: t.Status, PlannedKey: p.key, CacheKey: final, DataVersion: dv})
			if final != p.key {
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
		if err := internKeys(ctx, tx, finals); err != nil {
			return wrapDB(s.path, op+": insert cache keys", err)
		}
		err = insertRows(ctx, tx, `INSERT INTO records (run, node, key_hash, planned_hash, code_version, data_version,
			dependencies, status, recorded_at, started_at, ended_at, grp) VALUES `, "", rows)
		return wrapDB(s.path, op+": insert records", err)
	})
	if err != nil {
		return nil, err
	}
	sum.Recorded = len(sum.Records)
	slices.Sort(sum.Rekeyed)
	slices.SortFunc(sum.Records, func(a, b Recorded) int { return strings.Compare(a.Name, b.Name) })
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

// loadPlanned reads the nodes of run seq named in names; other names are
// absent from the map.
func (s *Store) loadPlanned(ctx context.Context, tx *sql.Tx, seq int64, names []string) (map[string]planned, error) {
	rows, err := tx.QueryContext(ctx, `SELECT n.name, k.key, n.code_version, n.dependencies, n.pending
		FROM json_each(?2) j CROSS JOIN nodes n ON n.run = ?1 AND n.name = j.value
		JOIN cache_keys k ON k.hash = n.key_hash`, seq, jsonText(names))
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
		if err := rows.Scan(&name, &p.key, &p.codeVersion, &deps, &pending); err != nil {
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

// loadOutcomes reads the records of run seq: every recorded task's status,
// and the succeeded ones' final keys and data versions.
func (s *Store) loadOutcomes(ctx context.Context, tx *sql.Tx, seq int64) (map[string]string, map[string]outcome, error) {
	rows, err := tx.QueryContext(ctx, `SELECT r.node, r.status, k.key, coalesce(r.data_version, '')
		FROM records r JOIN cache_keys k ON k.hash = r.key_hash WHERE r.run = ?`, seq)
	if err != nil {
		return nil, nil, wrapDB(s.path, "read records", err)
	}
	defer rows.Close()
	done, succeeded := map[string]string{}, map[string]outcome{}
	for rows.Next() {
		var name, status string
		var o outcome
		if err := rows.Scan(&name, &status, &o.key, &o.dataVersion); err != nil {
			return nil, nil, wrapDB(s.path, "read records", err)
		}
		done[name] = status
		if status == StatusSucceeded {
			succeeded[name] = o
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, wrapDB(s.path, "read records", err)
	}
	return done, succeeded, nil
}

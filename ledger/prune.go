package ledger

import (
	"context"
	"fmt"
	"time"
)

// PruneOptions say which runs Prune removes: those beyond the newest
// KeepRuns (by planning order), and those created before Now - OlderThan.
// Zero disables a criterion; at least one must be set.
type PruneOptions struct {
	KeepRuns  int
	OlderThan time.Duration
	Now       time.Time // default time.Now
}

// PruneSummary says what Prune removed.
type PruneSummary struct {
	Runs []string `json:"runs"` // pruned runs, oldest first
	// KeptForRecords are pruned runs whose plan is gone but some of whose
	// records stay: the newest run's freshness depends on them.
	KeptForRecords []string `json:"kept_for_records"`
	PlanRows       int64    `json:"plan_rows"`
	Records        int64    `json:"records"`
	Keys           int64    `json:"keys"`
	Names          int64    `json:"names"`
}

// Prune removes old runs in one transaction: their plan rows, and their
// records except those the newest run's freshness depends on (for each key
// the newest run planned, its newest succeeded or failed record; for each
// of its nodes, the newest succeeded and the newest failed record, which
// explain a change), then every cache key and name nothing references.
// The newest run is never pruned. A run whose records stay keeps its row
// (its id names them). SQLite reuses the freed pages; VACUUM shrinks the
// file.
func (s *Store) Prune(ctx context.Context, opts PruneOptions) (*PruneSummary, error) {
	if opts.KeepRuns < 0 || opts.OlderThan < 0 || opts.KeepRuns == 0 && opts.OlderThan == 0 {
		return nil, fmt.Errorf("ledger %s: prune: %w: give a positive number of runs to keep or a positive age", s.path, ErrFormat)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	sum := &PruneSummary{Runs: []string{}, KeptForRecords: []string{}}
	err := s.write(ctx, "prune", func(tx *qtx) error {
		rows, err := tx.QueryContext(ctx, `SELECT seq, id, created_at FROM runs ORDER BY seq DESC`)
		if err != nil {
			return wrapDB(s.path, "prune: list runs", err)
		}
		type run struct {
			seq int64
			id  string
		}
		var newest int64
		var pruned []run
		i := 0
		for rows.Next() {
			var r run
			var ms int64
			if err := rows.Scan(&r.seq, &r.id, &ms); err != nil {
				rows.Close()
				return wrapDB(s.path, "prune: list runs", err)
			}
			if i == 0 {
				newest = r.seq
			} else if (opts.KeepRuns > 0 && i >= opts.KeepRuns) || (opts.OlderThan > 0 && time.UnixMilli(ms).Before(now.Add(-opts.OlderThan))) {
				pruned = append(pruned, r)
			}
			i++
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return wrapDB(s.path, "prune: list runs", err)
		}
		if len(pruned) == 0 {
			return nil
		}
		seqs := make([]int64, len(pruned))
		for i, r := range pruned {
			seqs[len(pruned)-1-i] = r.seq
			sum.Runs = append([]string{r.id}, sum.Runs...)
		}
		list := jsonText(seqs)
		const inPruned = `(SELECT CAST(j.value AS INTEGER) FROM json_each(?1) j)`
		exec := func(what, q string, args ...any) (int64, error) {
			res, err := tx.ExecContext(ctx, q, args...)
			if err != nil {
				return 0, wrapDB(s.path, "prune: "+what, err)
			}
			n, _ := res.RowsAffected()
			return n, nil
		}
		if sum.PlanRows, err = exec("plan rows", `DELETE FROM plan WHERE run IN `+inPruned, list); err != nil {
			return err
		}
		if sum.Records, err = exec("records", `DELETE FROM records WHERE run IN `+inPruned+` AND seq NOT IN (
			SELECT max(r.seq) FROM records r JOIN plan p ON p.key = r.key AND p.run = ?2
				WHERE r.status IN ('succeeded', 'failed') GROUP BY r.key
			UNION SELECT max(r.seq) FROM records r JOIN plan p ON p.node = r.node AND p.run = ?2
				WHERE r.status IN ('succeeded', 'failed') GROUP BY r.node, r.status)`, list, newest); err != nil {
			return err
		}
		kept, err := tx.QueryContext(ctx, `SELECT id FROM runs WHERE seq IN `+inPruned+` AND EXISTS (SELECT 1 FROM records r WHERE r.run = runs.seq) ORDER BY seq`, list)
		if err != nil {
			return wrapDB(s.path, "prune: runs kept for records", err)
		}
		for kept.Next() {
			var id string
			if err := kept.Scan(&id); err != nil {
				kept.Close()
				return wrapDB(s.path, "prune: runs kept for records", err)
			}
			sum.KeptForRecords = append(sum.KeptForRecords, id)
		}
		kept.Close()
		if _, err := exec("runs", `DELETE FROM runs WHERE seq IN `+inPruned+` AND NOT EXISTS (SELECT 1 FROM records r WHERE r.run = runs.seq)`, list); err != nil {
			return err
		}
		if sum.Keys, err = exec("cache keys", `DELETE FROM keys WHERE id NOT IN (SELECT key FROM plan UNION SELECT key FROM records UNION SELECT planned FROM records)`); err != nil {
			return err
		}
		sum.Names, err = exec("names", `DELETE FROM names WHERE id NOT IN (SELECT node FROM keys UNION SELECT node FROM plan UNION SELECT node FROM records)`)
		return err
	})
	if err != nil {
		return nil, err
	}
	return sum, nil
}

package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// LineageRow is an admitted node of a run with what it was computed from.
type LineageRow struct {
	RunID       string `json:"run_id"`
	Node        string `json:"node"`
	CacheKey    string `json:"cache_key"` // the final key when recorded, else the planned one
	CodeVersion string `json:"code_version"`
	// DataVersion: the recorded data version, else the node's DataVersion,
	// else CacheKey.
	DataVersion              string            `json:"data_version"`
	DependenciesDataVersions map[string]string `json:"dependencies_data_versions"` // after re-keying
	Status                   string            `json:"status"`                     // the recorded status, or "planned"
}

// StatusPlanned is a LineageRow's status when nothing was recorded.
const StatusPlanned = "planned"

// Lineage returns a row per admitted node of the run (of every run when
// runID is ""), sorted by run creation time, run id, node. An unknown id
// is ErrUnknownRun.
func (s *Store) Lineage(ctx context.Context, runID string) ([]LineageRow, error) {
	out := []LineageRow{}
	err := s.read(ctx, "lineage", func(tx *qtx) error {
		where, args := "", []any{}
		if runID != "" {
			_, seq, err := s.loadRun(ctx, tx, runID)
			if err != nil {
				return err
			}
			where, args = " AND ru.seq = ?", append(args, seq)
		}
		rows, err := tx.QueryContext(ctx, `SELECT ru.id, nm.name, coalesce(fk.key, pk.key), pk.code_version,
			r.data_version, pk.data_version, pk.dependencies, r.dependencies, coalesce(r.status, '`+StatusPlanned+`')
			FROM runs ru JOIN plan p ON p.run = ru.seq
			JOIN names nm ON nm.id = p.node
			JOIN keys pk ON pk.id = p.key
			LEFT JOIN records r ON r.run = p.run AND r.node = p.node
				AND r.attempt = (SELECT max(r2.attempt) FROM records r2 WHERE r2.run = p.run AND r2.node = p.node)
			LEFT JOIN keys fk ON fk.id = r.key
			WHERE p.generation >= 0`+where+`
			ORDER BY ru.created_at, ru.id, nm.name`, args...)
		if err != nil {
			return wrapDB(s.path, "lineage", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				l                LineageRow
				recDV, recDeps   sql.NullString
				nodeDV, planDeps string
			)
			if err := rows.Scan(&l.RunID, &l.Node, &l.CacheKey, &l.CodeVersion, &recDV, &nodeDV, &planDeps, &recDeps, &l.Status); err != nil {
				return wrapDB(s.path, "lineage", err)
			}
			switch {
			case recDV.Valid:
				l.DataVersion = recDV.String
			case nodeDV != "":
				l.DataVersion = nodeDV
			default:
				l.DataVersion = l.CacheKey
			}
			deps := planDeps
			if recDeps.Valid {
				deps = recDeps.String
			}
			if err := json.Unmarshal([]byte(deps), &l.DependenciesDataVersions); err != nil {
				return fmt.Errorf("ledger %s: lineage: node %q: %w: %w", s.path, l.Node, ErrCorrupt, err)
			}
			if l.DependenciesDataVersions == nil {
				l.DependenciesDataVersions = map[string]string{}
			}
			out = append(out, l)
		}
		return wrapDB(s.path, "lineage", rows.Err())
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Drift is how a run's results differ from its plan. "Admitted" here means
// planned to run: admitted and not fresh.
type Drift struct {
	RunID               string   `json:"run_id"`
	AdmittedNotReported []string `json:"admitted_not_reported"`
	ReportedNotAdmitted []string `json:"reported_not_admitted"`
	// Failures are the failed and skipped tasks.
	Failures []Failure `json:"failures"`
	// OrderViolations are tasks that ran before a predecessor finished.
	OrderViolations []Violation `json:"order_violations"`
	// Clean: all four lists are empty.
	Clean bool `json:"clean"`
}

// Failure is a task whose highest attempt did not succeed.
type Failure struct {
	Name   string `json:"name"`
	Status string `json:"status"`
}

// Violation is a task that ran out of order with respect to a
// predecessor.
type Violation struct {
	Task        string `json:"task"`
	Predecessor string `json:"predecessor"`
	Reason      string `json:"reason"`
}

// recorded is what Drift needs of a record.
type recorded struct {
	status         string
	started, ended *time.Time
	group          *int64
}

// Drift compares the run's results with its plan: admitted tasks not
// reported, reported tasks not admitted, failed and skipped tasks, and
// order violations. A task is checked against each reported predecessor:
// its direct predecessors, and through predecessors that were not
// reported, their predecessors in turn. With both tasks' times it is a
// violation to start before the predecessor ended; with both groups, to
// have a group not greater than the predecessor's. Every list is sorted.
func (s *Store) Drift(ctx context.Context, runID string) (*Drift, error) {
	d := &Drift{RunID: runID, AdmittedNotReported: []string{}, ReportedNotAdmitted: []string{},
		Failures: []Failure{}, OrderViolations: []Violation{}}
	err := s.read(ctx, "drift "+runID, func(tx *qtx) error {
		run, seq, err := s.loadRun(ctx, tx, runID)
		if err != nil {
			return err
		}
		if run.Nodes, err = s.loadNodes(ctx, tx, seq); err != nil {
			return err
		}
		fillGraph(run)
		// Planned to run: admitted and not fresh (a fresh node runs nothing).
		rows, err := tx.QueryContext(ctx, `SELECT nm.name, p.generation >= 0 AND p.status != 'fresh', p.generation >= 0, r.status, r.started_at, r.ended_at, r.grp
			FROM plan p JOIN names nm ON nm.id = p.node
			LEFT JOIN records r ON r.run = p.run AND r.node = p.node
				AND r.attempt = (SELECT max(r2.attempt) FROM records r2 WHERE r2.run = p.run AND r2.node = p.node)
			WHERE p.run = ? ORDER BY nm.name`, seq)
		if err != nil {
			return wrapDB(s.path, "drift", err)
		}
		defer rows.Close()
		recs := map[string]recorded{}
		for rows.Next() {
			var (
				name           string
				adm, admitted  bool
				status         sql.NullString
				started, ended sql.NullInt64
				grp            sql.NullInt64
			)
			if err := rows.Scan(&name, &adm, &admitted, &status, &started, &ended, &grp); err != nil {
				return wrapDB(s.path, "drift", err)
			}
			switch {
			case adm && !status.Valid:
				d.AdmittedNotReported = append(d.AdmittedNotReported, name)
			case !admitted && status.Valid:
				d.ReportedNotAdmitted = append(d.ReportedNotAdmitted, name)
			}
			if !status.Valid {
				continue
			}
			r := recorded{status: status.String}
			if started.Valid {
				t := time.Unix(0, started.Int64).UTC()
				r.started = &t
			}
			if ended.Valid {
				t := time.Unix(0, ended.Int64).UTC()
				r.ended = &t
			}
			if grp.Valid {
				r.group = &grp.Int64
			}
			recs[name] = r
			if r.status != StatusSucceeded {
				d.Failures = append(d.Failures, Failure{Name: name, Status: r.status})
			}
		}
		if err := rows.Err(); err != nil {
			return wrapDB(s.path, "drift", err)
		}
		d.OrderViolations = orderViolations(run.Edges, recs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.Clean = len(d.AdmittedNotReported)+len(d.ReportedNotAdmitted)+len(d.Failures)+len(d.OrderViolations) == 0
	return d, nil
}

// orderViolations checks every reported task against its reported
// predecessors (direct, or reached through unreported ones).
func orderViolations(edges [][2]string, recs map[string]recorded) []Violation {
	preds := map[string][]string{}
	for _, e := range edges {
		preds[e[1]] = append(preds[e[1]], e[0])
	}
	out := []Violation{}
	for _, task := range sortedKeys(recs) {
		t := recs[task]
		// Walk up from task; stop at reported nodes.
		seen := map[string]bool{}
		var reported []string
		stack := slices.Clone(preds[task])
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[p] {
				continue
			}
			seen[p] = true
			if _, ok := recs[p]; ok {
				reported = append(reported, p)
				continue
			}
			stack = append(stack, preds[p]...)
		}
		slices.Sort(reported)
		for _, p := range reported {
			pr := recs[p]
			if t.started != nil && pr.ended != nil && t.started.Before(*pr.ended) {
				out = append(out, Violation{Task: task, Predecessor: p, Reason: fmt.Sprintf("started %s before predecessor ended %s",
					t.started.Format(time.RFC3339Nano), pr.ended.Format(time.RFC3339Nano))})
			}
			if t.group != nil && pr.group != nil && *t.group <= *pr.group {
				out = append(out, Violation{Task: task, Predecessor: p, Reason: fmt.Sprintf("group %d not after predecessor's group %d", *t.group, *pr.group)})
			}
		}
	}
	slices.SortFunc(out, func(a, b Violation) int {
		if c := strings.Compare(a.Task, b.Task); c != 0 {
			return c
		}
		if c := strings.Compare(a.Predecessor, b.Predecessor); c != 0 {
			return c
		}
		return strings.Compare(a.Reason, b.Reason)
	})
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

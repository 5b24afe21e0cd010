package ledger

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Entry is one cache-metadata record.
type Entry struct {
	CacheKey, Node, CodeVersion string
	DataVersion                 string // as recorded; "" when the engine reported none
	Status                      string // "succeeded" | "failed" | "skipped"
	RunID                       string
	Attempt                     int
	RecordedAt                  time.Time
}

// Previous is a node's newest succeeded record with the node as planned
// (Planned.Detail is the detail of the record's key).
type Previous struct {
	Entry
	Planned Node
}

// History is what the ledger knows of a node under any key.
type History struct {
	Succeeded *Previous // the newest succeeded record
	Failed    *Entry    // the newest failed record
}

// lookupChunk bounds the keys or names sent in one query.
const lookupChunk = 5000

// entryColumns are the columns scanEntry reads, from records r joined with
// keys k (the final key), names nm and runs ru.
const entryColumns = `k.key, nm.name, k.code_version, coalesce(r.data_version, ''), r.status, ru.id, r.attempt, r.recorded_at`

func (s *Store) scanEntry(row rowScanner, extra ...any) (Entry, error) {
	var (
		e  Entry
		ms int64
	)
	if err := row.Scan(append([]any{&e.CacheKey, &e.Node, &e.CodeVersion, &e.DataVersion, &e.Status, &e.RunID, &e.Attempt, &ms}, extra...)...); err != nil {
		return e, wrapDB(s.path, "read record", err)
	}
	e.RecordedAt = time.UnixMilli(ms).UTC()
	return e, nil
}

// Latest returns, for each of keys that has one, its newest record that
// succeeded or failed (the one committed last; within a run attempts are
// committed in order, so the highest attempt decides). Keys are looked up
// by their sha256 in batches, one indexed probe each.
func (s *Store) Latest(ctx context.Context, keys []string) (map[string]Entry, error) {
	out := make(map[string]Entry)
	err := s.read(ctx, "look up keys", func(tx *qtx) error {
		for start := 0; start < len(keys); start += lookupChunk {
			chunk := keys[start:min(start+lookupChunk, len(keys))]
			hexes := make([]string, len(chunk))
			for i, k := range chunk {
				hexes[i] = hex.EncodeToString(keyHash(k))
			}
			rows, err := tx.QueryContext(ctx, `
				WITH want (id) AS (SELECT k.id FROM json_each(?1) j JOIN keys k ON k.hash = unhex(j.value)),
				last (seq) AS (SELECT (SELECT max(r.seq) FROM records r
					WHERE r.key = want.id AND r.status IN ('succeeded', 'failed')) FROM want)
				SELECT `+entryColumns+`
				FROM last JOIN records r ON r.seq = last.seq JOIN keys k ON k.id = r.key
				JOIN names nm ON nm.id = r.node JOIN runs ru ON ru.seq = r.run`, jsonText(hexes))
			if err != nil {
				return wrapDB(s.path, "look up keys", err)
			}
			for rows.Next() {
				e, err := s.scanEntry(rows)
				if err != nil {
					rows.Close()
					return err
				}
				out[e.CacheKey] = e
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return wrapDB(s.path, "look up keys", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// History returns, per node name of nodes that has any succeeded or
// failed record, its newest succeeded record (with the detail of its key)
// and its newest failed record, under any key.
func (s *Store) History(ctx context.Context, nodes []string) (map[string]History, error) {
	out := make(map[string]History)
	err := s.read(ctx, "look up node history", func(tx *qtx) error {
		for start := 0; start < len(nodes); start += lookupChunk {
			chunk := nodes[start:min(start+lookupChunk, len(nodes))]
			for _, status := range []string{StatusSucceeded, StatusFailed} {
				rows, err := tx.QueryContext(ctx, `
					WITH want (id) AS (SELECT n.id FROM json_each(?1) j JOIN names n ON n.name = j.value),
					last (seq) AS (SELECT (SELECT max(r.seq) FROM records r WHERE r.node = want.id AND r.status = ?2) FROM want)
					SELECT `+entryColumns+`, k.kind, k.dependencies, k.data_version, k.detail
					FROM last JOIN records r ON r.seq = last.seq JOIN keys k ON k.id = r.key
					JOIN names nm ON nm.id = r.node JOIN runs ru ON ru.seq = r.run`, jsonText(chunk), status)
				if err != nil {
					return wrapDB(s.path, "look up node history", err)
				}
				for rows.Next() {
					var (
						kind, deps, dv string
						detail         []byte
					)
					e, err := s.scanEntry(rows, &kind, &deps, &dv, &detail)
					if err != nil {
						rows.Close()
						return err
					}
					h := out[e.Node]
					if status == StatusSucceeded {
						p := &Previous{Entry: e, Planned: Node{Name: e.Node, Kind: kind, CacheKey: e.CacheKey, CodeVersion: e.CodeVersion, DataVersion: dv}}
						if p.Planned.Dependencies, err = decodeDeps(deps); err != nil {
							rows.Close()
							return fmt.Errorf("ledger %s: node %q: dependencies: %w: %w", s.path, e.Node, ErrCorrupt, err)
						}
						if len(detail) > 0 {
							p.Planned.Detail = json.RawMessage(detail)
						}
						h.Succeeded = p
					} else {
						f := e
						h.Failed = &f
					}
					out[e.Node] = h
				}
				err = rows.Err()
				rows.Close()
				if err != nil {
					return wrapDB(s.path, "look up node history", err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Check runs SQLite's quick_check over the whole file: nil, or ErrCorrupt
// with the first problems SQLite lists.
func (s *Store) Check(ctx context.Context) error {
	if s.pg {
		return s.checkPostgres(ctx)
	}
	rows, err := s.db.QueryContext(ctx, "PRAGMA quick_check(10)")
	if err != nil {
		return wrapDB(s.path, "check", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return wrapDB(s.path, "check", err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return wrapDB(s.path, "check", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("ledger %s: check: %w: %s", s.path, ErrCorrupt, strings.Join(problems, "; "))
	}
	return nil
}

package ledger

import (
	"context"
	"database/sql"
	"encoding/hex"
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
	RecordedAt                  time.Time
}

// Previous is a node's newest succeeded record with the node as planned in
// that record's run.
type Previous struct {
	Entry
	Planned Node
}

// lookupChunk bounds the keys or names sent in one query.
const lookupChunk = 5000

// Succeeded returns, for each of keys that has a succeeded record, the
// newest such record (the one committed last). Keys are looked up by their
// sha256 in batches, one indexed probe each.
func (s *Store) Succeeded(ctx context.Context, keys []string) (map[string]Entry, error) {
	out := make(map[string]Entry)
	byHash := make(map[string]string, len(keys))
	err := s.read(ctx, "look up succeeded keys", func(tx *sql.Tx) error {
		for start := 0; start < len(keys); start += lookupChunk {
			chunk := keys[start:min(start+lookupChunk, len(keys))]
			hexes := make([]string, len(chunk))
			for i, k := range chunk {
				h := hex.EncodeToString(keyHash(k))
				hexes[i] = h
				byHash[h] = k
			}
			rows, err := tx.QueryContext(ctx, `
				WITH want (h) AS (SELECT DISTINCT unhex(value) FROM json_each(?1)),
				last (seq) AS (SELECT (SELECT max(r.seq) FROM records r
					WHERE r.key_hash = want.h AND r.status = 'succeeded') FROM want)
				SELECT lower(hex(r.key_hash)), r.node, r.code_version, coalesce(r.data_version, ''), r.status, ru.id, r.recorded_at
				FROM last JOIN records r ON r.seq = last.seq JOIN runs ru ON ru.seq = r.run`, jsonText(hexes))
			if err != nil {
				return wrapDB(s.path, "look up succeeded keys", err)
			}
			for rows.Next() {
				var (
					h  string
					e  Entry
					ms int64
				)
				if err := rows.Scan(&h, &e.Node, &e.CodeVersion, &e.DataVersion, &e.Status, &e.RunID, &ms); err != nil {
					rows.Close()
					return wrapDB(s.path, "look up succeeded keys", err)
				}
				e.CacheKey = byHash[h]
				e.RecordedAt = time.UnixMilli(ms).UTC()
				out[e.CacheKey] = e
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return wrapDB(s.path, "look up succeeded keys", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LastSucceeded returns, per node name of nodes, the newest succeeded
// record of that node (any key; the one committed last) with the node as
// planned in that record's run. Names with no succeeded record are absent.
func (s *Store) LastSucceeded(ctx context.Context, nodes []string) (map[string]Previous, error) {
	out := make(map[string]Previous)
	err := s.read(ctx, "look up last succeeded nodes", func(tx *sql.Tx) error {
		for start := 0; start < len(nodes); start += lookupChunk {
			chunk := nodes[start:min(start+lookupChunk, len(nodes))]
			rows, err := tx.QueryContext(ctx, `
				WITH want (name) AS (SELECT DISTINCT value FROM json_each(?1)),
				last (seq) AS (SELECT (SELECT max(r.seq) FROM records r
					WHERE r.node = want.name AND r.status = 'succeeded') FROM want)
				SELECT `+nodeColumns+`, fk.key, r.code_version, coalesce(r.data_version, ''), r.status, ru.id, r.recorded_at
				FROM last JOIN records r ON r.seq = last.seq
				JOIN runs ru ON ru.seq = r.run
				JOIN cache_keys fk ON fk.hash = r.key_hash
				JOIN nodes n ON n.run = r.run AND n.name = r.node
				JOIN cache_keys k ON k.hash = n.key_hash`, jsonText(chunk))
			if err != nil {
				return wrapDB(s.path, "look up last succeeded nodes", err)
			}
			for rows.Next() {
				var (
					p  Previous
					ms int64
				)
				p.Planned, err = s.scanNode(rows, &p.CacheKey, &p.CodeVersion, &p.DataVersion, &p.Status, &p.RunID, &ms)
				if err != nil {
					rows.Close()
					return err
				}
				p.Node = p.Planned.Name
				p.RecordedAt = time.UnixMilli(ms).UTC()
				out[p.Node] = p
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return wrapDB(s.path, "look up last succeeded nodes", err)
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

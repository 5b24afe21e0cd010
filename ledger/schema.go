package ledger

import (
	"context"
	"database/sql"
	"fmt"
)

// migration moves a store from version-1 to version (its index in the
// list, plus one). It runs inside the migrating transaction.
type migration struct {
	name string
	up   func(ctx context.Context, tx *sql.Tx) error
}

// migrations is the schema's history: migrations[i] creates version i+1.
// Entries are only ever appended; a released one never changes.
var migrations = []migration{
	{name: "v1: meta, runs, cache_keys, nodes, records", up: migrateV1},
}

// SchemaVersion is the schema version this build writes: the length of
// migrations (a test checks).
const SchemaVersion = 1

const schemaV1 = `
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

CREATE TABLE runs (
	seq         INTEGER PRIMARY KEY,
	id          TEXT    NOT NULL UNIQUE,
	created_at  INTEGER NOT NULL,
	workflow    TEXT    NOT NULL,
	signature   TEXT    NOT NULL,
	requested   TEXT    NOT NULL,
	edges       TEXT    NOT NULL,
	generations TEXT    NOT NULL,
	node_count  INTEGER NOT NULL
) STRICT;
CREATE INDEX runs_by_time ON runs (created_at, id);

CREATE TABLE cache_keys (
	id   INTEGER PRIMARY KEY,
	hash BLOB NOT NULL UNIQUE,
	key  TEXT NOT NULL
) STRICT;

CREATE TABLE nodes (
	run          INTEGER NOT NULL REFERENCES runs (seq),
	name         TEXT    NOT NULL,
	kind         TEXT    NOT NULL,
	key_hash     BLOB    NOT NULL REFERENCES cache_keys (hash),
	code_version TEXT    NOT NULL,
	dependencies TEXT    NOT NULL,
	pending      TEXT    NOT NULL,
	data_version TEXT    NOT NULL,
	admitted     INTEGER NOT NULL,
	status       TEXT    NOT NULL,
	behavior     TEXT    NOT NULL,
	generation   INTEGER NOT NULL,
	detail       BLOB,
	PRIMARY KEY (run, name)
) STRICT;

CREATE TABLE records (
	seq          INTEGER PRIMARY KEY,
	run          INTEGER NOT NULL REFERENCES runs (seq),
	node         TEXT    NOT NULL,
	key_hash     BLOB    NOT NULL REFERENCES cache_keys (hash),
	planned_hash BLOB    NOT NULL REFERENCES cache_keys (hash),
	code_version TEXT    NOT NULL,
	data_version TEXT,
	dependencies TEXT,
	status       TEXT    NOT NULL CHECK (status IN ('succeeded', 'failed', 'skipped')),
	recorded_at  INTEGER NOT NULL,
	started_at   INTEGER,
	ended_at     INTEGER,
	grp          INTEGER,
	UNIQUE (run, node),
	FOREIGN KEY (run, node) REFERENCES nodes (run, name)
) STRICT;
CREATE INDEX records_succeeded_by_key ON records (key_hash, seq) WHERE status = 'succeeded';
CREATE INDEX records_succeeded_by_node ON records (node, seq) WHERE status = 'succeeded';
`

func migrateV1(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, schemaV1); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", ApplicationID))
	return err
}

// migrate brings the store to len(migs) in one BEGIN IMMEDIATE
// transaction. It reads the version again under the write lock, so two
// processes opening a new or old store at once migrate it once; a failing
// migration leaves the store as it was.
func (s *Store) migrate(ctx context.Context, migs []migration) error {
	return s.write(ctx, "migrate", func(tx *sql.Tx) error {
		version, _, err := s.probe(ctx, tx)
		if err != nil {
			return err
		}
		if version > len(migs) {
			return fmt.Errorf("ledger %s: open: %w: schema version %d, this build knows up to %d", s.path, ErrNewerSchema, version, len(migs))
		}
		for v := version + 1; v <= len(migs); v++ {
			if err := migs[v-1].up(ctx, tx); err != nil {
				return wrapDB(s.path, fmt.Sprintf("migrate to version %d (%s)", v, migs[v-1].name), err)
			}
		}
		if version == len(migs) {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('schema_version', ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, fmt.Sprint(len(migs)))
		return wrapDB(s.path, "migrate: write schema_version", err)
	})
}

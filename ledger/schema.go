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
	{name: "v2: key metadata once (names, keys), compact plan rows, attempts", up: migrateV2},
}

// SchemaVersion is the schema version this build writes: the length of
// migrations (a test checks).
const SchemaVersion = 2

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

// schemaV2 stores each cache key's metadata once (keys) and each node name
// once (names); a run's plan rows only reference them. Edges are not stored:
// a node's dependencies (in its key's metadata) are its graph inputs.
const schemaV2 = `
CREATE TABLE names (
	id   INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE keys (
	id           INTEGER PRIMARY KEY,
	hash         BLOB    NOT NULL UNIQUE,
	key          TEXT    NOT NULL,
	node         INTEGER NOT NULL REFERENCES names (id),
	kind         TEXT    NOT NULL,
	code_version TEXT    NOT NULL,
	dependencies TEXT    NOT NULL,
	data_version TEXT    NOT NULL,
	detail       BLOB
) STRICT;

CREATE TABLE runs2 (
	seq        INTEGER PRIMARY KEY,
	id         TEXT    NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	workflow   TEXT    NOT NULL,
	signature  TEXT    NOT NULL,
	requested  TEXT    NOT NULL
) STRICT;

CREATE TABLE plan (
	run        INTEGER NOT NULL,
	node       INTEGER NOT NULL,
	key        INTEGER NOT NULL,
	status     TEXT    NOT NULL,
	behavior   TEXT    NOT NULL,
	generation INTEGER NOT NULL,
	pending    TEXT,
	PRIMARY KEY (run, node)
) STRICT, WITHOUT ROWID;
CREATE INDEX plan_by_key ON plan (key);

CREATE TABLE records2 (
	seq          INTEGER PRIMARY KEY,
	run          INTEGER NOT NULL,
	node         INTEGER NOT NULL REFERENCES names (id),
	attempt      INTEGER NOT NULL CHECK (attempt >= 1),
	key          INTEGER NOT NULL REFERENCES keys (id),
	planned      INTEGER NOT NULL REFERENCES keys (id),
	data_version TEXT,
	dependencies TEXT,
	status       TEXT    NOT NULL CHECK (status IN ('succeeded', 'failed', 'skipped')),
	recorded_at  INTEGER NOT NULL,
	started_at   INTEGER,
	ended_at     INTEGER,
	grp          INTEGER,
	UNIQUE (run, node, attempt)
) STRICT;
CREATE INDEX records_by_key ON records2 (key, seq) WHERE status IN ('succeeded', 'failed');
CREATE INDEX records_by_node ON records2 (node, status, seq);
`

// migrateV2 moves a version-1 store to the compact layout: every key's
// metadata once (from the run that planned it first, or from the record
// that re-keyed it), plan rows that reference keys and names, records with
// attempt 1. Runs keep their sequence numbers, so "newest" is unchanged.
func migrateV2(ctx context.Context, tx *sql.Tx) error {
	for _, stmt := range []string{
		schemaV2,
		`INSERT INTO names (name) SELECT name FROM nodes UNION SELECT node FROM records ORDER BY 1`,
		// Planned keys: the metadata of their first planning.
		`INSERT INTO keys (hash, key, node, kind, code_version, dependencies, data_version, detail)
			SELECT c.hash, c.key, nm.id, n.kind, n.code_version, n.dependencies, n.data_version, n.detail
			FROM cache_keys c
			JOIN nodes n ON n.key_hash = c.hash AND n.run = (SELECT min(n2.run) FROM nodes n2 WHERE n2.key_hash = c.hash)
			JOIN names nm ON nm.name = n.name
			GROUP BY c.hash`,
		// Final keys that no run planned: the record's node as planned.
		`INSERT INTO keys (hash, key, node, kind, code_version, dependencies, data_version, detail)
			SELECT c.hash, c.key, nm.id, n.kind, r.code_version, coalesce(r.dependencies, n.dependencies), n.data_version, n.detail
			FROM cache_keys c
			JOIN records r ON r.key_hash = c.hash AND r.seq = (SELECT min(r2.seq) FROM records r2 WHERE r2.key_hash = c.hash)
			JOIN nodes n ON n.run = r.run AND n.name = r.node
			JOIN names nm ON nm.name = n.name
			WHERE c.hash NOT IN (SELECT hash FROM keys)`,
		`INSERT INTO runs2 (seq, id, created_at, workflow, signature, requested)
			SELECT seq, id, created_at, workflow, signature, requested FROM runs`,
		`INSERT INTO plan (run, node, key, status, behavior, generation, pending)
			SELECT n.run, nm.id, k.id, n.status, n.behavior, n.generation, nullif(n.pending, '[]')
			FROM nodes n JOIN names nm ON nm.name = n.name JOIN keys k ON k.hash = n.key_hash`,
		`INSERT INTO records2 (seq, run, node, attempt, key, planned, data_version, dependencies, status, recorded_at, started_at, ended_at, grp)
			SELECT r.seq, r.run, nm.id, 1, k.id, pk.id, r.data_version, r.dependencies, r.status, r.recorded_at, r.started_at, r.ended_at, r.grp
			FROM records r JOIN names nm ON nm.name = r.node JOIN keys k ON k.hash = r.key_hash JOIN keys pk ON pk.hash = r.planned_hash`,
		`DROP TABLE records`,
		`DROP TABLE nodes`,
		`DROP TABLE cache_keys`,
		`DROP TABLE runs`,
		`ALTER TABLE runs2 RENAME TO runs`,
		`ALTER TABLE records2 RENAME TO records`,
		`CREATE INDEX runs_by_time ON runs (created_at, id)`,
	} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// migrate brings the store to len(migs) in one BEGIN IMMEDIATE
// transaction. It reads the version again under the write lock, so two
// processes opening a new or old store at once migrate it once; a failing
// migration leaves the store as it was.
func (s *Store) migrate(ctx context.Context, migs []migration) error {
	return s.write(ctx, "migrate", func(tx *qtx) error {
		if s.pg {
			// Concurrent openers of a new database migrate once: the
			// second waits here, then finds the new version.
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", int64(ApplicationID)); err != nil {
				return wrapDB(s.path, "migrate: lock", err)
			}
		}
		version, _, err := s.probe(ctx, tx)
		if err != nil {
			return err
		}
		if version > len(migs) {
			return fmt.Errorf("ledger %s: open: %w: schema version %d, this build knows up to %d", s.path, ErrNewerSchema, version, len(migs))
		}
		for v := version + 1; v <= len(migs); v++ {
			if err := migs[v-1].up(ctx, tx.Tx); err != nil {
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

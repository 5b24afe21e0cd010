package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// A PostgreSQL ledger holds the same schema version as an SQLite file, in
// the connection's current schema, with the same migrations in number
// (version 1 creates meta and marks the database as a ledger, version 2
// creates the tables). Statements are written once, in SQLite's dialect,
// and translated (pgSQL). A database whose schema holds tables but no
// ledger marker is refused and left untouched.

// IsPostgres tells whether a store path is a PostgreSQL URL.
func IsPostgres(path string) bool {
	return strings.HasPrefix(path, "postgres://") || strings.HasPrefix(path, "postgresql://")
}

// pgApplication marks a PostgreSQL database as a deltaplan ledger (the
// file header's application_id plays this part in SQLite).
const pgApplication = "deltaplan-ledger"

var pgMigrations = []migration{
	{name: "v1: meta, and the ledger marker", up: pgMigrateV1},
	{name: "v2: names, keys, runs, plan, records", up: pgMigrateV2},
}

func pgMigrateV1(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('application', $1)`, pgApplication)
	return err
}

const pgSchemaV2 = `
CREATE TABLE names (
	id   BIGSERIAL PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
);
CREATE TABLE keys (
	id           BIGSERIAL PRIMARY KEY,
	hash         BYTEA  NOT NULL UNIQUE,
	key          TEXT   NOT NULL,
	node         BIGINT NOT NULL REFERENCES names (id),
	kind         TEXT   NOT NULL,
	code_version TEXT   NOT NULL,
	dependencies TEXT   NOT NULL,
	data_version TEXT   NOT NULL,
	detail       BYTEA
);
CREATE TABLE runs (
	seq        BIGSERIAL PRIMARY KEY,
	id         TEXT   NOT NULL UNIQUE,
	created_at BIGINT NOT NULL,
	workflow   TEXT   NOT NULL,
	signature  TEXT   NOT NULL,
	requested  TEXT   NOT NULL
);
CREATE INDEX runs_by_time ON runs (created_at, id);
CREATE TABLE plan (
	run        BIGINT  NOT NULL,
	node       BIGINT  NOT NULL,
	key        BIGINT  NOT NULL,
	status     TEXT    NOT NULL,
	behavior   TEXT    NOT NULL,
	generation INTEGER NOT NULL,
	pending    TEXT,
	PRIMARY KEY (run, node)
);
CREATE INDEX plan_by_key ON plan (key);
CREATE TABLE records (
	seq          BIGSERIAL PRIMARY KEY,
	run          BIGINT  NOT NULL,
	node         BIGINT  NOT NULL REFERENCES names (id),
	attempt      INTEGER NOT NULL CHECK (attempt >= 1),
	key          BIGINT  NOT NULL REFERENCES keys (id),
	planned      BIGINT  NOT NULL REFERENCES keys (id),
	data_version TEXT,
	dependencies TEXT,
	status       TEXT    NOT NULL CHECK (status IN ('succeeded', 'failed', 'skipped')),
	recorded_at  BIGINT  NOT NULL,
	started_at   BIGINT,
	ended_at     BIGINT,
	grp          BIGINT,
	UNIQUE (run, node, attempt)
);
CREATE INDEX records_by_key ON records (key, seq) WHERE status IN ('succeeded', 'failed');
CREATE INDEX records_by_node ON records (node, status, seq);
`

func pgMigrateV2(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, pgSchemaV2)
	return err
}

// openPostgres connects to the database at rawURL. The password may be in
// the URL, in PGPASSWORD or in a .pgpass file (PGPASSFILE, else
// ~/.pgpass), as libpq reads them; it never appears in an error.
func openPostgres(ctx context.Context, rawURL string, migs []migration, mustExist bool) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url's error quotes the URL: say only that it is malformed.
		return nil, fmt.Errorf("ledger: open: %w: malformed PostgreSQL URL", ErrFormat)
	}
	s := &Store{path: u.Redacted(), pg: true}
	if pw, ok := u.User.Password(); ok && pw != "" {
		s.secrets = append(s.secrets, pw, url.QueryEscape(pw), url.PathEscape(pw))
	}
	if pw := os.Getenv("PGPASSWORD"); pw != "" {
		s.secrets = append(s.secrets, pw)
	}
	if _, err := pgconn.ParseConfig(rawURL); err != nil {
		return nil, s.redact(fmt.Errorf("ledger %s: open: %w: %v", s.path, ErrFormat, err))
	}
	db, err := sql.Open("pgx", rawURL)
	if err != nil {
		return nil, s.redact(fmt.Errorf("ledger %s: open: %w", s.path, err))
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	s.db = db
	if err := s.db.PingContext(ctx); err != nil {
		db.Close()
		return nil, s.redact(fmt.Errorf("ledger %s: open: connect: %w", s.path, err))
	}
	if mustExist {
		_, fresh, err := s.probePostgres(ctx, s.db)
		if err == nil && fresh {
			err = fmt.Errorf("ledger %s: open: %w: the database holds no ledger (deltaplan schedule --store creates one)", s.path, ErrNotStore)
		}
		if err != nil {
			db.Close()
			return nil, s.redact(err)
		}
	}
	if err := s.init(ctx, migs); err != nil {
		db.Close()
		return nil, s.redact(err)
	}
	return s, nil
}

// probePostgres reads the ledger marker and schema version: fresh for a
// schema without tables; ErrNotStore for tables without the marker.
func (s *Store) probePostgres(ctx context.Context, q querier) (int, bool, error) {
	var tables int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&tables); err != nil {
		return 0, false, wrapDB(s.path, "open: read schema", err)
	}
	if tables == 0 {
		return 0, true, nil
	}
	var hasMeta bool
	if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name = 'meta')`).Scan(&hasMeta); err != nil {
		return 0, false, wrapDB(s.path, "open: read schema", err)
	}
	notOurs := fmt.Errorf("ledger %s: open: %w: the database holds %d tables and no deltaplan ledger marker", s.path, ErrNotStore, tables)
	if !hasMeta {
		return 0, false, notOurs
	}
	rows, err := q.QueryContext(ctx, `SELECT key, value FROM meta WHERE key IN ('application', 'schema_version')`)
	if err != nil {
		return 0, false, notOurs // a meta table of another shape
	}
	defer rows.Close()
	vals := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return 0, false, notOurs
		}
		vals[k] = v
	}
	if rows.Err() != nil || vals["application"] != pgApplication {
		return 0, false, notOurs
	}
	v, ok := vals["schema_version"]
	if !ok {
		return 1, false, nil // version 1 wrote the marker; the version row comes with the migration's commit
	}
	version, err := strconv.Atoi(v)
	if err != nil || version < 1 {
		return 0, false, fmt.Errorf("ledger %s: open: %w: schema_version %q", s.path, ErrCorrupt, v)
	}
	return version, false, nil
}

// checkPostgres checks that the ledger's tables answer and agree: every
// plan row and record references stored keys and names.
func (s *Store) checkPostgres(ctx context.Context) error {
	var orphans int
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM plan p WHERE NOT EXISTS (SELECT 1 FROM keys k WHERE k.id = p.key))
		+ (SELECT count(*) FROM plan p WHERE NOT EXISTS (SELECT 1 FROM names n WHERE n.id = p.node))`).Scan(&orphans)
	if err != nil {
		return s.redact(wrapDB(s.path, "check", err))
	}
	if orphans > 0 {
		return fmt.Errorf("ledger %s: check: %w: %d plan rows reference missing keys or names", s.path, ErrCorrupt, orphans)
	}
	return nil
}

// retryable tells a PostgreSQL deadlock or serialization failure, which a
// transaction may simply run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// redact masks the store's secrets in err's message, keeping what
// errors.Is and errors.As find.
func (s *Store) redact(err error) error {
	if err == nil || len(s.secrets) == 0 {
		return err
	}
	msg := err.Error()
	clean := msg
	for _, sec := range s.secrets {
		if sec != "" {
			clean = strings.ReplaceAll(clean, sec, "xxxxx")
		}
	}
	if clean == msg {
		return err
	}
	return &redacted{msg: clean, err: err}
}

// redacted is an error whose message had a secret masked.
type redacted struct {
	msg string
	err error
}

func (r *redacted) Error() string { return r.msg }
func (r *redacted) Unwrap() error { return r.err }

// pgSQL translates a statement from SQLite's dialect: JSON arrays of
// parameters, hex encoding, and ? / ?N placeholders.
func pgSQL(q string) string {
	for _, r := range [][2]string{
		{"json_each(?1) j", "json_array_elements_text(CAST(?1 AS json)) AS j(value)"},
		{"json_each(?) j", "json_array_elements_text(CAST(? AS json)) AS j(value)"},
		{"unhex(j.value)", "decode(j.value, 'hex')"},
		{"lower(hex(k.hash))", "encode(k.hash, 'hex')"},
	} {
		q = strings.ReplaceAll(q, r[0], r[1])
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] != '?' {
			b.WriteByte(q[i])
			continue
		}
		j := i + 1
		for j < len(q) && q[j] >= '0' && q[j] <= '9' {
			j++
		}
		if j > i+1 {
			b.WriteString("$" + q[i+1:j])
		} else {
			n++
			b.WriteString("$" + strconv.Itoa(n))
		}
		i = j - 1
	}
	return b.String()
}

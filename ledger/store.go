package ledger

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// ApplicationID is the SQLite application_id (file header offset 68) of
// every ledger: "DPLN".
const ApplicationID = 0x44504C4E

// busyTimeout is how long a connection waits for another writer's lock.
const busyTimeout = 30 * time.Second

// sqliteMagic starts every SQLite database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// Store is an open run ledger. Its methods are safe for concurrent use, and
// any number of processes may open the same file at once (see the package
// doc).
type Store struct {
	db   *sql.DB
	path string // the file's path, or the PostgreSQL URL without its password
	pg   bool   // a PostgreSQL server (else an SQLite file)
	// secrets are strings no error may show (the server's password).
	secrets []string
}

// Path returns the ledger file's path as given to Open (a PostgreSQL URL
// with its password masked).
func (s *Store) Path() string { return s.path }

// Close closes the store's connections.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("ledger %s: close: %w", s.path, err)
	}
	return nil
}

// Open opens the ledger at path, creating it when the file does not exist
// or is empty (0 bytes, as SQLite itself treats it), and migrates an older
// schema to the current one. The parent directory must exist.
//
// A file that is not a ledger is refused and left untouched: ErrNotStore
// for a file that is not SQLite or an SQLite database of another
// application (including one with no application id, even if it has no
// tables), ErrNewerSchema for a ledger of a newer schema version. Damaged
// pages give ErrCorrupt.
//
// A path starting with postgres:// or postgresql:// is a PostgreSQL
// database instead (see OpenPostgres).
func Open(ctx context.Context, path string) (*Store, error) {
	if IsPostgres(path) {
		return openPostgres(ctx, path, pgMigrations, false)
	}
	return openWith(ctx, path, migrations)
}

// OpenExisting opens a ledger that must already exist: a missing or empty
// file, or a PostgreSQL schema without tables, is ErrNotStore and nothing
// is created (a mistyped path must not become a new ledger).
func OpenExisting(ctx context.Context, path string) (*Store, error) {
	if IsPostgres(path) {
		return openPostgres(ctx, path, pgMigrations, true)
	}
	if path == "" {
		return nil, fmt.Errorf("ledger: open: %w: empty path", ErrFormat)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("ledger %s: open: %w (deltaplan schedule --store creates a ledger)", path, err)
	}
	if fi.Mode().IsRegular() && fi.Size() == 0 {
		return nil, fmt.Errorf("ledger %s: open: %w: empty file (deltaplan schedule --store creates a ledger)", path, ErrNotStore)
	}
	return openWith(ctx, path, migrations)
}

func openWith(ctx context.Context, path string, migs []migration) (*Store, error) {
	if path == "" {
		return nil, fmt.Errorf("ledger: open: %w: empty path", ErrFormat)
	}
	if err := precheck(path); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("ledger %s: open: %w", path, err)
	}
	// The DSN sets no journal mode: that would write to a file not yet
	// known to be ours. WAL is switched on after the checks.
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "cache_size(-32768)")
	q.Add("_txlock", "immediate")
	dsn := u.String() + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("ledger %s: open: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	s := &Store{db: db, path: path}
	if err := s.init(ctx, migs); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// precheck refuses, without opening it with SQLite, a file that is surely
// not a ledger: not a regular file, not SQLite, or an SQLite database whose
// header carries another application id. A missing file needs an existing
// parent directory.
func precheck(path string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		dir := filepath.Dir(path)
		di, derr := os.Stat(dir)
		if derr != nil {
			return fmt.Errorf("ledger %s: open: parent directory: %w", path, derr)
		}
		if !di.IsDir() {
			return fmt.Errorf("ledger %s: open: parent %s is not a directory", path, dir)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("ledger %s: open: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("ledger %s: open: %w: not a regular file (%s)", path, ErrNotStore, fi.Mode().Type())
	}
	if fi.Size() == 0 {
		return nil // a new store
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("ledger %s: open: %w", path, err)
	}
	defer f.Close()
	hdr := make([]byte, 100)
	n, err := io.ReadFull(f, hdr)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("ledger %s: open: read header: %w", path, err)
	}
	hdr = hdr[:n]
	if n < 100 || !bytes.Equal(hdr[:16], sqliteMagic) {
		return fmt.Errorf("ledger %s: open: %w: not an SQLite database", path, ErrNotStore)
	}
	if id := binary.BigEndian.Uint32(hdr[68:72]); id != ApplicationID {
		return fmt.Errorf("ledger %s: open: %w: SQLite database of another application (application_id %#x, want %#x)", path, ErrNotStore, id, ApplicationID)
	}
	return nil
}

// probe reads the application id and schema version in one read
// transaction. fresh reports an empty database (no tables, no id).
func (s *Store) probe(ctx context.Context, q querier) (version int, fresh bool, err error) {
	if s.pg {
		return s.probePostgres(ctx, q)
	}
	var appID int64
	if err := q.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return 0, false, s.openErr("read application_id", err)
	}
	var tables int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&tables); err != nil {
		return 0, false, s.openErr("read schema", err)
	}
	if appID == 0 && tables == 0 {
		return 0, true, nil
	}
	if appID != ApplicationID {
		return 0, false, fmt.Errorf("ledger %s: open: %w: SQLite database of another application (application_id %#x, want %#x)", s.path, ErrNotStore, appID, ApplicationID)
	}
	var v string
	err = q.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'schema_version'").Scan(&v)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) || strings.Contains(err.Error(), "no such table") {
			return 0, false, fmt.Errorf("ledger %s: open: %w: no schema_version in table meta", s.path, ErrCorrupt)
		}
		return 0, false, s.openErr("read schema_version", err)
	}
	if _, err := fmt.Sscanf(v, "%d", &version); err != nil || version < 1 || fmt.Sprint(version) != v {
		return 0, false, fmt.Errorf("ledger %s: open: %w: schema_version %q", s.path, ErrCorrupt, v)
	}
	return version, false, nil
}

// openErr wraps a failure while checking a file: SQLite's "not a
// database" means the file is not ours; damaged pages mean corruption.
func (s *Store) openErr(op string, err error) error {
	var c sqliteCoder
	if errors.As(err, &c) && c.Code()&0xff == sqliteNotADB {
		return fmt.Errorf("ledger %s: open: %s: %w: %w", s.path, op, ErrNotStore, err)
	}
	return wrapDB(s.path, "open: "+op, err)
}

// querier is what *sql.DB, *sql.Conn and *sql.Tx share.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// init checks the file, migrates it to the newest of migs, and switches
// it to WAL.
func (s *Store) init(ctx context.Context, migs []migration) error {
	latest := len(migs)
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return s.openErr("begin", err)
	}
	version, _, err := s.probe(ctx, tx)
	tx.Rollback()
	if err != nil {
		return err
	}
	if version > latest {
		return fmt.Errorf("ledger %s: open: %w: schema version %d, this build knows up to %d", s.path, ErrNewerSchema, version, latest)
	}
	if version < latest {
		if err := s.migrate(ctx, migs); err != nil {
			return err
		}
	}
	if s.pg {
		return nil
	}
	return s.enableWAL(ctx)
}

// enableWAL switches the file to WAL (a persistent setting) unless it is
// already. Another process switching at the same moment can make the
// switch report the old mode; it is retried.
func (s *Store) enableWAL(ctx context.Context) error {
	var mode string
	for attempt := 0; ; attempt++ {
		if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			return wrapDB(s.path, "open: read journal_mode", err)
		}
		if strings.EqualFold(mode, "wal") {
			return nil
		}
		if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil && attempt >= 50 {
			return wrapDB(s.path, "open: set journal_mode WAL", err)
		}
		if strings.EqualFold(mode, "wal") {
			return nil
		}
		if attempt >= 50 {
			return fmt.Errorf("ledger %s: open: journal_mode is %q, cannot switch to WAL", s.path, mode)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("ledger %s: open: %w", s.path, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// write runs fn in one transaction (BEGIN IMMEDIATE on SQLite) and
// commits it. On PostgreSQL a transaction that a deadlock or a
// serialization failure aborts is run again, up to 8 times.
func (s *Store) write(ctx context.Context, op string, fn func(tx *qtx) error) error {
	for attempt := 0; ; attempt++ {
		err := s.writeOnce(ctx, op, fn)
		if err == nil || !s.pg || !retryable(err) || attempt >= 8 {
			return s.redact(err)
		}
		select {
		case <-ctx.Done():
			return s.redact(err)
		case <-time.After(time.Duration(5<<attempt) * time.Millisecond):
		}
	}
}

func (s *Store) writeOnce(ctx context.Context, op string, fn func(tx *qtx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return wrapDB(s.path, op+": begin", err)
	}
	if err := fn(&qtx{Tx: tx, pg: s.pg}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return wrapDB(s.path, op+": commit", err)
	}
	return nil
}

// read runs fn in one read transaction, so that it sees one snapshot
// (REPEATABLE READ on PostgreSQL).
func (s *Store) read(ctx context.Context, op string, fn func(tx *qtx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.pg {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return s.redact(wrapDB(s.path, op+": begin", err))
	}
	defer tx.Rollback()
	return s.redact(fn(&qtx{Tx: tx, pg: s.pg}))
}

// qtx is a transaction whose statements are written in SQLite's dialect
// and translated for PostgreSQL (see pgSQL).
type qtx struct {
	*sql.Tx
	pg bool
}

func (t *qtx) sql(q string) string {
	if t.pg {
		return pgSQL(q)
	}
	return q
}

// QueryContext runs a query, translated for the store's dialect.
func (t *qtx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, t.sql(q), args...)
}

// QueryRowContext runs a one-row query, translated.
func (t *qtx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, t.sql(q), args...)
}

// ExecContext runs a statement, translated.
func (t *qtx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, t.sql(q), args...)
}

// PrepareContext prepares a statement, translated.
func (t *qtx) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return t.Tx.PrepareContext(ctx, t.sql(q))
}

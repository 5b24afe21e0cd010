package ledger

import (
	"errors"
	"fmt"
)

// Errors callers can tell apart with errors.Is. Each is wrapped with the
// store's path (or the results file's name) and what was being done.
var (
	// ErrNotStore: the file is not a deltaplan run ledger: not SQLite at
	// all, or an SQLite database of another application. It is left as it
	// was.
	ErrNotStore = errors.New("ledger: not a deltaplan run ledger")
	// ErrNewerSchema: the file is a ledger of a schema version newer than
	// this build knows. It is left as it was.
	ErrNewerSchema = errors.New("ledger: schema version newer than this build")
	// ErrCorrupt: SQLite reports damaged pages, or the ledger's own tables
	// are inconsistent.
	ErrCorrupt = errors.New("ledger: store is corrupt")
	// ErrUnknownRun: no run with that id is stored.
	ErrUnknownRun = errors.New("ledger: unknown run")
	// ErrUnknownTask: a result names a task that is not a node of its run.
	ErrUnknownTask = errors.New("ledger: unknown task")
	// ErrDuplicate: a run id stored twice, a task attempt listed twice in
	// one results file, or an attempt already recorded for its run (or
	// older than one recorded).
	ErrDuplicate = errors.New("ledger: duplicate")
	// ErrInconsistent: results that cannot all be true: a task succeeded
	// while an input that runs in the same run failed, was skipped or was
	// not reported.
	ErrInconsistent = errors.New("ledger: inconsistent results")
	// ErrFormat: a results file, or a value handed to the store, is not of
	// the expected shape (syntax, a duplicate key, an unknown field, a
	// wrong type, a missing or bad value, trailing data).
	ErrFormat = errors.New("ledger: malformed input")
)

// sqliteCoder is what modernc.org/sqlite's *Error offers.
type sqliteCoder interface{ Code() int }

// SQLite primary result codes the ledger tells apart.
const (
	sqliteCorrupt = 11 // SQLITE_CORRUPT
	sqliteNotADB  = 26 // SQLITE_NOTADB
)

// wrapDB wraps an error of SQLite with the store's path and op, adding
// ErrCorrupt when SQLite reports a damaged file.
func wrapDB(path, op string, err error) error {
	if err == nil {
		return nil
	}
	var c sqliteCoder
	if errors.As(err, &c) {
		switch c.Code() & 0xff {
		case sqliteCorrupt, sqliteNotADB:
			return fmt.Errorf("ledger %s: %s: %w: %w", path, op, ErrCorrupt, err)
		}
	}
	return fmt.Errorf("ledger %s: %s: %w", path, op, err)
}

package deltawrite

import "errors"

// Errors callers can tell apart with errors.Is.
var (
	// ErrUnsupportedStorage: the storage cannot create an object only if
	// it is absent (no PutIfAbsent, or a server that ignores the
	// condition), or cannot write at all. Committing through it could
	// overwrite another writer's commit, so it is refused.
	ErrUnsupportedStorage = errors.New("deltawrite: storage cannot create objects conditionally")
	// ErrSchemaMismatch: a record's schema is not the table's schema.
	ErrSchemaMismatch = errors.New("deltawrite: schema mismatch")
	// ErrUnsupportedType: an Arrow type (or a column name) this writer
	// cannot store.
	ErrUnsupportedType = errors.New("deltawrite: unsupported column type")
	// ErrTableExists: Create found a commit 0 already there.
	ErrTableExists = errors.New("deltawrite: table already exists")
	// ErrUnsupportedTable: the table's protocol or layout needs something
	// this writer does not do (writer features, column mapping, ...).
	ErrUnsupportedTable = errors.New("deltawrite: table needs an unsupported writer feature")
	// ErrTooManyRetries: every commit attempt lost the race to another
	// writer.
	ErrTooManyRetries = errors.New("deltawrite: commit retries exhausted")
	// ErrEmptyRecord: Append was given no rows (nothing is committed).
	ErrEmptyRecord = errors.New("deltawrite: empty record")
	// ErrInvalidOption: conflicting or malformed options.
	ErrInvalidOption = errors.New("deltawrite: invalid option")
)

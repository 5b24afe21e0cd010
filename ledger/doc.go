// Package ledger is the run ledger: an embedded SQLite file (pure Go,
// modernc.org/sqlite, no cgo) or a PostgreSQL database that remembers what each run of a workflow
// planned and what its engine reported, so the next run can tell which
// cache keys already have results and explain what changed. It follows
// Hamilton's metadata store: runs; history (cache key, run, node); cache
// metadata (cache key, node, code version, data version, status, time).
//
// # Backends
//
// Open takes an SQLite file path, or a PostgreSQL URL (postgres:// or
// postgresql://, driver github.com/jackc/pgx/v5) for a ledger several
// machines share. Both hold the same schema version with the same
// semantics; statements are written once in SQLite's dialect and
// translated for PostgreSQL. A PostgreSQL ledger lives in the connection's
// current schema; its password (URL, PGPASSWORD or .pgpass) never appears
// in an error or in Path.
//
// # Schema (version 2)
//
//   - meta (key, value): schema_version (PostgreSQL also: application =
//     "deltaplan-ledger", the marker SQLite's application_id plays).
//   - names (id, name UNIQUE): every node name once.
//   - keys (id, hash UNIQUE = sha256 of the key, key, node → names, kind,
//     code_version, dependencies JSON, data_version, detail): every cache
//     key's metadata once, as first planned. Keys can be kilobytes, so
//     lookups go by hash.
//   - runs (seq, id UNIQUE, created_at Unix ms UTC, workflow, signature,
//     requested JSON).
//   - plan (run, node → names, key → keys, status, behavior, generation
//     (-1: not admitted), pending JSON or NULL; PRIMARY KEY (run, node)):
//     what each run planned, by reference. Edges are not stored: a node's
//     dependencies are its graph inputs.
//   - records (seq, run, node, attempt >= 1, key: the final key after
//     re-keying, planned, data_version or NULL, dependencies after
//     re-keying or NULL, status succeeded|failed|skipped, recorded_at,
//     started_at, ended_at, grp; UNIQUE (run, node, attempt)): what engines
//     reported. Indexes records_by_key (key, seq) over succeeded and failed
//     records and records_by_node (node, status, seq) make Latest and
//     History one index probe per key or node. "Newest" is the highest seq.
//
// Version 1 (one row per node and run with its key text's hash and
// metadata, edges and generations per run) is migrated in place.
//
// # Concurrency
//
// On PostgreSQL, writes are transactions at READ COMMITTED with row locks
// (Record locks its run's row), keys and names are inserted in sorted
// order, and a transaction aborted for a deadlock or serialization failure
// is retried; reads run at REPEATABLE READ; migrations take an advisory
// lock. What follows is SQLite's side.
//
// The file is in WAL mode, so readers never block the writer or each
// other. Every public write (SavePlan, Record) is one BEGIN IMMEDIATE
// transaction, which takes the write lock up front; a writer that finds it
// taken waits up to 30 s (busy_timeout) instead of failing, so any number
// of goroutines and processes may schedule and record on one store at once
// and lose nothing. Reads run in one read transaction each and see one
// snapshot. Connections run with synchronous=NORMAL, which in WAL mode
// keeps the file consistent through a crash or power loss but may lose the
// last commits on power loss (not on a process crash), and a 32 MiB page
// cache each (at most four connections per Store). The file should be on a
// local file system (WAL needs shared memory).
//
// # Files Open accepts
//
// A missing file (its parent directory must exist) or an empty one (0
// bytes, which SQLite itself treats as an empty database) becomes a new
// store. Anything else must be a ledger: a file that is not SQLite, an
// SQLite database with another (or no) application_id — even one without
// tables — is ErrNotStore, and a ledger of a newer schema version is
// ErrNewerSchema. A file that is not SQLite or whose header carries another
// application id is refused from its first 100 bytes, before SQLite opens
// it; a newer ledger is only read (in one read transaction). None of them
// is ever written to. Damaged pages give ErrCorrupt,
// from Open or from the call that reads them; Check runs SQLite's
// quick_check over the whole file.
//
// # Migrations
//
// The schema is a list of migrations; migration i creates version i (the
// first creates the whole version 1 schema and sets application_id). Open
// runs the missing ones in one BEGIN IMMEDIATE transaction, reading the
// version again under the lock so that concurrent openers migrate once,
// and records the new schema_version in the same transaction: a failed
// migration leaves the store as it was. Released migrations never change;
// a new schema is a new migration appended to the list. WAL is switched on
// after the first migration commits, so a file is never left holding a
// WAL header without the ledger's application_id.
package ledger

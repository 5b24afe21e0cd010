// Package ledger is the run ledger: an embedded SQLite file (pure Go,
// modernc.org/sqlite, no cgo) that remembers what each run of a workflow
// planned and what its engine reported, so the next run can tell which
// cache keys already have results and explain what changed. It follows
// Hamilton's metadata store: runs; history (cache key, run, node); cache
// metadata (cache key, node, code version, data version, status, time).
//
// # Schema (version 1)
//
//   - meta (key TEXT PRIMARY KEY, value TEXT): holds schema_version. The
//     file header's application_id is ApplicationID ("DPLN").
//   - runs (seq INTEGER PRIMARY KEY, id TEXT UNIQUE, created_at INTEGER
//     Unix ms UTC, workflow, signature, requested JSON array, edges JSON
//     [[from, to], …], generations JSON, node_count); index runs_by_time
//     (created_at, id).
//   - cache_keys (id INTEGER PRIMARY KEY, hash BLOB UNIQUE = sha256 of the
//     key, key TEXT): every cache key once. Keys can be kilobytes, so
//     every other table refers to a key by its 32-byte hash and every
//     index is on the hash, never on the text.
//   - nodes (run → runs.seq, name, kind, key_hash → cache_keys.hash: the
//     planned key, code_version, dependencies JSON object, pending JSON
//     array, data_version, admitted, status, behavior, generation, detail
//     BLOB byte-identical or NULL; PRIMARY KEY (run, name)): the planned
//     history, one row per node of each run.
//   - records (seq INTEGER PRIMARY KEY, run, node, key_hash: the final key
//     after re-keying, planned_hash, code_version, data_version NULL when
//     none was reported, dependencies JSON after re-keying or NULL when as
//     planned, status CHECK succeeded|failed|skipped, recorded_at Unix ms,
//     started_at and ended_at Unix ns or NULL, grp or NULL; UNIQUE (run,
//     node), (run, node) → nodes): the cache metadata, one row per task a
//     run reported, which also is the history of final keys (cache key,
//     run, node). Partial indexes records_succeeded_by_key (key_hash, seq)
//     and records_succeeded_by_node (node, seq), both WHERE status =
//     'succeeded', make Succeeded and LastSucceeded one index probe per key
//     or node. "Newest" is the highest seq: the record committed last.
//
// Foreign keys are enforced. Times are UTC.
//
// # Concurrency
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

// Package deltawrite is a small Delta Lake writer: it creates unpartitioned
// tables from an Arrow schema, appends Arrow record batches as parquet data
// files (written with parquet-go, with Spark-shaped statistics), adds
// nullable columns, and writes classic checkpoints.
//
// # Commits
//
// Commit N is the object _delta_log/<N, 20 digits>.json. It is only ever
// created with a put-if-absent (Storage.PutIfAbsent): on local disk a
// temporary file hard-linked to its final name (EEXIST: lost race), on S3
// PutObject with If-None-Match: *, on GCS the DoesNotExist precondition, on
// Azure Blob If-None-Match: *. No writer ever overwrites a log entry. A
// writer that loses a race re-lists the log, applies the schema and
// protocol changes it finds (appends are blind: other appends never
// conflict), waits a jittered backoff and tries the next version, at most
// WithMaxAttempts times. Any number of Table handles, in one process or
// many, may append to a table at once; versions stay contiguous and no
// append is lost.
//
// A storage without PutIfAbsent is refused (ErrUnsupportedStorage). Stores
// that can also delete (objstore.Store) are probed once per Create or
// Open: a second put-if-absent of a probe object must fail, which catches
// S3-compatible servers that accept If-None-Match and overwrite anyway. A
// store without Delete is trusted to honour its contract.
//
// # Crashes
//
// An append writes its data file first and commits afterwards. A writer
// killed in between leaves an unreferenced data file (part-<uuid>.parquet)
// and, on local disk, possibly a hidden temporary file in _delta_log; the
// table stays readable and consistent, since readers only see files that a
// commit adds. Orphans can be removed by a vacuum later.
//
// # Checkpoints
//
// After a commit whose version is a positive multiple of
// delta.checkpointInterval (table configuration, default 100) the writer
// that made it writes <version>.checkpoint.parquet (protocol, metaData,
// txn and add rows; the add stats rebuilt from the snapshot the delta
// reader replays) and then overwrites _last_checkpoint. A failed checkpoint
// does not fail the commit (WithCheckpointHook reports it).
//
// # Types
//
// Columns are top level: int8/16/32/64 (byte, short, integer, long),
// utf8 (string), bool (boolean), float32/64 (float, double), date32 (date),
// timestamp[us, tz=UTC] (timestamp), binary, decimal128 (decimal).
// Statistics: numRecords, and per column nullCount and min/max (strings cut
// to a 32-character prefix for the minimum and left out when the maximum is
// longer; no bounds for binary, nor for floats holding NaN or infinities).
package deltawrite

// Package delta reads Delta Lake tables from their transaction log: it pins a
// version (by number or by timestamp), builds the log segment (newest usable
// checkpoint plus the commits after it), replays it into protocol, metadata,
// app transactions, domain metadata and the set of active files, and returns
// those files in the columnar model.FileSet form the pruner consumes, with
// partition values and per-file statistics typed by the table schema and
// column mapping undone.
//
// All I/O goes through the small Storage interface: LocalFS here, object
// stores in package objstore (with WithStorage and WithRoot, the table root
// URI that relative log paths resolve against). Commits are fetched
// concurrently (WithConcurrency), checkpoint parts in parallel, and
// WithProgress reports a load as it goes. The package follows PROTOCOL.md of delta-io/delta
// and supports reader versions 1–3 with the reader features columnMapping,
// deletionVectors, timestampNtz, v2Checkpoint, vacuumProtocolCheck and
// typeWidening (also its preview name).
package delta

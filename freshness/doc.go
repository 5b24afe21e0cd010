// Package freshness decides whether each node of a task graph must run, and
// says why, in one vocabulary for every source of history: a run ledger
// (`schedule --store`) and a previous schedule file (`schedule --previous`)
// are both a Source of records keyed by cache key, and Decider turns a
// node's cache key and that history into a status (missing, stale, fresh)
// with Dagster-style causes (code, data, dependencies, behavior, failed),
// their children one level deep, and the root causes of the whole tree.
//
// The rules, in order: a disabled or recomputed node always runs (cause
// behavior); a node with a disabled input always runs (dependencies); a
// node whose newest record for its key failed runs (failed, naming the run
// and attempt); a succeeded record with the node's key makes it fresh,
// unless an input runs in this run (its key is then provisional: stale,
// dependencies); a node never recorded at all is missing; otherwise it is
// stale and the causes compare its key and detail with its newest
// succeeded record (code parts, tables with both versions and the files
// added and removed, inputs with new data versions).
//
// The caller (package workflow) builds cache keys and details and decides
// nodes in topological order (generation by generation), so a node's
// inputs are always decided before it.
package freshness

// Package workflow schedules a set of views over Delta tables.
//
// A workflow file (Parse) names Delta tables (name → location) and views
// (name → Substrait plan file, with an optional session file, behavior and
// per-table version pins); relative paths are resolved against the file's
// directory. A view whose plan reads another view's name depends on it.
//
// Build pins each table that some view reads without a pin of its own once,
// at its latest version (so every such view sees one version), builds each
// view's plan bundle in dependency order (planbundle.Inputs.Views lets a plan
// read an upstream view), and turns the result into a kernel.TaskGraph: one
// node per scan unit ("scan:<table>:<first 16 hex of the unit id>", weight:
// its bytes) and one per view ("view:<name>"), with edges from each scan unit
// to the views that read it and from each view to the views that read it.
//
// A view's node signature is its bundle's enriched signature (plan, session,
// pins, scan units), combined with the node signatures of the upstream views
// it keys on (every upstream view except those with behavior "ignore"), so a
// change anywhere upstream reaches it; a view without such upstream views
// carries its bundle's signature unchanged. Each node also records the named
// inputs behind its signature (plan, session, pin:<table>, table_id:<table>,
// scan_units, view:<name>), which is what lets the next run say which one
// moved. A scan unit's name and signature come from its content digest
// (table id, files with sizes and deletion vectors, partition, columns,
// filters; not the version), so a commit makes new nodes only for the units
// whose files changed.
//
// Graph.PlanRun decides freshness by cache key (package cachekey) against
// a freshness.Source, with behaviors, Dagster-style causes and events (see
// ledger.go); package freshness makes every decision. Graph.Schedule is
// PlanRun against a previous schedule (ReadSchedule): the nodes it admitted
// and carried count as succeeded records of their cache keys, so
// --previous and --store decide alike. A Schedule is stable JSON: structs
// and sorted slices, and the maps per node are printed by encoding/json in
// key order. The schedule a run prints is what the next run reads as its
// previous schedule; the records of nodes it did not admit are carried
// over.
package workflow

// Package workflow schedules a set of views over Delta tables.
//
// A workflow file names Delta tables (name → location) and views (name →
// Substrait plan file, with an optional session file, behavior and per-table
// version pins). A view whose plan reads another view's name depends on it.
// Build pins every table once, builds each view's plan bundle in dependency
// order, and turns the result into a kernel.TaskGraph: one node per scan unit
// (weight: its bytes) and one per view, with edges from each scan unit to the
// views that read it and from each view to the views that read it.
//
// A view's node signature is its bundle's enriched signature (plan, session,
// pins, scan units), combined with the node signatures of the upstream views
// it keys on (every upstream view except those with behavior "ignore"), so a
// change anywhere upstream reaches it. Each node also records the named
// inputs behind its signature (plan, session, pin:<table>, table_id:<table>,
// scan_units, view:<name>), which is what lets the next run say which one
// moved.
//
// Graph.Schedule admits the requested views and their ancestors, and marks
// each admitted node fresh or stale against a previous schedule (ReadSchedule).
// A Schedule is stable JSON: structs and sorted slices, and the one map per
// node (its inputs) is printed by encoding/json in key order. The schedule a
// run prints is what the next run reads as its previous schedule; only the
// nodes it admitted count as computed.
package workflow

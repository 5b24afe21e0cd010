// Package kernel holds the deterministic DAG analyses behind deltaplan's
// schedules: cycle detection with a witness, transitive reduction, topological
// generations, lexicographic topological order, the weighted critical path,
// ancestors and descendants, node-link JSON, graph signatures, an incremental
// ready/done scheduler, and a typed task graph with admission, cache-key
// inputs and per-task criticality. Freshness is decided elsewhere (package
// freshness).
//
// Nodes are named. A Graph numbers them by sorted name, so "smallest name"
// and "smallest id" coincide and every output is sorted by name by
// construction, never by map order: gonum's simple graphs iterate maps, and
// topo.SortStabilized is a DFS order, not a lexicographic one. Graph
// implements gonum's graph.WeightedDirected with ordered iterators, so gonum
// algorithms run on it directly, and Simple exports a gonum simple graph.
//
// The package knows nothing of files, flags or Delta tables; callers build
// graphs from scan units and views and interpret the results.
package kernel

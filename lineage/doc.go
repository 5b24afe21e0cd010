// Package lineage turns a Substrait plan into structural facts about what it
// reads: per read, the table, the top-level base-schema columns the plan
// needs, nested paths, and the filter conjuncts that can be evaluated at the
// scan (typed, for pruning, and as canonical text); plus joins with their key
// columns, the functions the plan calls, and relation-kind counts.
//
// Facts come from walking the protobuf messages
// (github.com/substrait-io/substrait-protobuf/go/substraitpb), never from a
// display string. Decode accepts protobuf binary and protobuf JSON, including
// plans that declare extensions by URI (the pre-v0.75 extension_uris), which
// the v0.85 protobuf no longer knows; the resolved extension table is exported
// (Plan.Extensions) so other packages can resolve function anchors the same
// way.
//
// # Extension identity
//
// A URI naming one of the standard Substrait extension files
// (".../functions_arithmetic.yaml", "/functions_arithmetic.yaml") and the URN
// of the same file ("extension:io.substrait:functions_arithmetic") are one
// extension, whose canonical identity is the URN form. Every other URI or URN
// is kept verbatim. A declaration whose URI/URN reference resolves to nothing
// (DataFusion, DuckDB's directory URI) keeps its name with URN "".
//
// # Needed columns
//
// Every output column of every relation carries the set of base columns it
// derives from (through emit, projections, aggregates, joins, set operations,
// shared subtrees). A base column is needed when a use reaches it: a filter,
// join or post-join condition, a grouping key, a sort key, a partition or
// exchange key, a read's projection mask or filter, a column of a set
// operation that compares whole rows, anything an extension relation, write
// or DDL consumes, and the plan's root outputs. A projected expression or a
// measure that nothing above uses does not make its inputs needed.
//
// # Pushed filters
//
// An output column is also marked when it is a base column passed through
// unchanged on a path where a filter above may be evaluated at the scan
// instead: through filter, project (plain references), sort, exchange, the
// keys of a single grouping set, and the preserved sides of joins; never
// through fetch, window, set operations, extensions or shared subtrees. A
// conjunct whose columns are all marked and belong to one scan is pushed to
// that scan; join ON conjuncts over one side go to that side when its
// unmatched rows are dropped; from an OR over several scans each scan that
// every branch constrains gets the OR of those constraints. Comparisons with
// constants, IS [NOT] NULL, IN lists, BETWEEN and AND/OR/NOT become typed
// model predicates (exact constant folding of casts, arithmetic and
// date±interval included); anything else is model.Opaque, which pruning must
// treat as "may match".
package lineage

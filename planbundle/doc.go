// Package planbundle wires the deltaplan stages into the plan bundle of
// ../shared/CONTRACT.md: it decodes a Substrait plan and computes its
// lineage, matches each named-table read to a Delta table, pins every table
// once, prunes each read's files with the read's pushed predicates, packs the
// kept files into scan units, and signs the result over what can change the
// plan's result: the plan fingerprint, every session setting, the UDFs the
// plan calls, the rewrite tags that apply to it, the planners, the Delta
// pins (table id and version, never the location) and the scan-unit digest.
// The whole session's runtime hash is recorded beside them, unsigned.
//
// Before pruning, each named-table read's base schema is checked against
// the pinned table's schema (ErrSchemaMismatch): a column the table lacks,
// a type that is neither equal nor a safe widening, or a column the plan
// requires that the table lets be null. Names resolve as Delta resolves
// them: case-insensitively, by logical name on column-mapped tables, nested
// fields by path.
//
// A Bundle is stable JSON (structs and sorted slices; the one map, lineage
// relation counts, is printed by encoding/json in key order). Read checks a
// bundle's signature against its components, and Diff explains two bundles
// by component without the plans or tables at hand: the bundle carries the
// digests of every plan relation and its readable rendering
// (plan_relations) for that, and the scan units' files.
//
// # Extensions to the contract
//
//   - required_udfs: the session UDFs the plan calls. A plan function is a
//     call of a UDF when the session registers a UDF whose name equals the
//     function's declared name without its signature suffix ("fx_convert" for
//     "fx_convert:dec_str"), whatever the extension URN; every overload of
//     that name is listed, because Substrait signatures and session
//     signatures are not written in one comparable form.
//   - required_rewrite_tags: the session's rewrite tags that apply to the
//     plan. A tag without ':' is global and always applies. A tag
//     "SCOPE:NAME" applies when SCOPE names a relation kind the plan contains
//     ("join:broadcast_hash" needs a join of any kind: join, hash_join,
//     merge_join, nested_loop_join or cross) or the base name of a function
//     it calls ("like:ascii_fast" needs like). The signature hashes these
//     tags only (components.rewrite_tags), and the called UDFs only
//     (components.udf_snapshot_hash).
//   - plan_relations: per relation of the plan, its path, parent, label, kind,
//     the digests of its own content and subtree (identity.Relation) and its
//     content rendered per aspect (detail), sorted by path; diff names
//     changed relations and what changed in them from it.
//   - reads: per named-table read, its table, path and base-schema columns
//     resolved against the pinned table, with their Delta types.
//   - encoding_version: the identity.EncodingVersion of the digests.
//   - tables: per --table entry, the name, location, Delta table id and pinned
//     version. Only this list mentions locations; nothing signed does.
//   - bundle_version: the version of this JSON layout (1).
//
// Pruning is sound: the pushed conjuncts of a read are combined with AND;
// a conjunct naming a column the table lacks (after a case-insensitive
// match, as Spark resolves names) or that the pruner cannot compile is left
// out of pruning, which keeps more files, never fewer. The scan units still
// list every pushed filter, for the engine to evaluate.
package planbundle

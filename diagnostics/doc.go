// Package diagnostics writes run diagnostics as Delta tables (with
// deltawrite) under a LOCATION: LOCATION/<table> for each table, any
// LOCATION form (local path, file://, s3://, s3a://, gs://, az://,
// abfss://). Each Write makes one commit per table it has rows for,
// creating the table on first use. Every table starts with run_id (string,
// not null). JSON columns are strings holding compact JSON; lists are []
// when empty.
//
// Tables and columns (Delta types; "null" marks nullable columns):
//
//	plan_bundles    a row per view and run (FromBundle)
//	  run_id string, view string, signature string, plan_fingerprint string,
//	  runtime_hash string, udf_snapshot_hash string, scan_units_digest string,
//	  rewrite_tags string (JSON list), delta_pins string (JSON
//	  [{"table","table_id","version"}])
//	scan_units      a row per scan unit, view and run (FromBundle)
//	  run_id, view, unit_id, table string; delta_version long; files long
//	  (count); file_list string (JSON list of paths); bytes long;
//	  records long null; projected_columns string (JSON list);
//	  pushed_filters string (JSON list)
//	lineage_reads   a row per read relation, view and run (FromBundle)
//	  run_id, view, table, kind, path string; columns string (JSON list);
//	  filters string (JSON list)
//	schedule_nodes  a row per task-graph node and run (FromSchedule)
//	  run_id, name, kind, status, reason, signature string; bytes long;
//	  table string; delta_version long null; files long; records long null;
//	  view string; admitted boolean; behavior string; explain string;
//	  cache_key string null
//	run_results     a row per recorded task and run (FromRecord)
//	  run_id, name, status string; data_version string null;
//	  cache_key string; started_at timestamp null; ended_at timestamp null;
//	  group long null
//	drift           a row per finding of `deltaplan drift` for a run
//	  (FromDrift): run_id, kind (admitted_not_reported,
//	  reported_not_admitted, failed, skipped, order_violation), task,
//	  predecessor, detail string
//
// Empty strings are stored as "" (not NULL). Columns added to a table in a
// later version of this package are added to existing tables as nullable
// columns (a metaData commit) before the first append that has them;
// columns a table has that this package does not know are written as NULL
// (they must be nullable).
package diagnostics

// Package deltagen writes Delta Lake tables for benchmarks and examples:
// JSON commits shaped like Spark's (add.stats as a JSON string), classic
// single- or multi-part parquet checkpoints written with parquet-go, and,
// for the bundled example table, real parquet data files whose statistics
// are computed from their rows.
//
// Output is deterministic: the same spec writes the same bytes.
package deltagen

// Package scan reads the rows of a pinned Delta snapshot, or of exactly the
// files of one scan unit, as a stream of Arrow record batches (arrow-go
// pqarrow underneath), in the shape of iceberg-go's ToArrowRecords: ctx
// first, the schema up front, then an iter.Seq2[arrow.RecordBatch, error].
//
// A read projects the requested top-level columns in table order;
// materializes partition columns from the log's typed partition values
// (NULL partitions as nulls); undoes column mapping by physical name or
// parquet field id, nested fields included (a field a file lacks reads as
// nulls); casts each file's columns to the table's types (type widening,
// timestamp units, INT96); drops the rows a deletion vector deletes; and
// keeps only the rows on which the filter is TRUE in SQL three-valued
// logic. Files are read concurrently (bounded) and batches are streamed in
// file order, so memory stays bounded by the concurrency and batch size.
package scan

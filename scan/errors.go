package scan

import "errors"

// Sentinel errors callers may distinguish. Every error names the data file
// (or deletion vector) it concerns.
var (
	// ErrDataFile: a data file is missing, truncated or not parquet.
	ErrDataFile = errors.New("scan: unreadable data file")
	// ErrSchema: a file's column cannot be read as the table's type, or the
	// request names a column the table lacks.
	ErrSchema = errors.New("scan: schema mismatch")
	// ErrFilter: the filter cannot be evaluated on rows (an opaque or
	// unknown predicate form, or a literal of the wrong type).
	ErrFilter = errors.New("scan: filter cannot be evaluated")
	// ErrUnit: a scan unit does not match the snapshot it is read from.
	ErrUnit = errors.New("scan: scan unit does not match the table")
)

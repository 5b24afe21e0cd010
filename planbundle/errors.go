package planbundle

import "errors"

// Errors callers can tell apart with errors.Is. Each is wrapped with the
// read, table or file concerned.
var (
	// ErrNoTable: a named-table read of the plan matches no table given.
	ErrNoTable = errors.New("planbundle: no table for read")
	// ErrAmbiguousTable: a read matches two tables equally well.
	ErrAmbiguousTable = errors.New("planbundle: read matches several tables")
	// ErrInvalidInput: the inputs break a rule (a duplicate or empty table
	// name, a version for an unknown table, a table no read uses, a
	// negative target size).
	ErrInvalidInput = errors.New("planbundle: invalid inputs")
	// ErrSchemaMismatch: a read's base schema does not fit the pinned
	// table's schema (a missing column, a type that is neither equal nor a
	// safe widening, a required column the table lets be null), or the read
	// has no base schema.
	ErrSchemaMismatch = errors.New("planbundle: plan schema does not match the table")
	// ErrInvalidBundle: a bundle file is not a bundle, or its signature
	// does not match its components.
	ErrInvalidBundle = errors.New("planbundle: invalid bundle")
)

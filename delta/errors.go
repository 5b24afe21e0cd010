package delta

import (
	"errors"
	"fmt"
)

// Sentinel errors. Returned errors wrap one of these with context (the file or
// version concerned), so callers tell cases apart with errors.Is.
var (
	// ErrTableNotFound: the location has no _delta_log or no log files.
	ErrTableNotFound = errors.New("delta: table not found")
	// ErrUnsupportedScheme: the location's URI scheme has no storage yet.
	ErrUnsupportedScheme = errors.New("delta: unsupported location scheme")
	// ErrUnsupportedReaderVersion: protocol minReaderVersion is above 3.
	ErrUnsupportedReaderVersion = errors.New("delta: unsupported reader version")
	// ErrUnsupportedReaderFeature: the table needs a reader feature this
	// reader does not implement.
	ErrUnsupportedReaderFeature = errors.New("delta: unsupported reader feature")
	// ErrMissingProtocol: the replayed log has no protocol action.
	ErrMissingProtocol = errors.New("delta: log has no protocol action")
	// ErrMissingMetadata: the replayed log has no metaData action.
	ErrMissingMetadata = errors.New("delta: log has no metaData action")
	// ErrVersionGap: a commit file between the checkpoint and the target
	// version is missing.
	ErrVersionGap = errors.New("delta: missing commit in log")
	// ErrCorruptLog: a commit, checkpoint or hint file cannot be parsed or
	// breaks the protocol; the message names the file.
	ErrCorruptLog = errors.New("delta: corrupt log file")
	// ErrVersionNotFound: the requested version is outside the versions the
	// log can reconstruct.
	ErrVersionNotFound = errors.New("delta: version not found")
	// ErrTimestampOutOfRange: the requested timestamp is before the earliest
	// reconstructable commit.
	ErrTimestampOutOfRange = errors.New("delta: timestamp out of range")
	// ErrInvalidSchema: the table schema string cannot be parsed.
	ErrInvalidSchema = errors.New("delta: invalid schema")
	// ErrInvalidOption: conflicting or invalid snapshot options.
	ErrInvalidOption = errors.New("delta: invalid option")
)

// ErrUnsupportedTypeChange: a column's delta.typeChanges metadata records a
// type change this reader cannot read values across (the type-widening
// section of the protocol requires refusing the table). The error is a
// *TypeChangeError.
var ErrUnsupportedTypeChange = errors.New("delta: unsupported type change")

// TypeChangeError names the column and the type change that cannot be read.
type TypeChangeError struct {
	Column   string // dotted logical path
	From, To string // Delta type names as delta.typeChanges states them
}

func (e *TypeChangeError) Error() string {
	return fmt.Sprintf("%v: column %s changed from %s to %s", ErrUnsupportedTypeChange, e.Column, e.From, e.To)
}

// Unwrap makes errors.Is(err, ErrUnsupportedTypeChange) hold.
func (e *TypeChangeError) Unwrap() error { return ErrUnsupportedTypeChange }

// ErrCatalogRequired: the table is managed by a catalog (reader feature
// catalogManaged); reading its log directly could miss commits the catalog
// has ratified but not yet published. The error is a *CatalogRequiredError.
var ErrCatalogRequired = errors.New("delta: table requires a catalog")

// CatalogRequiredError names the catalog reader feature of a table.
type CatalogRequiredError struct {
	Feature string
}

func (e *CatalogRequiredError) Error() string {
	return fmt.Sprintf("%v: reader feature %s: the table's commits are ratified by its catalog; read it through that catalog, not its _delta_log", ErrCatalogRequired, e.Feature)
}

// Unwrap makes errors.Is(err, ErrCatalogRequired) hold, and
// ErrUnsupportedReaderFeature too.
func (e *CatalogRequiredError) Unwrap() []error {
	return []error{ErrCatalogRequired, ErrUnsupportedReaderFeature}
}

// ErrChecksumMismatch: the pinned version's checksum file (N.crc) disagrees
// with the log replay; the message names the file and the fields.
var ErrChecksumMismatch = errors.New("delta: checksum file disagrees with the log")

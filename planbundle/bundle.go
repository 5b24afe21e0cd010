package planbundle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/deltaplan/deltaplan/identity"
	"github.com/deltaplan/deltaplan/lineage"
	"github.com/deltaplan/deltaplan/session"
)

// Version is the bundle_version this package writes and reads.
const Version = 1

// Bundle is the plan bundle of ../shared/CONTRACT.md plus the documented
// extensions (package doc). Every list is sorted as stated on its field.
//
// Invariant (checked by Read): Signature is the signature of Components.
type Bundle struct {
	BundleVersion int `json:"bundle_version"`
	// EncodingVersion is the identity.EncodingVersion the digests were made
	// with; a bundle written before the field existed reads as 1.
	EncodingVersion int                 `json:"encoding_version"`
	Signature       identity.Digest     `json:"signature"`
	Components      identity.Components `json:"components"`
	Lineage         lineage.JSON        `json:"lineage"`
	// ScanUnits in read order (lineage order), then partition and path
	// order within a read; a unit two reads share is listed once.
	ScanUnits []ScanUnit       `json:"scan_units"`
	Session   *session.Runtime `json:"session"`
	// RequiredUDFs sorted by name, then signature.
	RequiredUDFs []RequiredUDF `json:"required_udfs"`
	// RequiredRewriteTags sorted.
	RequiredRewriteTags []string `json:"required_rewrite_tags"`
	// PlanRelations sorted by path.
	PlanRelations []identity.Relation `json:"plan_relations"`
	// Tables sorted by name.
	Tables []TableInfo `json:"tables"`
	// Reads are the named-table reads in lineage order, each with its
	// base-schema columns resolved against the pinned table (Delta types).
	Reads []ReadSchema `json:"reads"`
	// Pruning says, per read of a pinned table in read order, how many
	// files and bytes pruning kept (an extension; not signed).
	Pruning []ReadPruning `json:"pruning,omitempty"`
}

// ReadPruning is one read's files and bytes before and after pruning.
type ReadPruning struct {
	Read        string `json:"read"` // the read's relation path
	Table       string `json:"table"`
	FilesBefore int    `json:"files_before"`
	FilesAfter  int    `json:"files_after"`
	BytesBefore int64  `json:"bytes_before"`
	BytesAfter  int64  `json:"bytes_after"`
}

// ScanUnit is one `scan_units` entry of the contract.
type ScanUnit struct {
	ID               string   `json:"id"`
	Table            string   `json:"table"`
	DeltaVersion     int64    `json:"delta_version"`
	Files            []string `json:"files"`
	ProjectedColumns []string `json:"projected_columns"`
	PushedFilters    []string `json:"pushed_filters"`
	Bytes            int64    `json:"bytes"`
	Records          *int64   `json:"records"`

	// What a cache key needs beyond the contract (not in the bundle JSON):
	// Sizes[i] and DVIDs[i] (deletion-vector unique id, "" when none) of
	// Files[i], and the unit's partition as "name=value" pairs. A bundle read
	// back from JSON has none of them.
	Sizes     []int64  `json:"-"`
	DVIDs     []string `json:"-"`
	Partition []string `json:"-"`
}

// RequiredUDF is a session UDF the plan calls; Functions are the plan's
// declarations that resolve to it ("<urn> <name>"), sorted.
type RequiredUDF struct {
	Name                 string          `json:"name"`
	Signature            string          `json:"signature"`
	ImplementationDigest string          `json:"implementation_digest"`
	Identity             identity.Digest `json:"identity"`
	Functions            []string        `json:"functions"`
}

// TableInfo is one table the bundle pinned: the name it was given, where it
// was read, its Delta metadata id and pinned version.
type TableInfo struct {
	Name     string `json:"name"`
	Location string `json:"location"`
	TableID  string `json:"table_id"`
	Version  int64  `json:"version"`
}

// Manifest returns the signature with its components.
func (b *Bundle) Manifest() identity.Manifest {
	return identity.Manifest{Signature: b.Signature, Components: b.Components}
}

// Write prints b as one indented JSON document.
func Write(w io.Writer, b *Bundle) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(b); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	return nil
}

// Read parses a bundle written by Write (name is used in errors). It
// rejects a bundle_version other than Version, trailing data, a signature
// that does not match the components (checked when the bundle's
// encoding_version is this build's identity.EncodingVersion), and plan_relations that do not form
// a tree; a missing session is the empty session.
func Read(r io.Reader, name string) (*Bundle, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read bundle %s: %w", name, err)
	}
	var b Bundle
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidBundle, name, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: %s: trailing data after the bundle", ErrInvalidBundle, name)
	}
	if b.BundleVersion != Version {
		return nil, fmt.Errorf("%w: %s: bundle_version %d, want %d", ErrInvalidBundle, name, b.BundleVersion, Version)
	}
	if b.Signature.IsZero() {
		return nil, fmt.Errorf("%w: %s: no signature", ErrInvalidBundle, name)
	}
	if err := b.Components.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidBundle, name, err)
	}
	if b.EncodingVersion == 0 {
		b.EncodingVersion = 1 // written before the field existed
	}
	// Digests of another encoding version cannot be recomputed here; such a
	// bundle is still read, so that diff can say the versions differ.
	if b.EncodingVersion == identity.EncodingVersion {
		if err := b.Manifest().Verify(); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrInvalidBundle, name, err)
		}
	}
	if _, err := identity.DiffRelations(b.PlanRelations, b.PlanRelations); err != nil {
		return nil, fmt.Errorf("%w: %s: plan_relations: %v", ErrInvalidBundle, name, err)
	}
	if b.Session == nil {
		b.Session = session.Empty()
	}
	return &b, nil
}

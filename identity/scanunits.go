package identity

import (
	"fmt"
	"github.com/deltaplan/deltaplan/model"
	"slices"
	"strings"
)

// ScanUnit is the one scan-unit noun (model.ScanUnit). The digest covers
// its contract fields; Files are the Delta add-action paths (relative to the
// table root), never storage locations, so a copied table keeps its digest,
// and pushed filters count by their canonical text.
type ScanUnit = model.ScanUnit

// ScanUnitsDigest hashes scan units in the "scan-units" domain. Units are
// ordered by ID (IDs must be unique and non-empty) and each unit's files,
// columns and filters are sorted, so neither producer order nor map order
// leaks in. The empty list has a digest too (distinct from "absent", the
// zero Digest).
func ScanUnitsDigest(units []ScanUnit) (Digest, error) {
	us := slices.Clone(units)
	slices.SortFunc(us, func(a, b ScanUnit) int { return strings.Compare(a.ID, b.ID) })
	for i, u := range us {
		if u.ID == "" {
			return Digest{}, fmt.Errorf("%w: scan unit of table %q has no id", ErrInvalidComponents, u.Table)
		}
		if i > 0 && us[i-1].ID == u.ID {
			return Digest{}, fmt.Errorf("%w: scan unit id %q used twice", ErrInvalidComponents, u.ID)
		}
	}
	e := New("scan-units")
	e.List(len(us))
	for _, u := range us {
		e.Struct(8)
		e.Field("id")
		e.String(u.ID)
		e.Field("table")
		e.String(u.Table)
		e.Field("delta_version")
		e.Int(u.DeltaVersion)
		e.Field("files")
		e.StringList(slices.Sorted(slices.Values(u.Files)))
		e.Field("projected_columns")
		e.StringList(slices.Sorted(slices.Values(u.ProjectedColumns)))
		e.Field("pushed_filters")
		e.StringList(slices.Sorted(slices.Values(u.FilterTexts())))
		e.Field("bytes")
		e.Int(u.Bytes)
		e.Field("records")
		if u.Records == nil {
			e.Null()
		} else {
			e.Int(*u.Records)
		}
	}
	return e.Sum()
}

package scan

import (
	"context"
	"fmt"
	"iter"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/deltaplan/deltaplan/model"
)

// ForUnit turns a scan unit into what a read of exactly that unit needs:
// the indices of its files in t's snapshot, and opts with the unit's
// projected columns and pushed filters (ANDed). The snapshot must be the
// unit's pinned version and hold every file of the unit; when the unit
// carries deletion-vector ids (units fresh from planning do; units read
// from JSON do not, and the pinned version fixes them) they must match.
// A pushed filter the model cannot express (Opaque) is an error: the unit
// would return rows it should not.
func ForUnit(t Table, u model.ScanUnit, opts Options) ([]int, Options, error) {
	s := t.Snapshot
	if s == nil || s.Files == nil {
		return nil, opts, fmt.Errorf("scan: nil snapshot")
	}
	if s.Version != u.DeltaVersion {
		return nil, opts, fmt.Errorf("%w: unit %s is of version %d, the snapshot is version %d", ErrUnit, u.ID, u.DeltaVersion, s.Version)
	}
	idx := make(map[string]int, s.Files.Len())
	for i, p := range s.Files.Paths {
		idx[p] = i
	}
	files := make([]int, len(u.Files))
	for k, p := range u.Files {
		i, ok := idx[p]
		if !ok {
			return nil, opts, fmt.Errorf("%w: unit %s: file %s is not active at version %d", ErrUnit, u.ID, p, s.Version)
		}
		if len(u.DVIDs) == len(u.Files) && u.DVIDs[k] != s.Files.DVIDs[i] {
			return nil, opts, fmt.Errorf("%w: unit %s: file %s has deletion vector %q, the unit says %q", ErrUnit, u.ID, p, s.Files.DVIDs[i], u.DVIDs[k])
		}
		files[k] = i
	}
	opts.Columns = append([]string{}, u.ProjectedColumns...)
	opts.Filter = nil
	for _, p := range u.PushedFilters {
		if o, opaque := p.(model.Opaque); opaque {
			return nil, opts, fmt.Errorf("%w: unit %s: pushed filter %q is not expressible as a predicate, so its rows cannot be filtered exactly", ErrUnit, u.ID, o.Text)
		}
	}
	switch len(u.PushedFilters) {
	case 0:
	case 1:
		opts.Filter = u.PushedFilters[0]
	default:
		opts.Filter = model.And{Args: append([]model.Pred{}, u.PushedFilters...)}
	}
	return files, opts, nil
}

// Unit reads exactly one scan unit (see ForUnit) as record batches.
func Unit(ctx context.Context, t Table, u model.ScanUnit, opts Options) (*arrow.Schema, iter.Seq2[arrow.RecordBatch, error], error) {
	files, opts, err := ForUnit(t, u, opts)
	if err != nil {
		return nil, nil, err
	}
	return Files(ctx, t, files, opts)
}

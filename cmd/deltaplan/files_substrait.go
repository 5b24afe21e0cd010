package main

import (
	"fmt"
	"io"
	"math"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/scanunit"
)

// writeFilesSubstrait prints `files --substrait`: one Substrait plan reading
// the kept files (indices into s.Files) with every column of the table, one
// read per partition (a UNION ALL when there are several), the --filter
// conjuncts that convert as the reads' best_effort_filter.
func writeFilesSubstrait(w io.Writer, s *delta.Snapshot, filter model.Pred, kept []int) error {
	var pushed []model.Pred
	if filter != nil {
		pushed = append(pushed, filter)
	}
	keep := make([]scanunit.Verdict, s.Files.Len())
	for _, i := range kept {
		keep[i] = scanunit.MightMatch
	}
	var cols []string
	if s.Metadata.Schema != nil {
		for _, f := range s.Metadata.Schema.Fields {
			cols = append(cols, f.Name)
		}
	}
	// No size target: one unit per partition, the finest grouping that
	// still lets partition values be literals of the plan.
	units, err := scanunit.Plan(s.Files, keep, scanunit.Options{Version: s.Version, TargetBytes: math.MaxInt64, Columns: cols})
	if err != nil {
		return fmt.Errorf("files of %s: %w", s.Location, err)
	}
	if len(units) == 0 {
		// Nothing kept: one read of no files, with the table's schema.
		units = []scanunit.Unit{{ID: "empty", ProjectedColumns: cols}}
	}
	src := scanunit.Source{Root: s.Location, Schema: s.Metadata.Schema, ColumnMapping: s.Metadata.ColumnMappingMode(), Files: s.Files}
	sp, err := scanunit.SubstraitAll(units, src, pushed)
	if err != nil {
		return fmt.Errorf("substrait plan of %s: %w", s.Location, err)
	}
	b, err := scanunit.MarshalSubstraitJSON(sp.Plan)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

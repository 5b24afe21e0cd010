package main

import (
	"context"
	"fmt"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/scanunit"
	"github.com/spf13/cobra"
)

// This file gives `deltaplan files` its --filter flag through the hooks in
// files.go: the text is parsed by scanunit.ParseFilter and the snapshot's
// files are pruned by scanunit.Pruner.
func init() {
	filesFlagHooks = append(filesFlagHooks, func(c *cobra.Command) func() *string {
		var expr string
		c.Flags().StringVar(&expr, "filter", "", "keep only files that may hold a row matching this SQL boolean expression")
		return func() *string {
			if !c.Flags().Changed("filter") {
				return nil
			}
			return &expr
		}
	})
	filesFilter = pruneSnapshot
}

// pruneSnapshot returns the indices of the files of s that may hold a row
// for which expr is true. A malformed expression is a command-line error
// (exit 2); a column the table lacks is bad input (exit 1).
func pruneSnapshot(_ context.Context, s *delta.Snapshot, expr string) ([]int, error) {
	pred, err := scanunit.ParseFilter(expr)
	if err != nil {
		return nil, usageError{fmt.Errorf("--filter: %w", err)}
	}
	pr, err := scanunit.NewPruner(pred, snapshotSchema(s))
	if err != nil {
		return nil, fmt.Errorf("--filter on %s: %w", s.Location, err)
	}
	return pr.Keep(s.Files)
}

// snapshotSchema lists the table's leaf columns (logical paths) and its
// partition columns, so that a filter naming a missing column is rejected
// instead of silently keeping every file.
func snapshotSchema(s *delta.Snapshot) scanunit.Schema {
	schema := scanunit.SchemaOf(s.Files)
	if s.Metadata.Schema == nil {
		return schema
	}
	for _, l := range s.Metadata.Schema.Leaves(s.Metadata.ColumnMappingMode()) {
		schema = append(schema, scanunit.Field{Path: l.Logical, Kind: model.KindNull})
	}
	for _, p := range s.Metadata.PartitionColumns {
		schema = append(schema, scanunit.Field{Path: model.Column{p}, Kind: model.KindNull})
	}
	return schema
}

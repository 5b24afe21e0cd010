package planbundle

import (
	"errors"
	"fmt"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/lineage"
	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/scanunit"
)

// prune returns the verdicts of the read's pushed conjuncts over the
// snapshot's files (nil keeps every file), with the one evaluator `files
// --filter` uses. Column names resolve against the table's schema ignoring
// case, as Delta does. An opaque conjunct, and one naming a column the table
// lacks (a plan/table mismatch the schema check reports), are left out:
// leaving a conjunct out of an AND only keeps more files. A conjunct naming
// a column ambiguously, or comparing a column with a literal that cannot be
// its type, is an error naming the read and column: keeping every file
// would hide that the plan cannot mean what it says.
func prune(rd lineage.Read, s *delta.Snapshot) ([]scanunit.Verdict, error) {
	schema, err := pruneSchema(s)
	if err != nil {
		return nil, err
	}
	var usable []model.Pred
	for _, p := range rd.Pushed {
		if _, opaque := p.(model.Opaque); opaque {
			continue
		}
		if _, err := scanunit.NewPruner(p, schema); err != nil {
			if errors.Is(err, scanunit.ErrUnknownColumn) {
				continue // the plan's schema check reports it; pruning keeps more
			}
			return nil, fmt.Errorf("pushed filter %s: %w", p, err)
		}
		usable = append(usable, p)
	}
	if len(usable) == 0 {
		return nil, nil
	}
	pr, err := scanunit.NewPruner(model.And{Args: usable}, schema)
	if err != nil {
		return nil, err
	}
	return pr.Eval(s.Files)
}

// pruneSchema is the table's typed schema, or (for a table without one)
// the columns its statistics and partitions name.
func pruneSchema(s *delta.Snapshot) (scanunit.Schema, error) {
	if s.Metadata.Schema != nil {
		return scanunit.SchemaOfTable(&s.Metadata)
	}
	cols := tableColumns(s)
	schema := make(scanunit.Schema, 0, len(cols))
	for _, c := range cols {
		schema = append(schema, scanunit.Field{Path: c, Kind: model.KindNull})
	}
	return schema, nil
}

// tableColumns lists the table's leaf columns (logical paths) and partition
// columns.
func tableColumns(s *delta.Snapshot) []model.Column {
	var cols []model.Column
	if s.Metadata.Schema != nil {
		for _, l := range s.Metadata.Schema.Leaves(s.Metadata.ColumnMappingMode()) {
			cols = append(cols, l.Logical)
		}
	}
	for _, p := range s.Metadata.PartitionColumns {
		cols = append(cols, model.Column{p})
	}
	for _, st := range s.Files.Stats {
		cols = append(cols, st.Path)
	}
	seen := map[string]bool{}
	out := cols[:0]
	for _, c := range cols {
		if !seen[c.String()] {
			seen[c.String()] = true
			out = append(out, c)
		}
	}
	return out
}
